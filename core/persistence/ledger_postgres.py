"""The PostgreSQL ledger: group commit over a few writer lanes, one statement per operation.

The statements run on the asyncpg connection under SQLAlchemy's pooled one, prepared once per connection:
at opening time the Python side of each statement, not PostgreSQL, was the larger cost.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from core.domain.announcements import PRIORITY, Kind
from core.domain.calendar import SlotState
from core.persistence.ledger import Confirmed, Ended, HoldAttempt, HoldCommand, MoveAttempt, MoveCommand

# Data-modifying CTEs run as one atomic statement: if the slot has no room nothing is inserted, and if an
# applicant's NIK is already active the unique index aborts the whole statement, places included.
# The party join keeps only the account's own applicants, the owner first; a short count means invalid.
# $1 ids, $2 kinds, $3 account, $4 office, $5 slot, $6 n, $7 now, $8 day, $9 code, $10 key,
# $11 held_until, $12 cancel_until, $13 frozen_until, $14 ends_at
_HOLD = """
    WITH party AS (
        SELECT p.pos, p.applicant_id, p.kind, a.nik_hash
        FROM unnest($1::int[], $2::text[]) WITH ORDINALITY AS p(applicant_id, kind, pos)
        JOIN applicants a ON a.id = p.applicant_id AND a.account_id = $3::int AND a.is_owner = (p.pos = 1)
    ),
    taken AS (
        UPDATE slots SET taken = taken + $6::int, queue_seq = queue_seq + $6::int
        WHERE id = $5::int AND taken + $6::int <= capacity
          AND bookable_from <= $7::timestamptz AND bookable_until > $7::timestamptz
          AND (SELECT count(*) FROM party) = $6::int
          AND NOT EXISTS (SELECT 1 FROM accounts WHERE id = $3::int AND frozen_until > $7::timestamptz)
        RETURNING id, queue_seq - $6::int + 1 AS first
    ),
    booking AS (
        INSERT INTO bookings (code, account_id, office_id, slot_id, day, party_size, queue_start, status,
                              idempotency_key, held_until, cancel_until, frozen_until, ends_at, created_at)
        SELECT $9::text, $3::int, $4::int, taken.id, $8::date, $6::int, taken.first, 'held', $10::text,
               $11::timestamptz, $12::timestamptz, $13::timestamptz, $14::timestamptz, $7::timestamptz
        FROM taken
        RETURNING id, queue_start
    ),
    added AS (
        INSERT INTO booking_applicants (booking_id, position, applicant_id, application_type, active_nik, queue_no)
        SELECT booking.id, party.pos, party.applicant_id, party.kind, party.nik_hash,
               booking.queue_start + party.pos - 1
        FROM booking, party
        RETURNING booking_id
    )
    SELECT (SELECT id FROM booking) AS booking_id, (SELECT count(*) FROM party) AS party_found
"""

# An offer to a waiting party (core/domain/waitlist.py) takes places in any released slot, window or not.
_HOLD_ANY_TIME = _HOLD.replace(" AND bookable_until > $7::timestamptz", "")
assert _HOLD_ANY_TIME != _HOLD
# An offer to a party drawn at a fair opening (core/domain/draw.py): the draw's slots open to everyone after it.
_HOLD_DRAWN = _HOLD_ANY_TIME.replace("\n          AND bookable_from <= $7::timestamptz", "")
assert _HOLD_DRAWN != _HOLD_ANY_TIME
# Why no room, in one read: lapsed holds in the slot ($1, $2 now), the account's freeze ($3) and whether
# this request was made before ($4 key).
_WHY = """
    SELECT EXISTS (SELECT 1 FROM bookings WHERE slot_id = $1::int AND status = 'held'
                   AND held_until <= $2::timestamptz) AS lapsed,
           (SELECT frozen_until FROM accounts WHERE id = $3::int) AS frozen_until,
           EXISTS (SELECT 1 FROM bookings WHERE account_id = $3::int AND idempotency_key = $4::text) AS key_used
"""
# The slot asked for, and the day's other slots open now that can take the party: what to offer instead.
_DAY = """
    SELECT id, start_time, end_time, capacity, taken, bookable_from, bookable_until FROM slots
    WHERE office_id = $1::int AND day = $2::date
      AND (id = $3::int OR (capacity - taken >= $4::int AND bookable_from <= $5::timestamptz
                            AND bookable_until > $5::timestamptz))
    ORDER BY start_time
"""


def _proof(new: str, booking_id: str, now: str, account: str) -> str:
    """CTEs that put the proof of the booking CTE `new` makes into the outbox, in the statement that makes it.

    A crash after the commit loses nothing: the worker sends it.
    """
    return f"""
    a AS (
        INSERT INTO announcements (kind, payload, created_at, paid, state)
        SELECT 'proof', '{{}}', {now}, false, 'sending' FROM {new}
        RETURNING id
    ),
    proof AS (
        INSERT INTO outbox (announcement_id, chat_id, language, booking_id, priority, paid, position, state,
                            not_before, attempts)
        SELECT a.id, accounts.telegram_user_id, accounts.language, {booking_id}, {PRIORITY[Kind.PROOF]}, false, 0,
               'pending', {now}, 0
        FROM a, {new}, accounts WHERE accounts.id = {account} AND accounts.telegram_user_id IS NOT NULL
        RETURNING 1
    )"""  # noqa: S608 - the interpolated words are constants of this module


# $1 booking, $2 account, $3 now
# The proof goes out through the outbox, written in the confirming transaction: a crash after it loses nothing.
_CONFIRM = f"""
    WITH b AS (
        UPDATE bookings SET status = 'confirmed', confirmed_at = $3::timestamptz
        WHERE id = $1::int AND account_id = $2::int AND status = 'held' AND held_until > $3::timestamptz
        RETURNING frozen_until, code, queue_start
    ),
    frozen AS (
        UPDATE accounts SET frozen_until = b.frozen_until FROM b WHERE accounts.id = $2::int
        RETURNING 1
    ),
{_proof("b", "$1::int", "$3::timestamptz", "$2::int")}
    SELECT code, queue_start FROM b
"""  # noqa: S608 - the interpolated number is a constant of the domain


def _end(status_from: str, status_to: str, *, before_deadline: bool) -> str:
    deadline = "AND cancel_until > $3::timestamptz" if before_deadline else ""
    return f"""
        WITH b AS (
            UPDATE bookings SET status = '{status_to}', ended_at = $3::timestamptz
            WHERE id = $1::int AND account_id = $2::int AND status = '{status_from}' {deadline}
            RETURNING id, slot_id, party_size
        ),
        back AS (
            UPDATE slots SET taken = slots.taken - b.party_size FROM b WHERE slots.id = b.slot_id RETURNING 1
        ),
        freed AS (
            UPDATE booking_applicants SET active_nik = NULL FROM b WHERE booking_applicants.booking_id = b.id
            RETURNING 1
        )
        SELECT id, slot_id, party_size FROM b
    """  # noqa: S608 - the interpolated words are constants of this module


_CANCEL = _end("confirmed", "cancelled", before_deadline=True)
_RELEASE = _end("held", "expired", before_deadline=False)

_EXPIRE = """
    WITH b AS (
        UPDATE bookings SET status = 'expired', ended_at = $1::timestamptz
        WHERE status = 'held' AND held_until <= $1::timestamptz
        RETURNING id, slot_id, party_size
    ),
    per_slot AS (SELECT slot_id, sum(party_size) AS n FROM b GROUP BY slot_id),
    back AS (
        UPDATE slots SET taken = slots.taken - per_slot.n FROM per_slot WHERE slots.id = per_slot.slot_id
        RETURNING 1
    ),
    freed AS (
        UPDATE booking_applicants SET active_nik = NULL FROM b WHERE booking_applicants.booking_id = b.id
        RETURNING 1
    )
    SELECT count(*) FROM b
"""

# Moving, statement by statement in one transaction: the booking locked as it must be to move ($1 booking,
# $2 account, $3 now), places taken in a released slot (the weekly window is for new bookings, not moves) before
# anything else is written, so a slot without room changes nothing.
_MOVABLE = """
    SELECT slot_id, party_size FROM bookings
    WHERE id = $1::int AND account_id = $2::int AND status = 'confirmed' AND cancel_until > $3::timestamptz
      AND moved_from IS NULL
    FOR UPDATE
"""
_TAKE_RELEASED = """
    UPDATE slots SET taken = taken + $1::int, queue_seq = queue_seq + $1::int
    WHERE id = $2::int AND taken + $1::int <= capacity AND bookable_from <= $3::timestamptz
    RETURNING queue_seq - $1::int + 1
"""
# $1 old booking, $2 now, $3 code, $4 slot, $5 day, $6 first queue number, $7 cancel_until, $8 frozen_until,
# $9 ends_at, $10 account. The old places return, its NIKs are freed before the new booking takes them, and the
# account's wait counts from the new date.
_MOVE = f"""
    WITH old AS (
        UPDATE bookings SET status = 'moved', ended_at = $2::timestamptz WHERE id = $1::int
        RETURNING id, slot_id, party_size, account_id, office_id
    ),
    back AS (
        UPDATE slots SET taken = slots.taken - old.party_size FROM old WHERE slots.id = old.slot_id RETURNING 1
    ),
    booking AS (
        INSERT INTO bookings (code, account_id, office_id, slot_id, day, party_size, queue_start, status,
                              idempotency_key, held_until, cancel_until, frozen_until, ends_at, created_at,
                              confirmed_at, moved_from)
        SELECT $3::text, old.account_id, (SELECT office_id FROM slots WHERE id = $4::int), $4::int, $5::date,
               old.party_size, $6::int, 'confirmed',
               'move:' || old.id, $2::timestamptz, $7::timestamptz, $8::timestamptz, $9::timestamptz,
               $2::timestamptz, $2::timestamptz, old.id
        FROM old
        RETURNING id
    ),
    frozen AS (
        UPDATE accounts SET frozen_until = $8::timestamptz WHERE id = $10::int RETURNING 1
    ),
{_proof("booking", "booking.id", "$2::timestamptz", "$10::int")}
    SELECT id FROM booking
"""  # noqa: S608 - the interpolated number is a constant of the domain
# Apart from _MOVE: a data-modifying CTE's statements all see the tables as they were, so the old booking's NIKs
# would still be active to the unique index when the new rows arrive. ($1 old booking)
_FREE_OLD_NIKS = "UPDATE booking_applicants SET active_nik = NULL WHERE booking_id = $1::int"
# $1 new booking, $2 its first queue number, $3 old booking
_COPY_PARTY = """
    INSERT INTO booking_applicants (booking_id, position, applicant_id, application_type, active_nik, queue_no)
    SELECT $1::int, ba.position, ba.applicant_id, ba.application_type, a.nik_hash, $2::int + ba.position - 1
    FROM booking_applicants ba JOIN applicants a ON a.id = ba.applicant_id
    WHERE ba.booking_id = $3::int
"""

_RETIRE = """
    WITH freed AS (
        UPDATE booking_applicants SET active_nik = NULL
        WHERE active_nik IS NOT NULL AND (cardinality($1::text[]) = 0 OR active_nik = ANY($1::text[]))
          AND booking_id IN (SELECT id FROM bookings WHERE status = 'confirmed' AND ends_at <= $2::timestamptz)
        RETURNING 1
    )
    SELECT count(*) FROM freed
"""


Op = Callable[[asyncpg.Connection], Awaitable[Any]]


async def _hold(db: asyncpg.Connection, cmd: HoldCommand) -> HoldAttempt:
    t = cmd.terms
    n = len(cmd.applicant_ids)
    args = (
        list(cmd.applicant_ids), list(cmd.application_types), cmd.account_id, cmd.office_id, cmd.slot_id, n,
        cmd.now, cmd.day, cmd.code, cmd.idempotency_key, t.held_until, t.cancel_until, t.frozen_until, t.ends_at,
    )  # fmt: skip
    stmt = _HOLD_DRAWN if cmd.drawn else _HOLD_ANY_TIME if cmd.any_time else _HOLD
    for attempt in range(2):
        row = await db.fetchrow(stmt, *args)
        if row["party_found"] != n:
            return HoldAttempt(None, party_invalid=True)
        if row["booking_id"] is not None:
            return HoldAttempt(row["booking_id"])
        why = await db.fetchrow(_WHY, cmd.slot_id, cmd.now, cmd.account_id, cmd.idempotency_key)
        # Holds that lapsed in this slot still count until swept: sweep, and try once more.
        if attempt or not why["lapsed"] or not await _expire(db, cmd.now):
            break
    day = await db.fetch(_DAY, cmd.office_id, cmd.day, cmd.slot_id, n, cmd.now)
    return HoldAttempt(
        None,
        day_slots=tuple(SlotState(*r) for r in day),
        frozen_until=why["frozen_until"],
        key_used=why["key_used"],
    )


async def _move(db: asyncpg.Connection, cmd: MoveCommand) -> MoveAttempt:
    old = await db.fetchrow(_MOVABLE, cmd.booking_id, cmd.account_id, cmd.now)
    if old is None:
        return MoveAttempt(None, not_movable=True)
    n = old["party_size"]
    first = await db.fetchval(_TAKE_RELEASED, n, cmd.slot_id, cmd.now)
    if first is None:
        return MoveAttempt(None)
    t = cmd.terms
    await db.execute(_FREE_OLD_NIKS, cmd.booking_id)
    booking_id = await db.fetchval(
        _MOVE, cmd.booking_id, cmd.now, cmd.code, cmd.slot_id, cmd.day, first, t.cancel_until, t.frozen_until,
        t.ends_at, cmd.account_id,
    )  # fmt: skip
    copied = await db.execute(_COPY_PARTY, booking_id, first, cmd.booking_id)
    if copied != f"INSERT 0 {n}":
        raise asyncpg.IntegrityConstraintViolationError("a member of the party is no longer on the account")
    return MoveAttempt(booking_id, first)


async def _expire(db: asyncpg.Connection, now: datetime) -> int:
    return int(await db.fetchval(_EXPIRE, now))


_SAVE_CONVERSATION = """
    INSERT INTO conversations (key, state, data, updated_at) VALUES ($1, $2, $3, $4)
    ON CONFLICT (key) DO UPDATE SET state = excluded.state, data = excluded.data, updated_at = excluded.updated_at
"""


class PostgresLedger:
    """Group commit on PostgreSQL: a few writer tasks, each applying queued operations in batches.

    A commit waits for the disk, and a slot's row stays locked until its transaction commits; one
    transaction per booking makes every booking of a slot wait for the one before it to reach the disk.
    So each writer applies a batch of operations in one transaction, one statement each, and commits
    once. Holds of a slot always go to the same writer, so writers do not wait for each other's slot
    locks. If any statement fails (a NIK already booked, a repeated request), the batch is rolled back
    and each of its operations runs again in a transaction of its own, so one failure costs the others
    nothing but time.
    """

    def __init__(self, engine: AsyncEngine, *, writers: int = 4, max_batch: int = 64) -> None:
        self._engine = engine
        self._max_batch = max_batch
        self._queues: list[asyncio.Queue[tuple[Op, asyncio.Future[Any]] | None]] = [
            asyncio.Queue() for _ in range(writers)
        ]
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        if not self._tasks:
            self._tasks = [asyncio.create_task(self._writer(q)) for q in self._queues]

    async def close(self) -> None:
        for q in self._queues:
            q.put_nowait(None)
        await asyncio.gather(*self._tasks)
        self._tasks = []

    async def _submit(self, lane: int, op: Op) -> Any:
        if not self._tasks:
            raise RuntimeError("the ledger is not started")
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queues[lane % len(self._queues)].put_nowait((op, future))
        return await future

    async def _writer(self, q: asyncio.Queue[tuple[Op, asyncio.Future[Any]] | None]) -> None:
        while True:
            first = await q.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < self._max_batch and not q.empty():
                item = q.get_nowait()
                if item is None:
                    stop = True
                    break
                batch.append(item)
            await self._apply(batch)
            if stop:
                return

    async def _apply(self, batch: list[tuple[Op, asyncio.Future[Any]]]) -> None:
        async with self._engine.connect() as conn:
            raw = (await conn.get_raw_connection()).driver_connection
            assert isinstance(raw, asyncpg.Connection)
            await self._apply_on(raw, batch)

    @staticmethod
    async def _apply_on(db: asyncpg.Connection, batch: list[tuple[Op, asyncio.Future[Any]]]) -> None:
        try:
            async with db.transaction():
                results = [await op(db) for op, _ in batch]
        except Exception:  # one operation broke the batch: nothing of it was written
            for op, future in batch:
                try:
                    async with db.transaction():
                        value = await op(db)
                except Exception as exc:
                    if not future.done():
                        future.set_exception(exc)
                else:
                    if not future.done():
                        future.set_result(value)
            return
        for (_, future), value in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(value)

    async def hold(self, cmd: HoldCommand) -> HoldAttempt:
        try:
            result: HoldAttempt = await self._submit(cmd.slot_id, lambda db: _hold(db, cmd))
        except asyncpg.IntegrityConstraintViolationError:
            return HoldAttempt(None, conflict=True)
        return result

    async def confirm(self, account_id: int, booking_id: int, now: datetime) -> Confirmed | None:
        row = await self._submit(booking_id, lambda db: db.fetchrow(_CONFIRM, booking_id, account_id, now))
        return None if row is None else Confirmed(booking_id, row["code"], row["queue_start"])

    async def _end(self, stmt: str, account_id: int, booking_id: int, now: datetime) -> Ended | None:
        row = await self._submit(booking_id, lambda db: db.fetchrow(stmt, booking_id, account_id, now))
        return None if row is None else Ended(row["id"], row["slot_id"], row["party_size"])

    async def cancel(self, account_id: int, booking_id: int, now: datetime) -> Ended | None:
        return await self._end(_CANCEL, account_id, booking_id, now)

    async def release_hold(self, account_id: int, booking_id: int, now: datetime) -> Ended | None:
        return await self._end(_RELEASE, account_id, booking_id, now)

    async def move(self, cmd: MoveCommand) -> MoveAttempt:
        # In the new slot's lane, as its holds: the lock that lane's batches take first is this slot's. The old
        # slot's lock comes second, so a cancel or closure there may deadlock with it: PostgreSQL breaks it, and
        # the caller tries again.
        try:
            result: MoveAttempt = await self._submit(cmd.slot_id, lambda db: _move(db, cmd))
        except (asyncpg.IntegrityConstraintViolationError, asyncpg.DeadlockDetectedError):
            return MoveAttempt(None, conflict=True)
        return result

    async def expire_holds(self, now: datetime) -> int:
        result: int = await self._submit(0, lambda db: _expire(db, now))
        return result

    async def retire_ended(self, nik_hashes: tuple[str, ...], now: datetime) -> int:
        result: int = await self._submit(0, lambda db: db.fetchval(_RETIRE, list(nik_hashes), now))
        return result

    async def save_conversations(self, rows: Sequence[tuple[str, str | None, str]], now: datetime) -> None:
        # Not through the lanes: row locks keep it out of the bookings' way, and it must not delay a hold.
        async with self._engine.connect() as conn:
            raw = (await conn.get_raw_connection()).driver_connection
            assert isinstance(raw, asyncpg.Connection)
            async with raw.transaction():
                await raw.executemany(_SAVE_CONVERSATION, [(*row, now) for row in rows])
