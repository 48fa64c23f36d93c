"""The item as the service understands it, free of web and database types."""

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
    total: int | None
    next_after: int | None


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
        super().__init__(f"Item {item_id} is no longer at version {expected}")
        self.item_id = item_id
        self.expected = expected


def expected_version(if_match: str, item_id: int) -> int | None:
    """The item version an `If-Match` header requires: None for `*`, 0 if it names none.

    Versions start at 1, so 0 never matches and the write is refused with 412, as
    RFC 9110 (13.1.1) asks when no listed tag is current. Weak tags never match.
    """
    if if_match.strip() == "*":
        return None
    for tag in if_match.split(","):
        value = tag.strip()
        if not (value.startswith('"') and value.endswith('"')):
            continue
        prefix, _, version = value[1:-1].partition("-")
        if prefix == str(item_id) and version.isdigit():
            return int(version)
    return 0
