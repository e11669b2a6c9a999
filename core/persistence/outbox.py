"""Subscriptions, announcements and the outbox: the rows behind every message that is not a reply to a tap."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, Select, and_, bindparam, delete, exists, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from core.domain.announcements import PRIORITY, Kind, RowState
from core.domain.booking import BookingStatus
from core.persistence.database import LoopConnection
from core.persistence.tables import accounts, announcements, bookings, offices, outbox, subscriptions

_Row = Row[*tuple[Any, ...]]


@dataclass(frozen=True, slots=True)
class Subscription:
    office_id: int
    office_code: str
    office_name: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Claimed:
    """An outbox row the sender took: who gets it, and which announcement it carries."""

    id: int
    announcement_id: int
    chat_id: int
    language: str
    booking_id: int | None
    paid: bool
    attempts: int  # counting this one


@dataclass(frozen=True, slots=True)
class Announcement:
    id: int
    kind: Kind
    office_id: int | None
    payload: dict[str, Any]
    created_at: datetime
    state: str
    paid: bool
    fan_out_at: datetime | None
    fanned_out_at: datetime | None
    staff_id: int | None = None


def _announcement(r: _Row) -> Announcement:
    return Announcement(
        r.id, Kind(r.kind), r.office_id, json.loads(r.payload), r.created_at, r.state, r.paid, r.fan_out_at,
        r.fanned_out_at, r.staff_id,
    )  # fmt: skip


def _insert(conn: AsyncConnection | LoopConnection, table: Any) -> Any:
    """An INSERT that can skip rows already there (ON CONFLICT DO NOTHING) on either database."""
    return postgresql.insert(table) if _dialect(conn) == "postgresql" else sqlite.insert(table)


def _dialect(conn: AsyncConnection | LoopConnection) -> str:
    sync = conn.sync_connection
    assert sync is not None  # an open connection
    return sync.dialect.name


def _due(query: Select[Any], now: datetime, groups: bool = False) -> Select[Any]:
    """Pending rows whose time has come, first in priority, then in their random position (ix_outbox_due), then in
    the order they were written (rows of one message each, a ticket's copies, keep theirs). `groups`: only the rows
    to groups (negative chat ids: the staff group), which go at their own pace; else only the others."""
    into = outbox.c.chat_id < 0 if groups else outbox.c.chat_id >= 0
    return query.where(outbox.c.state == RowState.PENDING.value, outbox.c.not_before <= now, into).order_by(
        outbox.c.priority, outbox.c.position, outbox.c.id
    )


# What a fan-out writes of each recipient's row, in this order (`_row`).
_ROW_COLUMNS = [
    "announcement_id", "chat_id", "language", "booking_id", "priority", "paid", "position", "state", "not_before",
    "attempts",
]  # fmt: skip


def _row(announcement: Announcement, chat_id: Any, language: Any, booking_id: Any, now: datetime) -> list[Any]:
    """The columns of one recipient's row, for an INSERT … SELECT: a random place in the announcement's order."""
    booking = literal(None, type_=outbox.c.booking_id.type) if booking_id is None else booking_id
    return [
        literal(announcement.id),
        chat_id,
        language,
        booking,
        literal(PRIORITY[announcement.kind]),
        literal(announcement.paid),
        func.random(),
        literal(RowState.PENDING.value),
        literal(now, type_=outbox.c.not_before.type),
        literal(0),
    ]


class SubscriptionRepository:
    def __init__(self, conn: AsyncConnection | LoopConnection) -> None:
        self._conn = conn

    async def add(self, office_id: int, chat_id: int, language: str, now: datetime) -> None:
        """Subscribing again after blocking the bot makes the chat reachable again."""
        stmt = _insert(self._conn, subscriptions).values(
            office_id=office_id, chat_id=chat_id, language=language, created_at=now
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["office_id", "chat_id"],
            set_={"blocked_at": None, "language": language},
        )
        await self._conn.execute(stmt)

    async def remove(self, office_id: int, chat_id: int) -> bool:
        result = await self._conn.execute(
            delete(subscriptions).where(subscriptions.c.office_id == office_id, subscriptions.c.chat_id == chat_id)
        )
        return bool(result.rowcount)

    async def remove_chat(self, chat_id: int) -> int:
        result = await self._conn.execute(delete(subscriptions).where(subscriptions.c.chat_id == chat_id))
        return int(result.rowcount)

    async def of_chat(self, chat_id: int) -> list[Subscription]:
        rows = await self._conn.execute(
            select(offices.c.id, offices.c.code, offices.c.name, subscriptions.c.created_at)
            .join(offices, offices.c.id == subscriptions.c.office_id)
            .where(subscriptions.c.chat_id == chat_id)
            .order_by(subscriptions.c.created_at, offices.c.code)
        )
        return [Subscription(r.id, r.code, r.name, r.created_at) for r in rows]

    async def count(self, office_id: int) -> int:
        """Subscribers who can still be reached."""
        value = await self._conn.execute(
            select(func.count())
            .select_from(subscriptions)
            .where(subscriptions.c.office_id == office_id, subscriptions.c.blocked_at.is_(None))
        )
        return int(value.scalar_one())

    async def blocked(self, chat_id: int, now: datetime) -> None:
        await self._conn.execute(
            update(subscriptions)
            .where(subscriptions.c.chat_id == chat_id, subscriptions.c.blocked_at.is_(None))
            .values(blocked_at=now)
        )


class OutboxRepository:
    def __init__(self, conn: AsyncConnection | LoopConnection) -> None:
        self._conn = conn

    # --- Writing announcements and their recipients -------------------------------------------------------------

    async def announce(
        self,
        kind: Kind,
        now: datetime,
        *,
        office_id: int | None = None,
        payload: dict[str, Any] | None = None,
        paid: bool = False,
        fan_out_at: datetime | None = None,
        dedupe_key: str | None = None,
        staff_id: int | None = None,
    ) -> int | None:
        """A new announcement's id; None when one with this `dedupe_key` exists already."""
        stmt = (
            _insert(self._conn, announcements)
            .values(
                kind=kind.value,
                office_id=office_id,
                payload=json.dumps(payload or {}, sort_keys=True),
                created_at=now,
                staff_id=staff_id,
                paid=paid,
                state="sending",
                fan_out_at=fan_out_at,
                dedupe_key=dedupe_key,
            )
            .on_conflict_do_nothing()
            .returning(announcements.c.id)
        )
        new = (await self._conn.execute(stmt)).scalar_one_or_none()
        return None if new is None else int(new)

    async def get(self, announcement_id: int) -> Announcement | None:
        row = (await self._conn.execute(select(announcements).where(announcements.c.id == announcement_id))).first()
        return None if row is None else _announcement(row)

    async def many(self, ids: Sequence[int]) -> dict[int, Announcement]:
        rows = await self._conn.execute(select(announcements).where(announcements.c.id.in_(list(ids))))
        return {r.id: _announcement(r) for r in rows}

    async def due_fan_outs(self, now: datetime) -> list[Announcement]:
        rows = await self._conn.execute(
            select(announcements)
            .where(announcements.c.fanned_out_at.is_(None), announcements.c.fan_out_at <= now)
            .order_by(announcements.c.fan_out_at, announcements.c.id)
        )
        return [_announcement(r) for r in rows]

    async def fanned_out(self, announcement_id: int, now: datetime) -> None:
        await self._conn.execute(
            update(announcements).where(announcements.c.id == announcement_id).values(fanned_out_at=now)
        )

    async def fan_out_to_subscribers(self, announcement: Announcement, now: datetime) -> int:
        """One row per reachable subscriber of the announcement's office, each at a random place in the order.

        One INSERT … SELECT … ON CONFLICT DO NOTHING: running it again adds only subscribers not yet in.
        """
        assert announcement.office_id is not None
        language = func.coalesce(accounts.c.language, subscriptions.c.language)
        chosen = (
            select(*_row(announcement, subscriptions.c.chat_id, language, None, now))
            .select_from(subscriptions.outerjoin(accounts, accounts.c.telegram_user_id == subscriptions.c.chat_id))
            .where(subscriptions.c.office_id == announcement.office_id, subscriptions.c.blocked_at.is_(None))
        )
        return await self._fan_out(chosen)

    async def fan_out_to_bookings(self, announcement: Announcement, booking_ids: Sequence[int], now: datetime) -> int:
        """One row per booking, to its owner's chat."""
        return await self._to_owners(announcement, bookings.c.id.in_(list(booking_ids)), now)

    async def fan_out_to_accounts(self, announcement: Announcement, account_ids: Sequence[int], now: datetime) -> int:
        """One row per account with a chat, in its language."""
        made = 0
        for k in range(0, len(account_ids), 500):
            chosen = (
                select(*_row(announcement, accounts.c.telegram_user_id, accounts.c.language, None, now))
                .select_from(accounts)
                .where(accounts.c.id.in_(list(account_ids[k : k + 500])), accounts.c.telegram_user_id.is_not(None))
            )
            made += await self._fan_out(chosen)
        return made

    async def fan_out_to_day(self, announcement: Announcement, day: date, now: datetime) -> int:
        """One row per booking confirmed at the announcement's office on `day`, to its owner's chat."""
        where = and_(
            bookings.c.office_id == announcement.office_id,
            bookings.c.day == day,
            bookings.c.status == BookingStatus.CONFIRMED.value,
        )
        return await self._to_owners(announcement, where, now)

    async def _to_owners(self, announcement: Announcement, where: Any, now: datetime) -> int:
        """One row per booking that `where` picks, to its owner's chat, in the account's language.

        A booking anonymised, or of an account with no chat, gets none.
        """
        chosen = (
            select(*_row(announcement, accounts.c.telegram_user_id, accounts.c.language, bookings.c.id, now))
            .select_from(bookings.join(accounts, accounts.c.id == bookings.c.account_id))
            .where(where, accounts.c.telegram_user_id.is_not(None))
        )
        return await self._fan_out(chosen)

    async def _fan_out(self, chosen: Any) -> int:
        stmt = _insert(self._conn, outbox).from_select(_ROW_COLUMNS, chosen).on_conflict_do_nothing()
        result = await self._conn.execute(stmt)
        return max(int(result.rowcount), 0)

    async def add(
        self, announcement_id: int, kind: Kind, chat_id: int, language: str, now: datetime, *, booking_id: int | None
    ) -> None:
        """One recipient (a proof's, a reminder's): first in line among its kind."""
        stmt = (
            _insert(self._conn, outbox)
            .values(
                announcement_id=announcement_id,
                chat_id=chat_id,
                language=language,
                booking_id=booking_id,
                priority=PRIORITY[kind],
                paid=False,
                position=0.0,
                state=RowState.PENDING.value,
                not_before=now,
                attempts=0,
            )
            .on_conflict_do_nothing()
        )
        await self._conn.execute(stmt)

    # --- Staff broadcasts: progress, pause, cancel -------------------------------------------------------------

    async def progress(self, announcement_ids: Sequence[int]) -> dict[int, dict[RowState, int]]:
        """How many of each announcement's rows are in each state."""
        rows = await self._conn.execute(
            select(outbox.c.announcement_id, outbox.c.state, func.count())
            .where(outbox.c.announcement_id.in_(list(announcement_ids)))
            .group_by(outbox.c.announcement_id, outbox.c.state)
        )
        out: dict[int, dict[RowState, int]] = {i: {} for i in announcement_ids}
        for announcement_id, state, n in rows:
            out[announcement_id][RowState(state)] = int(n)
        return out

    async def move_rows(self, announcement_id: int, from_state: RowState, to_state: RowState) -> int:
        """Rows of one announcement from one state to another (pending → paused, paused → pending, … → cancelled).

        Rows being sent are left alone: Telegram has them already.
        """
        result = await self._conn.execute(
            update(outbox)
            .where(outbox.c.announcement_id == announcement_id, outbox.c.state == from_state.value)
            .values(state=to_state.value)
        )
        return int(result.rowcount)

    async def set_state(self, announcement_id: int, state: str) -> None:
        await self._conn.execute(update(announcements).where(announcements.c.id == announcement_id).values(state=state))

    async def broadcasts(self, office_ids: Sequence[int] | None, limit: int) -> list[Announcement]:
        """The newest staff broadcasts, of these offices (None: every office)."""
        query = select(announcements).where(announcements.c.kind == Kind.BROADCAST.value)
        if office_ids is not None:
            query = query.where(announcements.c.office_id.in_(list(office_ids)))
        rows = await self._conn.execute(query.order_by(announcements.c.id.desc()).limit(limit))
        return [_announcement(r) for r in rows]

    async def delivered(self, booking_id: int, kind: Kind) -> bool:
        """Whether a message of this kind about the booking reached its chat."""
        stmt = select(
            exists().where(
                outbox.c.booking_id == booking_id,
                outbox.c.state == RowState.SENT.value,
                outbox.c.announcement_id.in_(select(announcements.c.id).where(announcements.c.kind == kind.value)),
            )
        )
        return bool((await self._conn.execute(stmt)).scalar_one())

    async def depth(self) -> int:
        """Messages waiting to be sent, now or later."""
        value = await self._conn.execute(
            select(func.count()).select_from(outbox).where(outbox.c.state == RowState.PENDING.value)
        )
        return int(value.scalar_one())

    async def booked_on(self, office_id: int, day: date) -> int:
        """Bookings confirmed at the office on `day` whose owner has a chat: a broadcast's audience there."""
        value = await self._conn.execute(
            select(func.count())
            .select_from(bookings.join(accounts, accounts.c.id == bookings.c.account_id))
            .where(
                bookings.c.office_id == office_id,
                bookings.c.day == day,
                bookings.c.status == BookingStatus.CONFIRMED.value,
                accounts.c.telegram_user_id.is_not(None),
            )
        )
        return int(value.scalar_one())

    # --- Forgetting: whom a message went to is personal data too --------------------------------------------------

    async def forget_chat(self, chat_id: int) -> int:
        """An erased account's chat: every row to it goes, but one being sent (recorded, then gone with the rest)."""
        result = await self._conn.execute(
            delete(outbox).where(outbox.c.chat_id == chat_id, outbox.c.state != RowState.SENDING.value)
        )
        return int(result.rowcount)

    async def forget_settled(self, before: datetime) -> int:
        """Rows settled (sent, failed, blocked, cancelled) that were due before `before`, and the announcements
        fanned out before it that no row refers to any more; how many rows went."""
        settled = [RowState.SENT.value, RowState.FAILED.value, RowState.BLOCKED.value, RowState.CANCELLED.value]
        result = await self._conn.execute(
            delete(outbox).where(outbox.c.state.in_(settled), outbox.c.not_before < before)
        )
        # Gone out before `before` (a proof is written with its row, and has no fan-out of its own), and nothing
        # left of it: a future opening still waiting for its moment stays.
        out = or_(
            announcements.c.fanned_out_at < before,
            and_(announcements.c.fan_out_at.is_(None), announcements.c.created_at < before),
        )
        rows_left = exists().where(outbox.c.announcement_id == announcements.c.id)
        await self._conn.execute(delete(announcements).where(out, ~rows_left))
        return int(result.rowcount)

    # --- The sender's side ---------------------------------------------------------------------------------------

    async def claim(
        self, now: datetime, limit: int, *, paid: bool | None = None, groups: bool = False
    ) -> list[Claimed]:
        """Marks up to `limit` due rows `sending`, first in priority then position; returns what each needs.

        On PostgreSQL the rows are locked and skipped by any other sender (FOR UPDATE SKIP LOCKED); SQLite has one
        writer at a time anyway.
        """
        due = _due(select(outbox.c.id), now, groups).limit(limit)
        if paid is not None:
            due = due.where(outbox.c.paid == paid)
        if _dialect(self._conn) == "postgresql":
            due = due.with_for_update(skip_locked=True)
        stmt = (
            update(outbox)
            .where(outbox.c.id.in_(due.scalar_subquery()))
            .values(state=RowState.SENDING.value, attempts=outbox.c.attempts + 1)
            .returning(
                outbox.c.id, outbox.c.announcement_id, outbox.c.chat_id, outbox.c.language, outbox.c.booking_id,
                outbox.c.paid, outbox.c.attempts, outbox.c.priority, outbox.c.position,
            )
        )  # fmt: skip
        rows = await self._conn.execute(stmt)
        ordered = sorted(rows, key=lambda r: (r.priority, r.position, r.id))  # RETURNING keeps no order
        return [
            Claimed(r.id, r.announcement_id, r.chat_id, r.language, r.booking_id, bool(r.paid), r.attempts)
            for r in ordered
        ]

    async def next_is_paid(self, now: datetime) -> bool | None:
        """Whether the first due row goes as a paid broadcast; None when nothing is due."""
        value = await self._conn.execute(_due(select(outbox.c.paid), now).limit(1))
        paid = value.scalar_one_or_none()
        return None if paid is None else bool(paid)

    async def record(self, results: Sequence[tuple[int, RowState, int | None, datetime | None, str | None]]) -> None:
        """Each row's outcome: (id, state, Telegram's message id, when, error)."""
        if not results:
            return
        stmt = (
            update(outbox)
            .where(outbox.c.id == bindparam("row_id"))
            .values(
                state=bindparam("new_state"),
                message_id=bindparam("new_message_id"),
                sent_at=bindparam("new_sent_at"),
                error=bindparam("new_error"),
            )
        )
        await self._conn.execute(
            stmt,
            [
                {"row_id": i, "new_state": s.value, "new_message_id": m, "new_sent_at": t, "new_error": e}
                for i, s, m, t, e in results
            ],
        )

    async def retry(self, ids: Sequence[int], not_before: datetime, error: str | None, *, count: bool) -> None:
        """Back to pending; a 429 does not count as an attempt (`count` False)."""
        if not ids:
            return
        values: dict[str, Any] = {"state": RowState.PENDING.value, "not_before": not_before, "error": error}
        if not count:
            values["attempts"] = outbox.c.attempts - 1
        await self._conn.execute(update(outbox).where(outbox.c.id.in_(list(ids))).values(**values))

    async def reset_in_flight(self) -> int:
        """Rows a crashed sender left `sending`: back to pending, to be sent (perhaps again)."""
        result = await self._conn.execute(
            update(outbox).where(outbox.c.state == RowState.SENDING.value).values(state=RowState.PENDING.value)
        )
        return int(result.rowcount)
