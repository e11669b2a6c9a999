"""The PostgreSQL ledger: every operation one statement, so a booking costs one round trip per step."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, Integer, String, bindparam, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

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


class PostgresLedger:
    """Runs each ledger operation as a single autocommitted statement on the shared async engine."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def _one(self, stmt: Any, params: dict[str, Any]) -> Any:
        async with self._engine.connect() as conn:
            return (await conn.execute(stmt, params)).first()

    async def hold(self, cmd: HoldCommand) -> HoldAttempt:
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
            try:
                row = await self._one(_HOLD, params)
            except IntegrityError:
                return HoldAttempt(None, conflict=True)
            if row.party_found != len(cmd.applicant_ids):
                return HoldAttempt(None, party_invalid=True)
            if row.booking_id is not None:
                return HoldAttempt(row.booking_id)
            # Holds that lapsed in this slot still count until swept: sweep, and try once more.
            if attempt or await self._one(_LAPSED, params) is None or not await self.expire_holds(cmd.now):
                break
        async with self._engine.connect() as conn:
            day = (await conn.execute(_DAY, {"office_id": cmd.office_id, "day": cmd.day})).all()
            frozen = (await conn.execute(_FROZEN, {"account_id": cmd.account_id})).scalar()
            key = {"account_id": cmd.account_id, "key": cmd.idempotency_key}
            key_used = (await conn.execute(_KEY_USED, key)).first() is not None
        return HoldAttempt(None, day_slots=tuple(slot_state(r) for r in day), frozen_until=frozen, key_used=key_used)

    async def confirm(self, account_id: int, booking_id: int, now: datetime) -> Confirmed | None:
        row = await self._one(_CONFIRM, {"account_id": account_id, "booking_id": booking_id, "now": now})
        return None if row is None else Confirmed(booking_id, row.code, row.first)

    async def _end(self, stmt: Any, account_id: int, booking_id: int, now: datetime) -> Ended | None:
        row = await self._one(stmt, {"account_id": account_id, "booking_id": booking_id, "now": now})
        return None if row is None else Ended(row.id, row.slot_id, row.party_size)

    async def cancel(self, account_id: int, booking_id: int, now: datetime) -> Ended | None:
        return await self._end(_CANCEL, account_id, booking_id, now)

    async def release_hold(self, account_id: int, booking_id: int, now: datetime) -> Ended | None:
        return await self._end(_RELEASE, account_id, booking_id, now)

    async def expire_holds(self, now: datetime) -> int:
        row = await self._one(_EXPIRE, {"now": now})
        return int(row[0])

    async def retire_ended(self, nik_hashes: tuple[str, ...], now: datetime) -> int:
        async with self._engine.connect() as conn:
            result = await conn.execute(_RETIRE, {"hashes": list(nik_hashes), "now": now})
            return int(result.rowcount)
