"""the help desk: tickets and their messages; staff answers go out through the outbox

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 06:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = "'proof', 'opening_soon', 'opened', 'reminder', 'closure', 'broadcast'"


def upgrade() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("office_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("context", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("waiting_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("state IN ('open', 'answered', 'closed')", name=op.f("ck_tickets_state")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_tickets_account_id_accounts"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["office_id"], ["offices.id"], name=op.f("fk_tickets_office_id_offices"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
    )
    op.create_index("ix_tickets_state_updated_at", "tickets", ["state", "updated_at"], unique=False)
    op.create_index("ix_tickets_chat_id", "tickets", ["chat_id"], unique=False)
    op.create_index(
        "uq_tickets_chat_id_active",
        "tickets",
        ["chat_id"],
        unique=True,
        sqlite_where=sa.text("state != 'closed'"),
        postgresql_where=sa.text("state != 'closed'"),
    )
    op.create_table(
        "ticket_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=10), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("author IN ('applicant', 'staff')", name=op.f("ck_ticket_messages_author")),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_messages_ticket_id_tickets"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_ticket_messages_staff_id_staff"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_messages")),
    )
    op.create_index("ix_ticket_messages_ticket_id", "ticket_messages", ["ticket_id"], unique=False)
    with op.batch_alter_table("announcements", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_announcements_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_announcements_kind"), f"kind IN ({KINDS}, 'answer')")


def downgrade() -> None:
    op.execute("DELETE FROM announcements WHERE kind = 'answer'")
    with op.batch_alter_table("announcements", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_announcements_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_announcements_kind"), f"kind IN ({KINDS})")
    op.drop_index("ix_ticket_messages_ticket_id", table_name="ticket_messages")
    op.drop_table("ticket_messages")
    op.drop_index("uq_tickets_chat_id_active", table_name="tickets")
    op.drop_index("ix_tickets_chat_id", table_name="tickets")
    op.drop_index("ix_tickets_state_updated_at", table_name="tickets")
    op.drop_table("tickets")
