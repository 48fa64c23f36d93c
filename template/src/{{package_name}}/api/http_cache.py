"""HTTP caching helpers: entity tags and conditional requests (RFC 9110, section 13).

Header values arrive as any bytes (Starlette decodes them as latin-1), so parsing never
trusts them: anything that is not a well-formed entity tag is skipped, never an error.
"""

import re
from dataclasses import dataclass

# entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE; etagc = %x21 / %x23-7E / obs-text
_ENTITY_TAG = re.compile(r'\s*(W/)?"([\x21\x23-\x7e\x80-\xff]*)"\s*(?:,|$)')


@dataclass(slots=True, frozen=True)
class EntityTag:
    opaque: str
    weak: bool = False

    def __str__(self) -> str:
        return f'{"W/" if self.weak else ""}"{self.opaque}"'


def parse_entity_tags(header: str) -> list[EntityTag] | None:
    """The tags an `If-Match` / `If-None-Match` list names; None for `*` (any tag).

    Members that are not entity tags are left out, so a malformed list matches nothing.
    """
    if header.strip() == "*":
        return None
    tags: list[EntityTag] = []
    position = 0
    while position < len(header):
        found = _ENTITY_TAG.match(header, position)
        if found is None:  # skip the malformed member up to the next comma
            comma = header.find(",", position)
            if comma < 0:
                break
            position = comma + 1
            continue
        tags.append(EntityTag(found.group(2), weak=found.group(1) is not None))
        position = found.end()
    return tags


def _opaque(etag: str) -> str:
    return etag.removeprefix("W/").strip('"')


def none_match_hits(if_none_match: str | None, etag: str) -> bool:
    """True when `If-None-Match` names `etag` (weak comparison), so 304 is the answer."""
    if not if_none_match:
        return False
    tags = parse_entity_tags(if_none_match)
    return tags is None or any(tag.opaque == _opaque(etag) for tag in tags)
