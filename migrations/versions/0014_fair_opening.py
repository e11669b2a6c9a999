"""a fair opening: an office option, its draws, the parties pre-registered and their NIKs

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 04:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = "'proof', 'opening_soon', 'opened', 'reminder', 'closure', 'broadcast', 'answer', 'relay', 'offer', 'wait_over'"


def upgrade() -> None:
    with op.batch_alter_table("announcements", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_announcements_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_announcements_kind"), f"kind IN ({KINDS}, 'drawn', 'draw_open')")
    with op.batch_alter_table("offices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fair_opening", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        "draws",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("days", sa.String(length=120), nullable=False),
        sa.Column("seed", sa.String(length=64), nullable=False),
        sa.Column("commitment", sa.String(length=64), nullable=False),
        sa.Column("beacon", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=True),
        sa.Column("listed", sa.Text(), nullable=True),
        sa.Column("drawn_order", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("frozen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("drawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("state IN ('open', 'frozen', 'drawn')", name=op.f("ck_draws_state")),
        sa.ForeignKeyConstraint(
            ["office_id"], ["offices.id"], name=op.f("fk_draws_office_id_offices"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draws")),
        sa.UniqueConstraint("office_id", "opens_at", name=op.f("uq_draws_office_id_opens_at")),
    )
    op.create_table(
        "draw_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draw_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("token", sa.String(length=16), nullable=False),
        sa.Column("party", sa.Text(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("waitlist_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("first_day <= last_day", name=op.f("ck_draw_entries_range")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_draw_entries_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["draw_id"], ["draws.id"], name=op.f("fk_draw_entries_draw_id_draws"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["waitlist_id"], ["waitlist.id"], name=op.f("fk_draw_entries_waitlist_id_waitlist"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draw_entries")),
        sa.UniqueConstraint("draw_id", "account_id", name=op.f("uq_draw_entries_draw_id_account_id")),
        sa.UniqueConstraint("draw_id", "token", name=op.f("uq_draw_entries_draw_id_token")),
    )
    op.create_index("ix_draw_entries_account_id", "draw_entries", ["account_id"])
    op.create_table(
        "draw_niks",
        sa.Column("draw_id", sa.Integer(), nullable=False),
        sa.Column("nik_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["draw_id"], ["draws.id"], name=op.f("fk_draw_niks_draw_id_draws"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["draw_entries.id"], name=op.f("fk_draw_niks_entry_id_draw_entries"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("draw_id", "nik_hash", name=op.f("pk_draw_niks")),
    )


def downgrade() -> None:
    op.drop_table("draw_niks")
    op.drop_index("ix_draw_entries_account_id", table_name="draw_entries")
    op.drop_table("draw_entries")
    op.drop_table("draws")
    with op.batch_alter_table("offices", schema=None) as batch_op:
        batch_op.drop_column("fair_opening")
    gone = "SELECT id FROM announcements WHERE kind IN ('drawn', 'draw_open')"
    op.execute(f"DELETE FROM outbox WHERE announcement_id IN ({gone})")  # noqa: S608 - constant text
    op.execute("DELETE FROM announcements WHERE kind IN ('drawn', 'draw_open')")
    with op.batch_alter_table("announcements", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_announcements_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_announcements_kind"), f"kind IN ({KINDS})")
