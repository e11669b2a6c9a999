"""The PostgreSQL ledger: every operation one statement, so a booking costs one round trip per step."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, Integer, String, bindparam, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.persistence.ledger import Confirmed, Ended, HoldAttempt, HoldCommand
from core.persistence.repositories import slot_state
from core.persistence.tables import accounts, slots

# Data-modifying CTEs run as one atomic statement: if the slot has no room nothing is inserted, and if an
# applicant's NIK is already active the unique index aborts the whole statement, places included.
# The party join keeps only the account's own applicants, the owner first; a short count means invalid.
_HOLD = text(
    """
    WITH party AS (
        SELECT p.pos, p.applicant_id, p.kind, a.nik_hash
        FROM unnest(:ids, :kinds) WITH ORDINALITY AS p(applicant_id, kind, pos)
        JOIN applicants a ON a.id = p.applicant_id AND a.account_id = :account_id
                         AND a.is_owner = (p.pos = 1)
    ),
    taken AS (
        UPDATE slots SET taken = taken + :n, queue_seq = queue_seq + :n
        WHERE id = :slot_id AND taken + :n <= capacity
          AND bookable_from <= :now AND bookable_until > :now
          AND (SELECT count(*) FROM party) = :n
          AND NOT EXISTS (SELECT 1 FROM accounts WHERE id = :account_id AND frozen_until > :now)
        RETURNING id, queue_seq - :n + 1 AS first
    ),
    booking AS (
        INSERT INTO bookings (code, account_id, office_id, slot_id, day, party_size, queue_start, status,
                              idempotency_key, held_until, cancel_until, frozen_until, ends_at, created_at)
        SELECT :code, :account_id, :office_id, taken.id, :day, :n, taken.first, 'held', :key,
               :held_until, :cancel_until, :frozen_until, :ends_at, :now
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
).bindparams(bindparam("ids", type_=ARRAY(Integer)), bindparam("kinds", type_=ARRAY(String)))

_LAPSED = text("SELECT 1 FROM bookings WHERE slot_id = :slot_id AND status = 'held' AND held_until <= :now LIMIT 1")
_DAY = (
    select(slots)
    .where(slots.c.office_id == bindparam("office_id"), slots.c.day == bindparam("day"))
    .order_by(slots.c.start_time)
)
_FROZEN = select(accounts.c.frozen_until).where(accounts.c.id == bindparam("account_id"))
_KEY_USED = text("SELECT 1 FROM bookings WHERE account_id = :account_id AND idempotency_key = :key")

_CONFIRM = text(
    """
    WITH b AS (
        UPDATE bookings SET status = 'confirmed', confirmed_at = :now
        WHERE id = :booking_id AND account_id = :account_id AND status = 'held' AND held_until > :now
        RETURNING frozen_until, code, queue_start
    ),
    frozen AS (
        UPDATE accounts SET frozen_until = b.frozen_until FROM b WHERE accounts.id = :account_id
        RETURNING 1
    )
    SELECT code, queue_start AS first FROM b
    """
)


def _end(status_from: str, status_to: str, *, before_deadline: bool) -> Any:
    deadline = "AND cancel_until > :now" if before_deadline else ""
    return text(
        f"""
        WITH b AS (
            UPDATE bookings SET status = '{status_to}', ended_at = :now
            WHERE id = :booking_id AND account_id = :account_id AND status = '{status_from}' {deadline}
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
    )


_CANCEL = _end("confirmed", "cancelled", before_deadline=True)
_RELEASE = _end("held", "expired", before_deadline=False)

_EXPIRE = text(
    """
    WITH b AS (
        UPDATE bookings SET status = 'expired', ended_at = :now
        WHERE status = 'held' AND held_until <= :now
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
)

_RETIRE = text(
    """
    UPDATE booking_applicants SET active_nik = NULL
    WHERE active_nik IS NOT NULL AND (cardinality(:hashes) = 0 OR active_nik = ANY(:hashes))
      AND booking_id IN (SELECT id FROM bookings WHERE status = 'confirmed' AND ends_at <= :now)
    """
).bindparams(bindparam("hashes", type_=ARRAY(String)))


Op = Callable[[AsyncConnection], Awaitable[Any]]


async def _first(conn: AsyncConnection, stmt: Any, params: dict[str, Any]) -> Any:
    return (await conn.execute(stmt, params)).first()


async def _hold(conn: AsyncConnection, cmd: HoldCommand) -> HoldAttempt:
    t = cmd.terms
    params = {
        "ids": list(cmd.applicant_ids),
        "kinds": list(cmd.application_types),
        "account_id": cmd.account_id,
        "office_id": cmd.office_id,
        "slot_id": cmd.slot_id,
        "n": len(cmd.applicant_ids),
        "now": cmd.now,
        "day": cmd.day,
        "code": cmd.code,
        "key": cmd.idempotency_key,
        "held_until": t.held_until,
        "cancel_until": t.cancel_until,
        "frozen_until": t.frozen_until,
        "ends_at": t.ends_at,
    }
    for attempt in range(2):
        row = await _first(conn, _HOLD, params)
        if row.party_found != len(cmd.applicant_ids):
            return HoldAttempt(None, party_invalid=True)
        if row.booking_id is not None:
            return HoldAttempt(row.booking_id)
        # Holds that lapsed in this slot still count until swept: sweep, and try once more.
        if attempt or await _first(conn, _LAPSED, params) is None or not await _expire(conn, cmd.now):
            break
    day = (await conn.execute(_DAY, {"office_id": cmd.office_id, "day": cmd.day})).all()
    frozen = (await conn.execute(_FROZEN, {"account_id": cmd.account_id})).scalar()
    key = {"account_id": cmd.account_id, "key": cmd.idempotency_key}
    key_used = await _first(conn, _KEY_USED, key) is not None
    return HoldAttempt(None, day_slots=tuple(slot_state(r) for r in day), frozen_until=frozen, key_used=key_used)


async def _expire(conn: AsyncConnection, now: datetime) -> int:
    return int((await _first(conn, _EXPIRE, {"now": now}))[0])


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
        try:
            async with self._engine.connect() as conn, conn.begin():
                results = [await op(conn) for op, _ in batch]
        except Exception:  # one operation broke the batch: nothing of it was written
            for op, future in batch:
                try:
                    async with self._engine.connect() as conn, conn.begin():
                        value = await op(conn)
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
            result: HoldAttempt = await self._submit(cmd.slot_id, lambda conn: _hold(conn, cmd))
        except IntegrityError:
            return HoldAttempt(None, conflict=True)
        return result

    async def confirm(self, account_id: int, booking_id: int, now: datetime) -> Confirmed | None:
        params = {"account_id": account_id, "booking_id": booking_id, "now": now}
        row = await self._submit(booking_id, lambda conn: _first(conn, _CONFIRM, params))
        return None if row is None else Confirmed(booking_id, row.code, row.first)

    async def _end(self, stmt: Any, account_id: int, booking_id: int, now: datetime) -> Ended | None:
        params = {"account_id": account_id, "booking_id": booking_id, "now": now}
        row = await self._submit(booking_id, lambda conn: _first(conn, stmt, params))
        return None if row is None else Ended(row.id, row.slot_id, row.party_size)

    async def cancel(self, account_id: int, booking_id: int, now: datetime) -> Ended | None:
        return await self._end(_CANCEL, account_id, booking_id, now)

    async def release_hold(self, account_id: int, booking_id: int, now: datetime) -> Ended | None:
        return await self._end(_RELEASE, account_id, booking_id, now)

    async def expire_holds(self, now: datetime) -> int:
        result: int = await self._submit(0, lambda conn: _expire(conn, now))
        return result

    async def retire_ended(self, nik_hashes: tuple[str, ...], now: datetime) -> int:
        async def op(conn: AsyncConnection) -> int:
            return int((await conn.execute(_RETIRE, {"hashes": list(nik_hashes), "now": now})).rowcount)

        result: int = await self._submit(0, op)
        return result
