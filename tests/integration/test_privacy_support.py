"""What the privacy tests read straight from the tables: rows left, and what an office still counts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from core.persistence.tables import accounts, applicants, booking_applicants, bookings
from core.runtime import Runtime


async def counts(rt: Runtime) -> dict[str, int]:
    """Accounts and applicants left, and account rows still holding anything that says whose they were."""
    personal = [accounts.c.telegram_user_id, accounts.c.owner_nik_hash, accounts.c.kk_enc, accounts.c.phone]
    async with rt.engine.connect() as conn:
        kept = select(func.count()).select_from(accounts).where(accounts.c.erased_at.is_not(None))
        kept = kept.where(func.coalesce(*[c.cast(accounts.c.kk_masked.type) for c in personal]).is_not(None))
        return {
            "accounts": (await conn.execute(select(func.count()).select_from(accounts))).scalar_one(),
            "applicants": (await conn.execute(select(func.count()).select_from(applicants))).scalar_one(),
            "kept_account_fields": (await conn.execute(kept)).scalar_one(),
        }


async def office_day_counts(rt: Runtime, booking_id: int) -> dict[str, Any]:
    async with rt.engine.connect() as conn:
        booking = (await conn.execute(select(bookings).where(bookings.c.id == booking_id))).one()
        people = select(func.count()).where(
            booking_applicants.c.booking_id == booking_id, booking_applicants.c.applicant_id.is_not(None)
        )
        return {
            "party_size": booking.party_size,
            "people": (await conn.execute(people)).scalar_one(),
            "anonymised": booking.anonymised_at is not None and booking.account_id is None,
        }
