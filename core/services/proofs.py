"""What a booking's proof shows, gathered for the document renderer."""

from __future__ import annotations

from core.documents.proof import ProofApplicant, ProofData
from core.domain.booking import ApplicationType, BookingNotFound, last_cancel_day
from core.services.uow import UnitOfWork


async def proof_data(uow: UnitOfWork, account_id: int, booking_id: int, locale: str) -> ProofData:
    """The booking as its proof shows it; only the account's own confirmed booking."""
    async with uow:
        row = await uow.bookings.get(booking_id)
        if row is None or row.account_id != account_id or row.status != "confirmed":
            raise BookingNotFound()
        office = await uow.offices.get_by_id(row.office_id)
        slot = await uow.slots.get(row.slot_id)
        party = await uow.bookings.party(booking_id)
    assert office is not None and slot is not None
    state = slot[2]
    return ProofData(
        code=row.code,
        office_name=office.name,
        office_address=office.address,
        office_code=office.code,
        zone_label=office.zone_label,
        day=row.day,
        start=state.start,
        end=state.end,
        applicants=tuple(
            ProofApplicant(p.full_name, p.nik_masked, ApplicationType(p.application_type), p.queue_no) for p in party
        ),
        last_cancel_day=last_cancel_day(row.day),
        locale=locale,
    )
