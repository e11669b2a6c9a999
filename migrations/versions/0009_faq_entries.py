"""help topics written by staff, the questions the help did not answer, and the staff group's topics

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 08:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


KINDS = "'proof', 'opening_soon', 'opened', 'reminder', 'closure', 'broadcast', 'answer'"


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("forum_group", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("forum_topic", sa.BigInteger(), nullable=True))
        batch_op.create_index("ix_tickets_forum_topic", ["forum_group", "forum_topic"], unique=False)
    with op.batch_alter_table("ticket_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("author_name", sa.String(length=100), nullable=True))
    with op.batch_alter_table("announcements", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_announcements_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_announcements_kind"), f"kind IN ({KINDS}, 'relay')")
    op.create_table(
        "faq_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("texts", sa.Text(), nullable=False),
        sa.Column("asked", sa.Text(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_faq_entries_ticket_id_tickets"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["staff.id"], name=op.f("fk_faq_entries_created_by_staff"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_entries")),
    )
    op.create_table(
        "unanswered_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(length=12), nullable=False),
        sa.Column("topic", sa.String(length=40), nullable=True),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "reason IN ('unsure', 'outside', 'not_helped')", name=op.f("ck_unanswered_questions_reason")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["faq_entries.id"], name=op.f("fk_unanswered_questions_entry_id_faq_entries"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unanswered_questions")),
    )
    op.create_index(
        "ix_unanswered_questions_settled_at_asked_at", "unanswered_questions", ["settled_at", "asked_at"], unique=False
    )
    op.create_index("ix_unanswered_questions_chat_id", "unanswered_questions", ["chat_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_unanswered_questions_chat_id", table_name="unanswered_questions")
    op.drop_index("ix_unanswered_questions_settled_at_asked_at", table_name="unanswered_questions")
    op.drop_table("unanswered_questions")
    op.drop_table("faq_entries")
    op.execute("DELETE FROM announcements WHERE kind = 'relay'")
    with op.batch_alter_table("announcements", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_announcements_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_announcements_kind"), f"kind IN ({KINDS})")
    with op.batch_alter_table("ticket_messages", schema=None) as batch_op:
        batch_op.drop_column("author_name")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_forum_topic")
        batch_op.drop_column("forum_topic")
        batch_op.drop_column("forum_group")
