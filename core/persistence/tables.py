"""The schema as SQLAlchemy Core tables; Alembic migrations are written from these."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy import false as sa_false

# Named constraints, so that migrations and error handling can refer to them on every database.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(TypeDecorator[datetime]):
    """An instant, stored in UTC and always read back timezone-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are refused: every instant carries its zone")
        value = value.astimezone(UTC)
        # SQLite keeps text; a naive UTC value in one fixed format makes text order time order.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


offices = Table(
    "offices",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(16), nullable=False, unique=True),
    Column("kind", String(8), nullable=False),
    Column("name", String(200), nullable=False),
    Column("kanwil", String(100), nullable=False),
    Column("province", String(100), nullable=False),
    Column("city", String(100), nullable=False),
    Column("address", Text, nullable=False),
    Column("timezone", String(32), nullable=False),
    Column("working_days", String(32), nullable=False),  # "mon,tue,wed,thu,fri"
    Column("release_opens_weekday", SmallInteger, nullable=False),
    Column("release_opens_at", Time, nullable=False),
    Column("release_closes_weekday", SmallInteger, nullable=False),
    Column("release_closes_at", Time, nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    # Subscribers hear of each weekly opening this long ahead, then at the opening itself.
    Column("alert_lead_minutes", SmallInteger, nullable=False, default=30, server_default="30"),
    # Opening alerts go out with Telegram's paid broadcasts (allow_paid_broadcast: up to 1,000 a second, at a cost).
    Column("paid_alerts", Boolean, nullable=False, default=False, server_default=sa_false()),
    # A fair opening: places of each weekly opening go by a draw among parties that pre-registered (draws).
    Column("fair_opening", Boolean, nullable=False, default=False, server_default=sa_false()),
    CheckConstraint("kind IN ('kanim', 'ulp', 'mpp')", name="kind"),
    CheckConstraint("alert_lead_minutes BETWEEN 0 AND 1440", name="alert_lead_minutes"),
    CheckConstraint("timezone IN ('Asia/Jakarta', 'Asia/Makassar', 'Asia/Jayapura')", name="timezone"),
)

# The office's default arrival slots: each released date starts from these.
slot_templates = Table(
    "slot_templates",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("office_id", ForeignKey("offices.id", ondelete="CASCADE"), nullable=False),
    Column("start_time", Time, nullable=False),
    Column("end_time", Time, nullable=False),
    Column("capacity", Integer, nullable=False),
    UniqueConstraint("office_id", "start_time"),
    CheckConstraint("capacity >= 0", name="capacity"),
    CheckConstraint("start_time < end_time", name="order"),
)

# Per-date capacity set ahead of a release; a capacity of 0 removes the slot for that date.
capacity_overrides = Table(
    "capacity_overrides",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("office_id", ForeignKey("offices.id", ondelete="CASCADE"), nullable=False),
    Column("day", Date, nullable=False),
    Column("start_time", Time, nullable=False),
    Column("capacity", Integer, nullable=False),
    UniqueConstraint("office_id", "day", "start_time"),
    CheckConstraint("capacity >= 0", name="capacity"),
)

closures = Table(
    "closures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("office_id", ForeignKey("offices.id", ondelete="CASCADE"), nullable=False),
    Column("day", Date, nullable=False),
    Column("reason", String(200), nullable=False),
    UniqueConstraint("office_id", "day"),
)

# A released slot: the row exists once a date is scheduled for release; `taken` counts held and booked
# applicants, and the database itself refuses to let it pass `capacity`.
slots = Table(
    "slots",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("office_id", ForeignKey("offices.id", ondelete="CASCADE"), nullable=False),
    Column("day", Date, nullable=False),
    Column("start_time", Time, nullable=False),
    Column("end_time", Time, nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("taken", Integer, nullable=False, default=0),
    Column("queue_seq", Integer, nullable=False, default=0),
    Column("bookable_from", UtcDateTime, nullable=False),
    Column("bookable_until", UtcDateTime, nullable=False),
    UniqueConstraint("office_id", "day", "start_time"),
    CheckConstraint("taken >= 0 AND taken <= capacity", name="within_capacity"),
    CheckConstraint("capacity >= 0", name="capacity"),
    CheckConstraint("queue_seq >= 0", name="queue_seq"),
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True),
    # Empty only once the account is erased (erased_at) while a booking of it is still to come.
    Column("telegram_user_id", BigInteger, unique=True),
    Column("owner_nik_hash", String(64), unique=True),
    Column("kk_hash", String(64)),
    Column("kk_enc", LargeBinary),
    Column("kk_masked", String(16)),
    Column("phone", String(32)),
    Column("language", String(8), nullable=False, default="id"),
    Column("frozen_until", UtcDateTime),
    Column("consented_at", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("erased_at", UtcDateTime),
)
Index("ix_accounts_kk_hash", accounts.c.kk_hash)

# People an account books for: the owner (position 0) and saved family members on the same family card.
applicants = Table(
    "applicants",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("is_owner", Boolean, nullable=False, default=False),
    Column("full_name", String(200), nullable=False),
    Column("nik_hash", String(64), nullable=False),
    Column("nik_enc", LargeBinary, nullable=False),
    Column("nik_masked", String(16), nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("gender", String(8), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("account_id", "nik_hash"),
)

bookings = Table(
    "bookings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(8), nullable=False, unique=True),
    Column("account_id", ForeignKey("accounts.id")),  # None once anonymised
    Column("office_id", ForeignKey("offices.id"), nullable=False),
    Column("slot_id", ForeignKey("slots.id"), nullable=False),
    Column("day", Date, nullable=False),
    Column("party_size", SmallInteger, nullable=False),
    # Queue numbers are given when places are taken: queue_start .. queue_start + party_size - 1 in the slot.
    # A lapsed hold or a cancellation leaves its numbers unused; the order of arrival stays the same.
    Column("queue_start", Integer, nullable=False),
    Column("status", String(12), nullable=False),
    Column("idempotency_key", String(64), nullable=False),
    Column("held_until", UtcDateTime, nullable=False),
    Column("cancel_until", UtcDateTime, nullable=False),
    Column("frozen_until", UtcDateTime, nullable=False),
    Column("ends_at", UtcDateTime, nullable=False),  # end of the arrival day at the office
    Column("created_at", UtcDateTime, nullable=False),
    Column("confirmed_at", UtcDateTime),
    Column("ended_at", UtcDateTime),  # cancelled or expired
    # Cancelled because the office closed the date (not by its owner): it does not count for the 30-day wait.
    Column("cancelled_by_office_at", UtcDateTime),
    # Its people and account let go (the retention setting after its day, or the account erased): counts remain.
    Column("anonymised_at", UtcDateTime),
    # The booking this one replaced when its owner moved it (that one's status is then 'moved'). Unique: a booking
    # is moved at most once, and a move that raced another could not leave two successors.
    Column("moved_from", ForeignKey("bookings.id")),
    # Staff allowed its owner to move it to another office (the applicant moved house, say): once, as any move.
    Column("move_anywhere", Boolean, nullable=False, default=False, server_default=sa_false()),
    UniqueConstraint("account_id", "idempotency_key"),
    UniqueConstraint("moved_from"),
    CheckConstraint("party_size BETWEEN 1 AND 5", name="party_size"),
    CheckConstraint("status IN ('held', 'confirmed', 'cancelled', 'expired', 'moved')", name="status"),
)
# Only holds are swept by time; a partial index stays small and is not touched by confirmed bookings.
# (Bookings by account are found through the unique (account_id, idempotency_key) index.)
Index(
    "ix_bookings_held_until",
    bookings.c.held_until,
    sqlite_where=bookings.c.status == "held",
    postgresql_where=bookings.c.status == "held",
)
Index("ix_bookings_office_day", bookings.c.office_id, bookings.c.day)

# One row per applicant of a booking. `active_nik` holds the NIK's keyed hash while the booking is held or
# upcoming and is cleared when it ends: its unique constraint keeps a NIK in one active booking at most.
booking_applicants = Table(
    "booking_applicants",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("booking_id", ForeignKey("bookings.id", ondelete="CASCADE"), nullable=False),
    Column("position", SmallInteger, nullable=False),
    Column("applicant_id", ForeignKey("applicants.id")),  # None once the booking is anonymised
    Column("application_type", String(12), nullable=False),
    Column("active_nik", String(64), unique=True),
    Column("queue_no", Integer),
    Column("checked_in_at", UtcDateTime),
    UniqueConstraint("booking_id", "position"),
    CheckConstraint("position BETWEEN 1 AND 5", name="position"),
    CheckConstraint("application_type IN ('new', 'replacement')", name="application_type"),
)

# The 30-day wait of an erased account, kept by its owner NIK's keyed hash alone until it ends: registering the
# same NIK again inherits it.
nik_freezes = Table(
    "nik_freezes",
    metadata,
    Column("nik_hash", String(64), primary_key=True),
    Column("until", UtcDateTime, nullable=False),
)

# Where a conversation stands (a chat adapter's state machine): one row per conversation key, so an
# applicant half-way through a flow resumes there after a restart. Nothing in it is read by the engine.
conversations = Table(
    "conversations",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("state", String(100)),
    Column("data", Text, nullable=False, default="{}"),
    Column("updated_at", UtcDateTime, nullable=False),
)

# People who work the offices' side: they sign in to the web app. Passwords are argon2 hashes.
staff = Table(
    "staff",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),  # stored lower-case
    Column("display_name", String(200), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("role", String(12), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UtcDateTime, nullable=False),
    CheckConstraint("role IN ('admin', 'office', 'counter', 'support')", name="role"),
)

# The offices an office or counter account works for (an administrator and support see all).
staff_offices = Table(
    "staff_offices",
    metadata,
    Column("staff_id", ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True),
    Column("office_id", ForeignKey("offices.id", ondelete="CASCADE"), primary_key=True),
)

# Who is signed in: one row per session cookie or bearer token, keyed by the token's SHA-256 (never the token),
# so that signing out, a new password or turning the account off end it at once on every web worker.
staff_sessions = Table(
    "staff_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("staff_id", ForeignKey("staff.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
)
Index("ix_staff_sessions_staff_id", staff_sessions.c.staff_id)

# What staff changed and why: written in the same transaction as the change. Never holds a whole NIK.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UtcDateTime, nullable=False),
    Column("staff_id", ForeignKey("staff.id"), nullable=True),  # None: the command line
    Column("actor", String(64), nullable=False),  # the username then, kept if the account is renamed
    Column("action", String(40), nullable=False),
    Column("office_id", ForeignKey("offices.id"), nullable=True),
    Column("booking_code", String(8), nullable=True),
    Column("subject", String(200), nullable=False),
    Column("before", Text, nullable=False, default="{}"),  # JSON
    Column("after", Text, nullable=False, default="{}"),  # JSON
    Column("reason", Text, nullable=True),
)
Index("ix_audit_log_at", audit_log.c.at)
Index("ix_audit_log_booking_code", audit_log.c.booking_code)

# Who wants to hear when an office releases quota: a Telegram chat (a private chat's id is the user's), with the
# language it subscribed in; an account's own language wins when it has one. A chat that blocked the bot is kept
# but skipped (blocked_at) until it subscribes again.
subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("office_id", ForeignKey("offices.id", ondelete="CASCADE"), nullable=False),
    Column("chat_id", BigInteger, nullable=False),
    Column("language", String(8), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("blocked_at", UtcDateTime),
    UniqueConstraint("office_id", "chat_id"),
)
Index("ix_subscriptions_chat_id", subscriptions.c.chat_id)

# Something to tell people that is not the reply to their own tap: a proof, an opening, a reminder, a closure, a
# staff broadcast. Written in the same transaction as the change that causes it. `fan_out_at`: its recipients are
# added then (an opening's subscribers as they are at that moment), else at once; `dedupe_key` makes writing it
# again (a job run twice) harmless. `state`: sending, paused or cancelled, for the staff's controls.
announcements = Table(
    "announcements",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("office_id", ForeignKey("offices.id", ondelete="CASCADE")),
    Column("payload", Text, nullable=False, default="{}"),  # JSON: what the message says, per kind
    Column("created_at", UtcDateTime, nullable=False),
    Column("staff_id", ForeignKey("staff.id")),
    Column("paid", Boolean, nullable=False, default=False),
    Column("state", String(12), nullable=False, default="sending"),
    Column("fan_out_at", UtcDateTime),
    Column("fanned_out_at", UtcDateTime),
    Column("dedupe_key", String(100), unique=True),
    CheckConstraint(
        "kind IN ('proof', 'opening_soon', 'opened', 'reminder', 'closure', 'broadcast', 'answer', 'relay', 'offer', "
        "'wait_over', 'drawn', 'draw_open')",
        name="kind",
    ),
    CheckConstraint("state IN ('sending', 'paused', 'cancelled')", name="state"),
)
Index(
    "ix_announcements_fan_out_at",
    announcements.c.fan_out_at,
    sqlite_where=announcements.c.fanned_out_at.is_(None),
    postgresql_where=announcements.c.fanned_out_at.is_(None),
)

# The outbox: one row per recipient of an announcement. The sender (one, in `antrean worker`) takes pending rows
# in order of priority and a random position drawn for each row, marks them `sending` before calling Telegram and
# `sent` with Telegram's message id after: after a crash only rows left `sending` are uncertain (sent again).
outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("announcement_id", ForeignKey("announcements.id", ondelete="CASCADE"), nullable=False),
    Column("chat_id", BigInteger, nullable=False),
    Column("language", String(8), nullable=False),
    Column("booking_id", ForeignKey("bookings.id", ondelete="SET NULL")),  # a proof's, a reminder's
    Column("priority", SmallInteger, nullable=False),  # 0 first: a proof before a reminder before a broadcast
    Column("paid", Boolean, nullable=False, default=False),
    Column("position", Float, nullable=False),  # random: nobody is first every week
    Column("state", String(10), nullable=False, default="pending"),
    Column("not_before", UtcDateTime, nullable=False),
    Column("attempts", SmallInteger, nullable=False, default=0),
    Column("message_id", BigInteger),
    Column("sent_at", UtcDateTime),
    Column("error", String(200)),
    UniqueConstraint("announcement_id", "chat_id"),
    CheckConstraint(
        "state IN ('pending', 'sending', 'sent', 'failed', 'blocked', 'paused', 'cancelled')", name="state"
    ),
)
Index(
    "ix_outbox_due",
    outbox.c.priority,
    outbox.c.position,
    sqlite_where=outbox.c.state == "pending",
    postgresql_where=outbox.c.state == "pending",
)
Index(
    "ix_outbox_sending",
    outbox.c.id,
    sqlite_where=outbox.c.state == "sending",
    postgresql_where=outbox.c.state == "sending",
)


# The help desk: a question the help topics did not answer, with what staff need to know (NIKs masked), and the
# conversation about it. `chat_id` is where answers go; the account may be erased meanwhile (the ticket stays,
# without it). Erasing an account deletes its chat's tickets (core/services/privacy.py).
tickets = Table(
    "tickets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("chat_id", BigInteger, nullable=False),
    Column("account_id", ForeignKey("accounts.id", ondelete="SET NULL")),
    Column("office_id", ForeignKey("offices.id", ondelete="SET NULL")),
    Column("language", String(8), nullable=False),
    Column("state", String(10), nullable=False),
    Column("question", Text, nullable=False),
    Column("context", Text, nullable=False, default="{}"),  # JSON
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("waiting_since", UtcDateTime, nullable=False),  # when it last began to wait for staff: the queue's order
    Column("closed_at", UtcDateTime),
    # The ticket's topic in the staff group in Telegram, when one is configured (None until its first message
    # there, and again once the topic was found deleted or closed: the next message opens a new one).
    Column("forum_group", BigInteger),  # the group the topic is in: a topic's id means something only there
    Column("forum_topic", BigInteger),
    CheckConstraint("state IN ('open', 'answered', 'closed')", name="state"),
)
Index("ix_tickets_state_updated_at", tickets.c.state, tickets.c.updated_at)
Index("ix_tickets_chat_id", tickets.c.chat_id)
Index("ix_tickets_forum_topic", tickets.c.forum_group, tickets.c.forum_topic)
# One conversation at a time per chat: two messages at once cannot open two tickets (the second joins the first).
Index(
    "uq_tickets_chat_id_active",
    tickets.c.chat_id,
    unique=True,
    sqlite_where=tickets.c.state != "closed",
    postgresql_where=tickets.c.state != "closed",
)

ticket_messages = Table(
    "ticket_messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ticket_id", ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
    Column("author", String(10), nullable=False),
    Column("staff_id", ForeignKey("staff.id", ondelete="SET NULL")),
    Column("author_name", String(100)),  # staff who answered in the Telegram group (no staff account needed)
    Column("text", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    CheckConstraint("author IN ('applicant', 'staff')", name="author"),
)
Index("ix_ticket_messages_ticket_id", ticket_messages.c.ticket_id)

# Help topics staff wrote (core/domain/faq_entries.py): every language's question and answer as JSON
# ({"id": {"question": …, "answer": …}, "en": …}), and the other ways people ask it, one a line. A retired entry
# stays for the record (its ticket and the questions it settled point to it); the help leaves it out.
faq_entries = Table(
    "faq_entries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("texts", Text, nullable=False),
    Column("asked", Text, nullable=False, default=""),
    Column("ticket_id", ForeignKey("tickets.id", ondelete="SET NULL")),
    Column("created_by", ForeignKey("staff.id", ondelete="SET NULL")),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("retired_at", UtcDateTime),
    # One more at each change: with the count, the help's sign that the entries changed (not a time: two changes
    # may share one, and the servers' clocks differ).
    Column("version", Integer, nullable=False, default=1),
)

# Questions the help did not answer: the best match too weak ("unsure"), a subject it does not cover ("outside"),
# or an answer the applicant said did not help ("not_helped", with the topic they were shown). Numbers masked;
# grouped on the staff page so the FAQ grows where people ask. Settled when an entry is written from them
# (`entry_id`) or when staff set them aside (no entry). `chat_id` only so that erasing an account erases them.
unanswered_questions = Table(
    "unanswered_questions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("chat_id", BigInteger, nullable=False),
    Column("language", String(8), nullable=False),
    Column("text", Text, nullable=False),
    Column("reason", String(12), nullable=False),
    Column("topic", String(40)),  # the closest topic's key, or the one that did not help
    Column("asked_at", UtcDateTime, nullable=False),
    Column("settled_at", UtcDateTime),
    Column("entry_id", ForeignKey("faq_entries.id", ondelete="SET NULL")),
    CheckConstraint("reason IN ('unsure', 'outside', 'not_helped')", name="reason"),
)
Index("ix_unanswered_questions_settled_at_asked_at", unanswered_questions.c.settled_at, unanswered_questions.c.asked_at)
Index("ix_unanswered_questions_chat_id", unanswered_questions.c.chat_id)

# Telegram's updates as the webhook took them in, before Telegram was told so: a worker that dies loses none.
# Any worker takes the oldest pending update of a chat whose earlier updates are all handled (so a chat's updates
# are handled in order whichever worker received them), for a lease it renews while handling; a lease that ran
# out (its worker died) lets another take the update again. Handled rows stay a day, as long as Telegram may
# deliver an update again, so that a repeat is recognised by its update_id and skipped. Times are the workers'
# wall clocks in seconds since the epoch: leases compare them across machines, which NTP keeps within a second.
inbox = Table(
    "inbox",
    metadata,
    Column("update_id", BigInteger, primary_key=True, autoincrement=False),
    Column("chat", BigInteger, nullable=False),  # the chat (or user) whose updates are kept in order
    Column("body", Text, nullable=False),  # the update's JSON as Telegram sent it
    Column("received_at", Float, nullable=False),
    Column("answered", Boolean, nullable=False, default=False),  # a tap answered at once, in the webhook's reply
    Column("taken_by", String(80)),
    Column("taken_until", Float),
    Column("takes", SmallInteger, nullable=False, default=0),
    Column("done_at", Float),
)
Index(
    "ix_inbox_pending",
    inbox.c.chat,
    inbox.c.update_id,
    sqlite_where=inbox.c.done_at.is_(None),
    postgresql_where=inbox.c.done_at.is_(None),
)
Index(
    "ix_inbox_waiting",
    inbox.c.update_id,
    sqlite_where=inbox.c.done_at.is_(None),
    postgresql_where=inbox.c.done_at.is_(None),
)
# Only handled rows, for forgetting them: were pending rows (done_at NULL) in it, SQLite's planner would read a
# worker's turn through it and sort every waiting update, each turn, rather than walk ix_inbox_waiting in order.
Index(
    "ix_inbox_done_at",
    inbox.c.done_at,
    sqlite_where=inbox.c.done_at.is_not(None),
    postgresql_where=inbox.c.done_at.is_not(None),
)

# The waiting list (core/domain/waitlist.py): a party waiting at an office for any date in a range, offered freed
# places in the order it joined. `party`: JSON [[applicant id, application type], …], the owner first. While an
# offer is open, `offered_booking_id` is the held booking that keeps the places. One live entry per account.
waitlist = Table(
    "waitlist",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("office_id", ForeignKey("offices.id", ondelete="CASCADE"), nullable=False),
    Column("first_day", Date, nullable=False),
    Column("last_day", Date, nullable=False),
    Column("party", Text, nullable=False),
    Column("state", String(8), nullable=False),
    Column("joined_at", UtcDateTime, nullable=False),
    Column("offered_booking_id", ForeignKey("bookings.id")),
    Column("offered_until", UtcDateTime),
    Column("ended_at", UtcDateTime),
    Column("ended_why", String(12)),
    CheckConstraint("state IN ('waiting', 'offered', 'booked', 'left')", name="state"),
    CheckConstraint("first_day <= last_day", name="range"),
)
Index(
    "ix_waitlist_live_account",
    waitlist.c.account_id,
    unique=True,
    sqlite_where=waitlist.c.state.in_(("waiting", "offered")),
    postgresql_where=waitlist.c.state.in_(("waiting", "offered")),
)
Index(
    "ix_waitlist_live_office",
    waitlist.c.office_id,
    waitlist.c.id,
    sqlite_where=waitlist.c.state.in_(("waiting", "offered")),
    postgresql_where=waitlist.c.state.in_(("waiting", "offered")),
)

# A fair opening's draw (core/domain/draw.py): one per office and weekly opening. The seed stays secret until the
# draw; its commitment is public from the start; the list and its digest are public from the freeze.
draws = Table(
    "draws",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("office_id", ForeignKey("offices.id", ondelete="CASCADE"), nullable=False),
    Column("opens_at", UtcDateTime, nullable=False),  # the weekly opening: the draw runs then
    Column("closes_at", UtcDateTime, nullable=False),  # registrations close and the list is frozen
    Column("days", String(120), nullable=False),  # the dates the opening releases, YYYY-MM-DD,...
    Column("seed", String(64), nullable=False),
    Column("commitment", String(64), nullable=False),
    Column("beacon", String(200), nullable=False, default=""),
    Column("state", String(8), nullable=False),
    Column("digest", String(64)),
    Column("listed", Text),
    Column("drawn_order", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("frozen_at", UtcDateTime),
    Column("drawn_at", UtcDateTime),
    CheckConstraint("state IN ('open', 'frozen', 'drawn')", name="state"),
    UniqueConstraint("office_id", "opens_at"),
)

# A party's pre-registration for a draw: numbered, in the order they came, when the list is frozen.
draw_entries = Table(
    "draw_entries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("draw_id", ForeignKey("draws.id", ondelete="CASCADE"), nullable=False),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("number", Integer),
    Column("token", String(16), nullable=False),
    Column("party", Text, nullable=False),  # [[applicant id, application type], ...], the owner first
    Column("first_day", Date, nullable=False),
    Column("last_day", Date, nullable=False),
    Column("registered_at", UtcDateTime, nullable=False),
    Column("waitlist_id", ForeignKey("waitlist.id", ondelete="SET NULL")),  # its place in line after the draw
    UniqueConstraint("draw_id", "account_id"),
    UniqueConstraint("draw_id", "token"),
    CheckConstraint("first_day <= last_day", name="range"),
)

Index("ix_draw_entries_account_id", draw_entries.c.account_id)  # an applicant's own registration, on each screen

# Each NIK once per draw: a person is in one party only.
draw_niks = Table(
    "draw_niks",
    metadata,
    Column("draw_id", ForeignKey("draws.id", ondelete="CASCADE"), primary_key=True),
    Column("nik_hash", String(64), primary_key=True),
    Column("entry_id", ForeignKey("draw_entries.id", ondelete="CASCADE"), nullable=False),
)
