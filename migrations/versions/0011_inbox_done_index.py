"""the inbox's index of handled updates holds only those: SQLite's planner took the whole index (every pending row
has done_at NULL) for a worker's turn, then sorted every waiting update, each turn

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 17:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_inbox_done_at", table_name="inbox")
    op.create_index(
        "ix_inbox_done_at",
        "inbox",
        ["done_at"],
        unique=False,
        sqlite_where=sa.text("done_at IS NOT NULL"),
        postgresql_where=sa.text("done_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_inbox_done_at", table_name="inbox", sqlite_where=sa.text("done_at IS NOT NULL"),
                  postgresql_where=sa.text("done_at IS NOT NULL"))  # fmt: skip
    op.create_index("ix_inbox_done_at", "inbox", ["done_at"], unique=False)
