"""Column types that behave the same on every dialect."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, Dialect, Numeric, Text
from sqlalchemy.dialects import mysql
from sqlalchemy.types import TypeDecorator, TypeEngine

CENTS = Decimal("0.01")


class Money(TypeDecorator[Decimal]):
    """An exact two-decimal amount.

    NUMERIC(12, 2) where the database has a decimal type; on SQLite, whose NUMERIC is a
    float, an integer count of cents, so that nothing is ever rounded.
    """

    impl = Numeric(12, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(12, 2, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return int(value.quantize(CENTS) * 100)
        return value.quantize(CENTS)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return (Decimal(value) / 100).quantize(CENTS)
        return Decimal(value).quantize(CENTS)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps with microseconds on every dialect.

    PostgreSQL stores `timestamptz`; SQLite and MySQL/MariaDB have no time zone type, so
    they store the UTC wall time (MySQL as DATETIME(6), keeping the microseconds).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name in {"mysql", "mariadb"}:
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use datetime.now(UTC)")
        value = value.astimezone(UTC)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, _dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# The folded text a search looks in (domain/search.py): up to 18 characters for each one
# stored, since NFKD expands some ligatures that far, so unbounded TEXT; on MySQL/MariaDB
# MEDIUMTEXT (TEXT holds 64 KiB) compared by code point (utf8mb4_bin), so that the
# database adds no case or accent folding of its own.
SEARCH_TEXT = Text().with_variant(
    mysql.MEDIUMTEXT(charset="utf8mb4", collation="utf8mb4_bin"), "mysql", "mariadb"
)
