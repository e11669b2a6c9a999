"""What a booking's proof shows, gathered for the document renderer."""

from __future__ import annotations

from datetime import date

from core.documents.proof import ProofApplicant, ProofData
from core.domain.booking import BookingNotFound, BookingStatus, PartyMember, last_cancel_day
from core.domain.requirements import documents_to_bring, is_child
from core.services.uow import UnitOfWork


def _queue_no(p: PartyMember) -> int:
    assert p.queue_no is not None  # numbered when the places were taken, before the booking was confirmed
    return p.queue_no


def _applicant(p: PartyMember, day: date) -> ProofApplicant:
    to_bring = documents_to_bring(p.birth_date, p.application_type, day)
    return ProofApplicant(
        p.full_name, p.nik_masked, p.application_type, _queue_no(p), to_bring, is_child(p.birth_date, day)
    )


async def proof_data(uow: UnitOfWork, account_id: int | None, booking_id: int, locale: str) -> ProofData:
    """The booking as its proof shows it; only a confirmed booking, the account's own unless `account_id` is None."""
    async with uow:
        booking = await uow.bookings.get(booking_id)
        if (
            booking is None
            or (account_id is not None and booking.account_id != account_id)
            or booking.status is not BookingStatus.CONFIRMED
        ):
            raise BookingNotFound()
        office = await uow.offices.get_by_id(booking.office_id)
        party = await uow.bookings.party(booking_id)
    assert office is not None
    return ProofData(
        code=booking.code,
        office=office,
        day=booking.day,
        start=booking.start,
        end=booking.end,
        applicants=tuple(_applicant(p, booking.day) for p in party),
        last_cancel_day=last_cancel_day(booking.day),
        locale=locale,
        cancellable=(booking.confirmed_at or booking.created_at) < booking.cancel_until,
    )
