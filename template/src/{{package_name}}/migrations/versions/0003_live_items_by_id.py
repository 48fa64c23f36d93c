"""Index the live items in id order, for list pages that filter on nothing else.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02

`WHERE is_deleted = false ORDER BY id LIMIT n` had only `(is_deleted, is_active, id)` to
go by, whose rows are in id order per `is_active` value only: SQLite without statistics
sorted every live row for each page (50 ms at 300,000 rows). With `(is_deleted, id)` the
first page and each keyset page read only the rows they return.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_items_is_deleted_id", "items", ["is_deleted", "id"])


def downgrade() -> None:
    op.drop_index("ix_items_is_deleted_id", table_name="items")
