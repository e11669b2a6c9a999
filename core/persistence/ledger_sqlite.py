"""The SQLite ledger: one writer thread, batched transactions, a savepoint per operation."""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, exists, select, update
from sqlalchemy.exc import IntegrityError

from core.persistence.database import WRITE, make_sync_engine
from core.persistence.ledger import Confirmed, Ended, HoldAttempt, HoldCommand
from core.persistence.tables import accounts, applicants, booking_applicants, bookings, slots

Op = Callable[[Connection], Any]

_TAKE = (
    update(slots)
    .where(
        slots.c.id == bindparam("p_slot_id"),
        slots.c.taken + bindparam("p_n") <= slots.c.capacity,
        slots.c.bookable_from <= bindparam("p_now"),
        slots.c.bookable_until > bindparam("p_now"),
        ~exists().where(accounts.c.id == bindparam("p_account_id"), accounts.c.frozen_until > bindparam("p_now")),
    )
    .values(taken=slots.c.taken + bindparam("p_n"))
)
_PARTY = select(applicants.c.id, applicants.c.is_owner, applicants.c.nik_hash).where(
    applicants.c.account_id == bindparam("p_account_id"), applicants.c.id.in_(bindparam("p_ids", expanding=True))
)
_ADD_APPLICANT = booking_applicants.insert()
_CONFIRM = (
    update(bookings)
    .where(
        bookings.c.id == bindparam("p_booking_id"),
        bookings.c.account_id == bindparam("p_account_id"),
        bookings.c.status == "held",
        bookings.c.held_until > bindparam("p_now"),
    )
    .values(status="confirmed", confirmed_at=bindparam("p_now"))
    .returning(bookings.c.slot_id, bookings.c.party_size, bookings.c.frozen_until, bookings.c.code)
)
_NEXT_QUEUE = (
    update(slots)
    .where(slots.c.id == bindparam("p_slot_id"))
    .values(queue_seq=slots.c.queue_seq + bindparam("p_n"))
    .returning(slots.c.queue_seq)
)
_NUMBER_QUEUE = (
    update(booking_applicants)
    .where(booking_applicants.c.booking_id == bindparam("p_booking_id"))
    .values(queue_no=bindparam("p_first") + booking_applicants.c.position - 1)
)
_FREEZE = update(accounts).where(accounts.c.id == bindparam("p_account_id")).values(frozen_until=bindparam("p_until"))


def _end(status_from: str, status_to: str, *, before_deadline: bool) -> Any:
    conditions = [
        bookings.c.id == bindparam("p_booking_id"),
        bookings.c.account_id == bindparam("p_account_id"),
        bookings.c.status == status_from,
    ]
    if before_deadline:
        conditions.append(bookings.c.cancel_until > bindparam("p_now"))
    return (
        update(bookings)
        .where(*conditions)
        .values(status=status_to, ended_at=bindparam("p_now"))
        .returning(bookings.c.slot_id, bookings.c.party_size)
    )


_CANCEL = _end("confirmed", "cancelled", before_deadline=True)
_RELEASE = _end("held", "expired", before_deadline=False)
_GIVE_BACK = (
    update(slots).where(slots.c.id == bindparam("p_slot_id")).values(taken=slots.c.taken - bindparam("p_n"))
)
_FREE_NIKS = (
    update(booking_applicants)
    .where(booking_applicants.c.booking_id == bindparam("p_booking_id"))
    .values(active_nik=None)
)


def apply_hold(conn: Connection, cmd: HoldCommand) -> HoldAttempt:
    """Take the places and write the held booking, or report why not; inside the caller's transaction."""
    rows = conn.execute(_PARTY, {"p_account_id": cmd.account_id, "p_ids": list(cmd.applicant_ids)}).all()
    by_id = {r.id: r for r in rows}
    if len(by_id) != len(cmd.applicant_ids) or not by_id[cmd.applicant_ids[0]].is_owner:
        return HoldAttempt(None, party_invalid=True)
    n = len(cmd.applicant_ids)
    params = {"p_slot_id": cmd.slot_id, "p_n": n, "p_now": cmd.now, "p_account_id": cmd.account_id}
    if conn.execute(_TAKE, params).rowcount != 1:
        return HoldAttempt(None)
    t = cmd.terms
    booking_id = conn.execute(
        bookings.insert().values(
            code=cmd.code,
            account_id=cmd.account_id,
            office_id=cmd.office_id,
            slot_id=cmd.slot_id,
            day=cmd.day,
            party_size=n,
            status="held",
            idempotency_key=cmd.idempotency_key,
            held_until=t.held_until,
            cancel_until=t.cancel_until,
            frozen_until=t.frozen_until,
            ends_at=t.ends_at,
            created_at=cmd.now,
        )
    ).inserted_primary_key[0]
    conn.execute(
        _ADD_APPLICANT,
        [
            {
                "booking_id": booking_id,
                "position": pos,
                "applicant_id": aid,
                "application_type": kind,
                "nik_hash": by_id[aid].nik_hash,
                "active_nik": by_id[aid].nik_hash,
            }
            for pos, (aid, kind) in enumerate(zip(cmd.applicant_ids, cmd.application_types, strict=True), 1)
        ],
    )
    return HoldAttempt(int(booking_id))


def apply_confirm(conn: Connection, account_id: int, booking_id: int, now: datetime) -> Confirmed | None:
    row = conn.execute(_CONFIRM, {"p_booking_id": booking_id, "p_account_id": account_id, "p_now": now}).first()
    if row is None:
        return None
    last = conn.execute(_NEXT_QUEUE, {"p_slot_id": row.slot_id, "p_n": row.party_size}).scalar_one()
    first = last - row.party_size + 1
    conn.execute(_NUMBER_QUEUE, {"p_booking_id": booking_id, "p_first": first})
    conn.execute(_FREEZE, {"p_account_id": account_id, "p_until": row.frozen_until})
    return Confirmed(booking_id, row.code, first)


def apply_end(conn: Connection, stmt: Any, account_id: int, booking_id: int, now: datetime) -> Ended | None:
    row = conn.execute(stmt, {"p_booking_id": booking_id, "p_account_id": account_id, "p_now": now}).first()
    if row is None:
        return None
    conn.execute(_GIVE_BACK, {"p_slot_id": row.slot_id, "p_n": row.party_size})
    conn.execute(_FREE_NIKS, {"p_booking_id": booking_id})
    return Ended(booking_id, row.slot_id, row.party_size)


def apply_expire(conn: Connection, now: datetime) -> int:
    """Lapse every hold past its time and give its places back."""
    rows = conn.execute(
        update(bookings)
        .where(bookings.c.status == "held", bookings.c.held_until <= now)
        .values(status="expired", ended_at=now)
        .returning(bookings.c.id, bookings.c.slot_id, bookings.c.party_size)
    ).all()
    for r in rows:
        conn.execute(_GIVE_BACK, {"p_slot_id": r.slot_id, "p_n": r.party_size})
        conn.execute(_FREE_NIKS, {"p_booking_id": r.id})
    return len(rows)


def apply_retire(conn: Connection, nik_hashes: tuple[str, ...], now: datetime) -> int:
    """Free the NIKs of bookings whose arrival day is over, so their applicants may book again."""
    ended = select(bookings.c.id).where(bookings.c.ends_at <= now, bookings.c.status == "confirmed")
    stmt = update(booking_applicants).where(booking_applicants.c.booking_id.in_(ended)).values(active_nik=None)
    if nik_hashes:
        stmt = stmt.where(booking_applicants.c.active_nik.in_(nik_hashes))
    else:
        stmt = stmt.where(booking_applicants.c.active_nik.is_not(None))
    return int(conn.execute(stmt).rowcount)


class SqliteLedger:
    """Serialises all place-keeping through one thread; a batch of queued operations shares a commit."""

    def __init__(self, url: str, *, max_batch: int = 512) -> None:
        self._engine = make_sync_engine(url)
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[tuple[Op, asyncio.Future[Any]] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    async def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="antrean-ledger", daemon=True)
            self._thread.start()

    async def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            await asyncio.to_thread(self._thread.join)
            self._thread = None
        self._engine.dispose()

    async def _submit(self, op: Op) -> Any:
        if self._thread is None:
            raise RuntimeError("the ledger is not started")
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.put((op, future))
        return await future

    def _run(self) -> None:
        with self._engine.connect() as conn:
            conn = conn.execution_options(**{WRITE: True})
            while True:
                first = self._queue.get()
                if first is None:
                    return
                batch = [first]
                while len(batch) < self._max_batch:
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if item is None:
                        self._queue.put(None)  # finish this batch, then stop
                        break
                    batch.append(item)
                self._apply(conn, batch)

    def _apply(self, conn: Connection, batch: list[tuple[Op, asyncio.Future[Any]]]) -> None:
        results: list[tuple[asyncio.Future[Any], bool, Any]] = []
        try:
            with conn.begin():
                for op, future in batch:
                    savepoint = conn.begin_nested()
                    try:
                        value = op(conn)
                    except BaseException as exc:  # handed to the caller, never lost in the thread
                        savepoint.rollback()
                        results.append((future, False, exc))
                    else:
                        savepoint.commit()
                        results.append((future, True, value))
        except BaseException as exc:  # the commit itself failed: nothing of the batch was written
            results = [(future, False, exc) for _, future in batch]
        # One wake-up of the event loop per batch, not per operation.
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], bool, Any]]] = {}
        for entry in results:
            by_loop.setdefault(entry[0].get_loop(), []).append(entry)
        for loop, entries in by_loop.items():
            loop.call_soon_threadsafe(_settle_all, entries)

    async def hold(self, cmd: HoldCommand) -> HoldAttempt:
        def op(conn: Connection) -> HoldAttempt:
            return apply_hold(conn, cmd)

        try:
            result: HoldAttempt = await self._submit(op)
        except IntegrityError:
            return HoldAttempt(None, conflict=True)
        return result

    async def confirm(self, account_id: int, booking_id: int, now: datetime) -> Confirmed | None:
        result: Confirmed | None = await self._submit(lambda c: apply_confirm(c, account_id, booking_id, now))
        return result

    async def cancel(self, account_id: int, booking_id: int, now: datetime) -> Ended | None:
        result: Ended | None = await self._submit(lambda c: apply_end(c, _CANCEL, account_id, booking_id, now))
        return result

    async def release_hold(self, account_id: int, booking_id: int, now: datetime) -> Ended | None:
        result: Ended | None = await self._submit(lambda c: apply_end(c, _RELEASE, account_id, booking_id, now))
        return result

    async def expire_holds(self, now: datetime) -> int:
        result: int = await self._submit(lambda c: apply_expire(c, now))
        return result

    async def retire_ended(self, nik_hashes: tuple[str, ...], now: datetime) -> int:
        result: int = await self._submit(lambda c: apply_retire(c, nik_hashes, now))
        return result


def _settle_all(entries: list[tuple[asyncio.Future[Any], bool, Any]]) -> None:
    for future, ok, value in entries:
        if future.cancelled():
            continue  # the caller gave up; a hold it made lapses on its own
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)

