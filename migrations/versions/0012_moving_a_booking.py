"""moving a booking: the new booking names the one it replaced, which becomes 'moved'

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 02:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WITH_MOVED = "status IN ('held', 'confirmed', 'cancelled', 'expired', 'moved')"
_WITHOUT_MOVED = "status IN ('held', 'confirmed', 'cancelled', 'expired')"


def upgrade() -> None:
    # SQLite cannot alter a CHECK or add a foreign key in place: batch mode copies the table (a few seconds for a
    # year of bookings), PostgreSQL alters it.
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("moved_from", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f("fk_bookings_moved_from_bookings"), "bookings", ["moved_from"], ["id"])
        batch_op.create_unique_constraint(op.f("uq_bookings_moved_from"), ["moved_from"])
        batch_op.drop_constraint(op.f("ck_bookings_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_bookings_status"), _WITH_MOVED)


def downgrade() -> None:
    # Without the status, a moved booking reads as what it is to everyone but its owner: cancelled.
    op.execute("UPDATE bookings SET status = 'cancelled' WHERE status = 'moved'")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_bookings_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_bookings_status"), _WITHOUT_MOVED)
        batch_op.drop_constraint(op.f("uq_bookings_moved_from"), type_="unique")
        batch_op.drop_constraint(op.f("fk_bookings_moved_from_bookings"), type_="foreignkey")
        batch_op.drop_column("moved_from")
