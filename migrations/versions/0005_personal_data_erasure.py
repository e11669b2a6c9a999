"""personal data that can be erased: accounts erased in place, bookings anonymised, freezes kept by keyed hash

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 23:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# On SQLite these columns change by copying their tables (batch mode); env.py turns foreign keys off around it,
# since dropping the old copy of a referenced table would otherwise cascade into the tables that refer to it.


def upgrade() -> None:
    # An erased account that still has a booking to come keeps its row (the booking refers to it) and nothing
    # that says who it was: no Telegram user, no NIK fingerprint, no family card.
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        for name in ("telegram_user_id", "owner_nik_hash", "kk_hash", "kk_masked"):
            batch_op.alter_column(name, existing_type=_type(name), nullable=True)
        batch_op.alter_column("kk_enc", existing_type=sa.LargeBinary(), nullable=True)
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
    # An anonymised booking keeps its office, day, slot, size, status and arrivals, and no account or person.
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.alter_column("account_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("booking_applicants", schema=None) as batch_op:
        batch_op.alter_column("applicant_id", existing_type=sa.Integer(), nullable=True)
    # The 30-day wait outlives an erased account: its owner NIK's keyed hash and the day it ends, nothing more.
    op.create_table(
        "nik_freezes",
        sa.Column("nik_hash", sa.String(length=64), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("nik_hash", name=op.f("pk_nik_freezes")),
    )


def _type(name: str) -> sa.types.TypeEngine[object]:
    return sa.BigInteger() if name == "telegram_user_id" else sa.String(length=64 if "hash" in name else 16)


def downgrade() -> None:
    op.drop_table("nik_freezes")
    with op.batch_alter_table("booking_applicants", schema=None) as batch_op:
        batch_op.alter_column("applicant_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_column("anonymised_at")
        batch_op.alter_column("account_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
        batch_op.alter_column("kk_enc", existing_type=sa.LargeBinary(), nullable=False)
        for name in ("telegram_user_id", "owner_nik_hash", "kk_hash", "kk_masked"):
            batch_op.alter_column(name, existing_type=_type(name), nullable=False)
