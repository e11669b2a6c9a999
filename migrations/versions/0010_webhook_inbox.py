"""the webhook's inbox: updates kept before Telegram is answered, taken by any worker in each chat's order

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("chat", sa.BigInteger(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("received_at", sa.Float(), nullable=False),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.Column("taken_by", sa.String(length=80), nullable=True),
        sa.Column("taken_until", sa.Float(), nullable=True),
        sa.Column("takes", sa.SmallInteger(), nullable=False),
        sa.Column("done_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_inbox")),
    )
    op.create_index(
        "ix_inbox_pending",
        "inbox",
        ["chat", "update_id"],
        unique=False,
        sqlite_where=sa.text("done_at IS NULL"),
        postgresql_where=sa.text("done_at IS NULL"),
    )
    op.create_index(
        "ix_inbox_waiting",
        "inbox",
        ["update_id"],
        unique=False,
        sqlite_where=sa.text("done_at IS NULL"),
        postgresql_where=sa.text("done_at IS NULL"),
    )
    op.create_index("ix_inbox_done_at", "inbox", ["done_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_inbox_done_at", table_name="inbox")
    op.drop_index("ix_inbox_waiting", table_name="inbox", sqlite_where=sa.text("done_at IS NULL"),
                  postgresql_where=sa.text("done_at IS NULL"))  # fmt: skip
    op.drop_index("ix_inbox_pending", table_name="inbox", sqlite_where=sa.text("done_at IS NULL"),
                  postgresql_where=sa.text("done_at IS NULL"))  # fmt: skip
    op.drop_table("inbox")
