"""Table definitions (SQLAlchemy Core); Alembic migrations create them."""

from sqlalchemy import Boolean, Column, Index, Integer, MetaData, String, Table, false, true

from .types import SEARCH_TEXT, Money, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

items = Table(
    "items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False),
    Column("description", String(1000), nullable=True),
    Column("price", Money, nullable=False),
    Column("is_active", Boolean, nullable=False, server_default=true()),
    Column("is_deleted", Boolean, nullable=False, server_default=false()),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    # domain.search.search_text(name, description), written with every change of either.
    # Its index is the database's own (migration 0002): a trigram GIN index on PostgreSQL,
    # the FTS5 table items_search kept by triggers on SQLite, none on MySQL/MariaDB.
    Column("search_text", SEARCH_TEXT, nullable=True),
    # Lists filter on the live rows (and optionally is_active), ordered by id (migration 0003
    # adds the first index: the second has id in order only within each is_active value).
    Index(None, "is_deleted", "id"),
    Index(None, "is_deleted", "is_active", "id"),
    mysql_charset="utf8mb4",
)
