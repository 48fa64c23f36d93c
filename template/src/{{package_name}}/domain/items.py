"""The item as the service understands it, free of web and database types."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(slots=True, frozen=True, kw_only=True)
class Item:
    id: int
    name: str
    description: str | None
    price: Decimal
    is_active: bool
    created_at: datetime
    updated_at: datetime
    version: int

    @property
    def etag(self) -> str:
        """Strong entity tag: changes with every write because `version` does."""
        return f'"{self.id}-{self.version}"'


@dataclass(slots=True, frozen=True, kw_only=True)
class NewItem:
    name: str
    description: str | None
    price: Decimal
    is_active: bool = True


@dataclass(slots=True, frozen=True, kw_only=True)
class ItemQuery:
    """A list request: page/per_page, or keyset pagination with `after`."""

    page: int = 1
    per_page: int = 20
    is_active: bool | None = None
    q: str | None = None
    after: int | None = None

    @property
    def offset(self) -> int:
        return 0 if self.after is not None else (self.page - 1) * self.per_page


@dataclass(slots=True, frozen=True, kw_only=True)
class ItemPage:
    items: list[Item]
    page: int
    per_page: int
    # Exact up to the repository's count cap; past it `total` is the cap and
    # `total_is_exact` False. Both None in keyset mode (`after`), which counts nothing.
    total: int | None
    total_is_exact: bool | None
    next_after: int | None


# The version a write requires when If-Match names none this item can have: never current.
NO_VERSION = 0


class DomainError(Exception):
    """Base of the errors the API layer maps to HTTP responses (see api/errors.py)."""


class ItemNotFoundError(DomainError):
    def __init__(self, item_id: int) -> None:
        super().__init__(f"Item {item_id} not found")
        self.item_id = item_id


class ServiceUnavailableError(DomainError):
    """A backing service (the database) cannot be reached right now; retrying may work."""

    def __init__(self, what: str, retry_after_seconds: int = 1) -> None:
        super().__init__(f"{what} is unavailable; retry later")
        self.retry_after_seconds = retry_after_seconds


class VersionMismatchError(DomainError):
    def __init__(self, item_id: int, expected: int) -> None:
        if expected == NO_VERSION:  # If-Match named no tag this item could have
            super().__init__(f"Item {item_id} does not have any entity tag If-Match lists")
        else:
            super().__init__(f"Item {item_id} is no longer at version {expected}")
        self.item_id = item_id
        self.expected = expected


# The version column is a 32-bit integer on every database; versions start at 1, so a tag
# naming 0 or a version past the column's range can never be current.
MAX_VERSION = 2**31 - 1
# As Item.etag writes them: ASCII digits, no leading zero (tags compare as strings).
_ITEM_TAG = re.compile(r"([1-9][0-9]{0,9})-([1-9][0-9]{0,9})")


def tagged_versions(opaque_tags: Iterable[str], item_id: int) -> frozenset[int]:
    """The versions of item `item_id` that entity tags (`<id>-<version>`) name.

    Tags of other items, malformed tags and versions no stored item can have are left out.
    """
    versions = set()
    for tag in opaque_tags:
        found = _ITEM_TAG.fullmatch(tag)
        if found is None or int(found.group(1)) != item_id:
            continue
        version = int(found.group(2))
        if 1 <= version <= MAX_VERSION:
            versions.add(version)
    return frozenset(versions)
