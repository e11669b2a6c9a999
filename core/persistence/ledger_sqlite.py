"""The SQLite ledger: batched transactions on the event loop's own thread.

SQLite takes one writer at a time, and its statements take microseconds, so a second thread would cost
more in hand-offs and lock contention with the interpreter than it saves. Operations queue up while the
loop serves other tasks; one callback then applies up to `max_batch` of them in one `BEGIN IMMEDIATE`
transaction, each in its own savepoint (one failure loses nothing of the others), and commits once.
Only when another process holds the write lock does a batch move to a worker thread to wait for it, so
the loop never blocks on a lock. The statements are hand-written SQL on the driver's connection: at this
rate SQLAlchemy's per-statement work, not SQLite, would be the bottleneck. Values are written in the
formats SQLAlchemy's SQLite types use, so every other part of the engine reads them as usual.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, time
from functools import lru_cache
from typing import Any

from sqlalchemy.engine import make_url

from core.domain.announcements import PRIORITY, Kind
from core.domain.booking import MAX_PARTY
from core.domain.calendar import SlotState
from core.persistence.database import BUSY_TIMEOUT_MS, ensure_sqlite_dir, sqlite_pragmas
from core.persistence.ledger import Confirmed, Ended, HoldAttempt, HoldCommand, MoveAttempt, MoveCommand

Op = Callable[[sqlite3.Connection], Any]
Results = list[tuple["asyncio.Future[Any]", bool, Any]]


@lru_cache(maxsize=4096)  # a booking's deadlines repeat across every hold of its slot
def _ts(value: datetime) -> str:
    """An instant as SQLAlchemy's SQLite DateTime stores it (naive UTC): text order is time order."""
    return value.astimezone(UTC).isoformat(" ", "microseconds")[:26]  # without the "+00:00"


@lru_cache(maxsize=4096)
def _read_ts(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text).replace(tzinfo=UTC)


_PARTY = {
    n: f"SELECT id, is_owner, nik_hash FROM applicants WHERE account_id = ? AND id IN ({','.join('?' * n)})"  # noqa: S608 - only placeholders are joined in
    for n in range(1, MAX_PARTY + 1)
}
_TAKE = """
    UPDATE slots SET taken = taken + ?1, queue_seq = queue_seq + ?1
    WHERE id = ?2 AND taken + ?1 <= capacity AND bookable_from <= ?3 AND bookable_until > ?3
      AND NOT EXISTS (SELECT 1 FROM accounts WHERE id = ?4 AND frozen_until > ?3)
    RETURNING queue_seq - ?1 + 1
"""
# An offer to a waiting party (core/domain/waitlist.py) takes places in any released slot, window or not.
_TAKE_ANY_TIME = _TAKE.replace(" AND bookable_until > ?3", "")
assert _TAKE_ANY_TIME != _TAKE
# An offer to a party drawn at a fair opening (core/domain/draw.py): the draw's slots open to everyone after it.
_TAKE_DRAWN = _TAKE_ANY_TIME.replace(" AND bookable_from <= ?3", "")
assert _TAKE_DRAWN != _TAKE_ANY_TIME
# Why no room, in one read: lapsed holds in the slot, the account's freeze, and whether this request was
# made before (the same idempotency key).
_WHY = """
    SELECT EXISTS (SELECT 1 FROM bookings WHERE slot_id = ?1 AND status = 'held' AND held_until <= ?2),
           (SELECT frozen_until FROM accounts WHERE id = ?3),
           EXISTS (SELECT 1 FROM bookings WHERE account_id = ?3 AND idempotency_key = ?4)
"""
_ADD_BOOKING = """
    INSERT INTO bookings (code, account_id, office_id, slot_id, day, party_size, queue_start, status,
                          idempotency_key, held_until, cancel_until, frozen_until, ends_at, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, 'held', ?, ?, ?, ?, ?, ?)
"""
_ADD_APPLICANT = """
    INSERT INTO booking_applicants (booking_id, position, applicant_id, application_type, active_nik, queue_no)
    VALUES (?, ?, ?, ?, ?, ?)
"""
# The slot asked for, and the day's other slots open now that can take the party: what to offer instead.
_DAY = """
    SELECT id, start_time, end_time, capacity, taken, bookable_from, bookable_until FROM slots
    WHERE office_id = ?1 AND day = ?2
      AND (id = ?3 OR (capacity - taken >= ?4 AND bookable_from <= ?5 AND bookable_until > ?5))
    ORDER BY start_time
"""
_SAVE_CONVERSATION = """
    INSERT INTO conversations (key, state, data, updated_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (key) DO UPDATE SET state = excluded.state, data = excluded.data, updated_at = excluded.updated_at
"""
_CONFIRM = """
    UPDATE bookings SET status = 'confirmed', confirmed_at = ?1
    WHERE id = ?2 AND account_id = ?3 AND status = 'held' AND held_until > ?1
    RETURNING frozen_until, code, queue_start
"""
_FREEZE = "UPDATE accounts SET frozen_until = ? WHERE id = ?"
# The proof goes out through the outbox, written in the confirming transaction: a crash after it loses nothing.
_PROOF_ANNOUNCEMENT = (
    "INSERT INTO announcements (kind, payload, created_at, paid, state) VALUES ('proof', '{}', ?, 0, 'sending')"
)
_PROOF_ROW = f"""
    INSERT INTO outbox (announcement_id, chat_id, language, booking_id, priority, paid, position, state, not_before,
                        attempts)
    SELECT ?1, telegram_user_id, language, ?2, {PRIORITY[Kind.PROOF]}, 0, 0, 'pending', ?3, 0
    FROM accounts WHERE id = ?4 AND telegram_user_id IS NOT NULL
"""  # noqa: S608 - the interpolated number is a constant of the domain
_CANCEL = """
    UPDATE bookings SET status = 'cancelled', ended_at = ?
    WHERE id = ? AND account_id = ? AND status = 'confirmed' AND cancel_until > ?
    RETURNING slot_id, party_size
"""
_RELEASE = """
    UPDATE bookings SET status = 'expired', ended_at = ?
    WHERE id = ? AND account_id = ? AND status = 'held'
    RETURNING slot_id, party_size
"""
_EXPIRE = """
    UPDATE bookings SET status = 'expired', ended_at = ? WHERE status = 'held' AND held_until <= ?
    RETURNING id, slot_id, party_size
"""
_GIVE_BACK = "UPDATE slots SET taken = taken - ? WHERE id = ?"
_FREE_NIKS = "UPDATE booking_applicants SET active_nik = NULL WHERE booking_id = ?"
# Moving: the booking as it must be to move, places in a released slot (the weekly window is for new bookings, not
# moves), the old booking marked moved, and the new one written from the old with the same party.
_MOVABLE = """
    SELECT slot_id, party_size FROM bookings
    WHERE id = ?1 AND account_id = ?2 AND status = 'confirmed' AND cancel_until > ?3 AND moved_from IS NULL
"""
_TAKE_RELEASED = """
    UPDATE slots SET taken = taken + ?1, queue_seq = queue_seq + ?1
    WHERE id = ?2 AND taken + ?1 <= capacity AND bookable_from <= ?3
    RETURNING queue_seq - ?1 + 1
"""
_MARK_MOVED = "UPDATE bookings SET status = 'moved', ended_at = ? WHERE id = ?"
_ADD_MOVED = """
    INSERT INTO bookings (code, account_id, office_id, slot_id, day, party_size, queue_start, status, idempotency_key,
                          held_until, cancel_until, frozen_until, ends_at, created_at, confirmed_at, moved_from)
    SELECT ?1, account_id, (SELECT office_id FROM slots WHERE id = ?2), ?2, ?3, party_size, ?4, 'confirmed',
           'move:' || id, ?5, ?6, ?7, ?8, ?9, ?10, id
    FROM bookings WHERE id = ?11
"""
_COPY_PARTY = """
    INSERT INTO booking_applicants (booking_id, position, applicant_id, application_type, active_nik, queue_no)
    SELECT ?1, ba.position, ba.applicant_id, ba.application_type, a.nik_hash, ?2 + ba.position - 1
    FROM booking_applicants ba JOIN applicants a ON a.id = ba.applicant_id
    WHERE ba.booking_id = ?3
"""
_RETIRE = """
    UPDATE booking_applicants SET active_nik = NULL
    WHERE active_nik IS NOT NULL {}
      AND booking_id IN (SELECT id FROM bookings WHERE status = 'confirmed' AND ends_at <= ?)
"""


@lru_cache(maxsize=1024)
def _time(text: str) -> time:
    return time.fromisoformat(text)


def apply_hold(db: sqlite3.Connection, cmd: HoldCommand) -> HoldAttempt:
    """Take the places and write the held booking, or report why not; inside the caller's transaction."""
    ids = cmd.applicant_ids
    rows = db.execute(_PARTY[len(ids)], (cmd.account_id, *ids)).fetchall()
    by_id = {r[0]: r for r in rows}
    if len(by_id) != len(ids) or not by_id[ids[0]][1]:
        return HoldAttempt(None, party_invalid=True)
    n = len(ids)
    now = _ts(cmd.now)
    take = (n, cmd.slot_id, now, cmd.account_id)
    stmt = _TAKE_DRAWN if cmd.drawn else _TAKE_ANY_TIME if cmd.any_time else _TAKE
    taken = db.execute(stmt, take).fetchone()
    if taken is None:
        lapsed, frozen, key_used = db.execute(_WHY, (cmd.slot_id, now, cmd.account_id, cmd.idempotency_key)).fetchone()
        # Holds that lapsed in this slot still count until swept: sweep, and try once more.
        if not lapsed or not apply_expire(db, cmd.now) or (taken := db.execute(stmt, take).fetchone()) is None:
            return _no_room(db, cmd, _read_ts(frozen), bool(key_used))
    first = taken[0]
    t = cmd.terms
    booking_id = db.execute(
        _ADD_BOOKING,
        (
            cmd.code, cmd.account_id, cmd.office_id, cmd.slot_id, cmd.day.isoformat(), n, first,
            cmd.idempotency_key, _ts(t.held_until), _ts(t.cancel_until), _ts(t.frozen_until), _ts(t.ends_at), now,
        ),
    ).lastrowid  # fmt: skip
    db.executemany(
        _ADD_APPLICANT,
        [
            (booking_id, pos, aid, kind, by_id[aid][2], first + pos - 1)
            for pos, (aid, kind) in enumerate(zip(ids, cmd.application_types, strict=True), 1)
        ],
    )
    assert booking_id is not None
    return HoldAttempt(booking_id)


def _no_room(db: sqlite3.Connection, cmd: HoldCommand, frozen: datetime | None, key_used: bool) -> HoldAttempt:
    asked = (cmd.office_id, cmd.day.isoformat(), cmd.slot_id, len(cmd.applicant_ids), _ts(cmd.now))
    day = db.execute(_DAY, asked).fetchall()
    states = tuple(
        SlotState(r[0], _time(r[1]), _time(r[2]), r[3], r[4], _read_ts(r[5]), _read_ts(r[6]))  # type: ignore[arg-type]
        for r in day
    )
    return HoldAttempt(None, day_slots=states, frozen_until=frozen, key_used=key_used)


def apply_confirm(db: sqlite3.Connection, account_id: int, booking_id: int, now: datetime) -> Confirmed | None:
    row = db.execute(_CONFIRM, (_ts(now), booking_id, account_id)).fetchone()
    if row is None:
        return None
    frozen_until, code, first = row
    db.execute(_FREEZE, (frozen_until, account_id))
    at = _ts(now)
    announcement = db.execute(_PROOF_ANNOUNCEMENT, (at,)).lastrowid
    db.execute(_PROOF_ROW, (announcement, booking_id, at, account_id))
    return Confirmed(booking_id, code, first)


def apply_move(db: sqlite3.Connection, cmd: MoveCommand) -> MoveAttempt:
    """Move the booking's party to the new slot as a new confirmed booking, or change nothing; inside a transaction."""
    now = _ts(cmd.now)
    old = db.execute(_MOVABLE, (cmd.booking_id, cmd.account_id, now)).fetchone()
    if old is None:
        return MoveAttempt(None, not_movable=True)
    old_slot, n = old
    taken = db.execute(_TAKE_RELEASED, (n, cmd.slot_id, now)).fetchone()
    if taken is None:
        return MoveAttempt(None)
    first = taken[0]
    db.execute(_MARK_MOVED, (now, cmd.booking_id))
    db.execute(_GIVE_BACK, (n, old_slot))
    db.execute(_FREE_NIKS, (cmd.booking_id,))
    t = cmd.terms
    booking_id = db.execute(
        _ADD_MOVED,
        (
            cmd.code, cmd.slot_id, cmd.day.isoformat(), first, now, _ts(t.cancel_until), _ts(t.frozen_until),
            _ts(t.ends_at), now, now, cmd.booking_id,
        ),
    ).lastrowid  # fmt: skip
    if db.execute(_COPY_PARTY, (booking_id, first, cmd.booking_id)).rowcount != n:
        raise sqlite3.IntegrityError("a member of the party is no longer on the account")  # the batch rolls back
    db.execute(_FREEZE, (_ts(t.frozen_until), cmd.account_id))
    announcement = db.execute(_PROOF_ANNOUNCEMENT, (now,)).lastrowid
    db.execute(_PROOF_ROW, (announcement, booking_id, now, cmd.account_id))
    assert booking_id is not None
    return MoveAttempt(booking_id, first)


def apply_end(db: sqlite3.Connection, stmt: str, account_id: int, booking_id: int, now: datetime) -> Ended | None:
    at = _ts(now)
    row = db.execute(stmt, (at, booking_id, account_id, at, at)[: stmt.count("?")]).fetchone()
    if row is None:
        return None
    db.execute(_GIVE_BACK, (row[1], row[0]))
    db.execute(_FREE_NIKS, (booking_id,))
    return Ended(booking_id, row[0], row[1])


def apply_expire(db: sqlite3.Connection, now: datetime) -> int:
    """Lapse every hold past its time and give its places back."""
    at = _ts(now)
    rows = db.execute(_EXPIRE, (at, at)).fetchall()
    for booking_id, slot_id, n in rows:
        db.execute(_GIVE_BACK, (n, slot_id))
        db.execute(_FREE_NIKS, (booking_id,))
    return len(rows)


def apply_retire(db: sqlite3.Connection, nik_hashes: tuple[str, ...], now: datetime) -> int:
    """Free the NIKs of bookings whose arrival day is over, so their applicants may book again."""
    only = f"AND active_nik IN ({','.join('?' * len(nik_hashes))})" if nik_hashes else ""
    return db.execute(_RETIRE.format(only), (*nik_hashes, _ts(now))).rowcount


class SqliteLedger:
    """Applies queued place-keeping operations in batches that share one transaction and one commit."""

    def __init__(self, url: str, *, max_batch: int = 64, lock_wait_ms: int = BUSY_TIMEOUT_MS) -> None:
        u = make_url(url)
        if u.get_backend_name() != "sqlite" or not u.database:
            raise ValueError(f"not a SQLite file URL: {url}")
        ensure_sqlite_dir(u)
        self._path = u.database
        self._max_batch = max_batch
        self._lock_wait_ms = lock_wait_ms
        self._db: sqlite3.Connection | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: list[tuple[Op, asyncio.Future[Any]]] = []
        self._scheduled = False
        self._waiting_for_lock: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._db is None:
            # Used by the loop's thread and, while another process holds the lock, by one worker thread;
            # never by both at once (see `_waiting_for_lock`).
            self._db = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
            sqlite_pragmas(self._db)
            self._db.execute("PRAGMA busy_timeout=0")  # on the loop: never wait for a lock, hand it off
            self._loop = asyncio.get_running_loop()

    async def close(self) -> None:
        while self._pending or self._waiting_for_lock is not None:
            if self._waiting_for_lock is not None:
                await self._waiting_for_lock
            else:
                await asyncio.sleep(0)
        if self._db is not None:
            self._db.close()
            self._db = None

    async def _submit(self, op: Op) -> Any:
        if self._db is None or self._loop is None:
            raise RuntimeError("the ledger is not started")
        future: asyncio.Future[Any] = self._loop.create_future()
        self._pending.append((op, future))
        if not self._scheduled and self._waiting_for_lock is None:
            self._scheduled = True
            # Run after the tasks woken in this round have queued theirs: they share the batch.
            self._loop.call_soon(self._flush)
        return await future

    def _flush(self) -> None:
        self._scheduled = False
        db, loop = self._db, self._loop
        assert db is not None and loop is not None
        if not self._pending or self._waiting_for_lock is not None:
            return
        batch, self._pending = self._pending[: self._max_batch], self._pending[self._max_batch :]
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:  # another process writes: wait for its lock off the loop
            self._waiting_for_lock = loop.create_task(self._apply_when_unlocked(batch))
            return
        _settle_all(self._apply_begun(db, batch))
        if self._pending:
            self._scheduled = True
            loop.call_soon(self._flush)  # let the loop breathe between batches

    async def _apply_when_unlocked(self, batch: list[tuple[Op, asyncio.Future[Any]]]) -> None:
        db = self._db
        assert db is not None
        try:
            results = await asyncio.to_thread(self._apply_waiting, db, batch)
        finally:
            self._waiting_for_lock = None
        _settle_all(results)
        if self._pending and not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _apply_waiting(self, db: sqlite3.Connection, batch: list[tuple[Op, asyncio.Future[Any]]]) -> Results:
        db.execute(f"PRAGMA busy_timeout={self._lock_wait_ms}")
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            return [(future, False, exc) for _, future in batch]
        finally:
            db.execute("PRAGMA busy_timeout=0")
        return self._apply_begun(db, batch)

    @staticmethod
    def _apply_begun(db: sqlite3.Connection, batch: list[tuple[Op, asyncio.Future[Any]]]) -> Results:
        """Run the batch inside the transaction just begun, and commit it.

        No savepoint per operation: failures are rare (a repeated request, a NIK already booked), so when
        one operation raises, the whole batch is rolled back and each operation runs again alone.
        """
        try:
            results: Results = [(future, True, op(db)) for op, future in batch]
            db.execute("COMMIT")
            return results
        except Exception:
            if db.in_transaction:
                db.execute("ROLLBACK")
        results = []
        for op, future in batch:
            try:
                db.execute("BEGIN IMMEDIATE")
                value = op(db)
                db.execute("COMMIT")
            except Exception as exc:  # handed to the caller, never lost
                if db.in_transaction:
                    db.execute("ROLLBACK")
                results.append((future, False, exc))
            else:
                results.append((future, True, value))
        return results

    async def run(self, op: Op) -> Any:
        """Any other write that must be quick (the webhook's inbox): in the next batch, on the loop's connection."""
        return await self._submit(op)

    async def hold(self, cmd: HoldCommand) -> HoldAttempt:
        try:
            result: HoldAttempt = await self._submit(lambda db: apply_hold(db, cmd))
        except sqlite3.IntegrityError:
            return HoldAttempt(None, conflict=True)
        return result

    async def confirm(self, account_id: int, booking_id: int, now: datetime) -> Confirmed | None:
        result: Confirmed | None = await self._submit(lambda db: apply_confirm(db, account_id, booking_id, now))
        return result

    async def cancel(self, account_id: int, booking_id: int, now: datetime) -> Ended | None:
        result: Ended | None = await self._submit(lambda db: apply_end(db, _CANCEL, account_id, booking_id, now))
        return result

    async def release_hold(self, account_id: int, booking_id: int, now: datetime) -> Ended | None:
        result: Ended | None = await self._submit(lambda db: apply_end(db, _RELEASE, account_id, booking_id, now))
        return result

    async def move(self, cmd: MoveCommand) -> MoveAttempt:
        try:
            result: MoveAttempt = await self._submit(lambda db: apply_move(db, cmd))
        except sqlite3.IntegrityError:
            return MoveAttempt(None, conflict=True)
        return result

    async def expire_holds(self, now: datetime) -> int:
        result: int = await self._submit(lambda db: apply_expire(db, now))
        return result

    async def retire_ended(self, nik_hashes: tuple[str, ...], now: datetime) -> int:
        result: int = await self._submit(lambda db: apply_retire(db, nik_hashes, now))
        return result

    async def save_conversations(self, rows: Sequence[tuple[str, str | None, str]], now: datetime) -> None:
        stamp = _ts(now)
        await self._submit(lambda db: db.executemany(_SAVE_CONVERSATION, [(*row, stamp) for row in rows]))


def _settle_all(entries: Results) -> None:
    for future, ok, value in entries:
        if future.cancelled():
            continue  # the caller gave up; a hold it made lapses on its own
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)
