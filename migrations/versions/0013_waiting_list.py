"""the waiting list: parties waiting at an office for a range of dates, offered freed places in turn

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 03:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LIVE = sa.text("state IN ('waiting', 'offered')")
KINDS = "'proof', 'opening_soon', 'opened', 'reminder', 'closure', 'broadcast', 'answer', 'relay'"


def upgrade() -> None:
    with op.batch_alter_table("announcements", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_announcements_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_announcements_kind"), f"kind IN ({KINDS}, 'offer', 'wait_over')")
    op.create_table(
        "waitlist",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("party", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("offered_booking_id", sa.Integer(), nullable=True),
        sa.Column("offered_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_why", sa.String(length=12), nullable=True),
        sa.CheckConstraint("state IN ('waiting', 'offered', 'booked', 'left')", name=op.f("ck_waitlist_state")),
        sa.CheckConstraint("first_day <= last_day", name=op.f("ck_waitlist_range")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_waitlist_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["office_id"], ["offices.id"], name=op.f("fk_waitlist_office_id_offices"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["offered_booking_id"], ["bookings.id"], name=op.f("fk_waitlist_offered_booking_id_bookings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waitlist")),
    )
    op.create_index(
        "ix_waitlist_live_account", "waitlist", ["account_id"], unique=True, sqlite_where=_LIVE, postgresql_where=_LIVE
    )
    op.create_index(
        "ix_waitlist_live_office", "waitlist", ["office_id", "id"], sqlite_where=_LIVE, postgresql_where=_LIVE
    )


def downgrade() -> None:
    op.drop_index("ix_waitlist_live_office", table_name="waitlist")
    op.drop_index("ix_waitlist_live_account", table_name="waitlist")
    op.drop_table("waitlist")
    gone = "SELECT id FROM announcements WHERE kind IN ('offer', 'wait_over')"
    op.execute(f"DELETE FROM outbox WHERE announcement_id IN ({gone})")  # noqa: S608 - constant text
    op.execute("DELETE FROM announcements WHERE kind IN ('offer', 'wait_over')")
    with op.batch_alter_table("announcements", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_announcements_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_announcements_kind"), f"kind IN ({KINDS})")
