"""An applicant's own bookings: the list, and one booking's details."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from core.domain.booking import ApplicationType, BookingNotFound, BookingRecord, BookingStatus, last_cancel_day
from core.domain.offices import Office
from core.services.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class BookingSummary:
    booking_id: int
    code: str
    status: BookingStatus
    office: Office
    day: date
    start: time
    end: time
    party_size: int
    last_cancel_day: date
    cancel_until: datetime
    frozen_until: datetime
    upcoming: bool  # its arrival day has not ended
    cancellable: bool  # confirmed, and the last day to cancel has not passed
    cancelled_by_office: bool = False  # it closed the date: the booking does not count for the 30-day wait
    movable: bool = False  # confirmed, never moved, and the last day to cancel (and to move) has not passed


async def my_bookings(uow: UnitOfWork, account_id: int, now: datetime) -> list[BookingSummary]:
    """The account's bookings, newest arrival first; holds that lapsed are not bookings and are left out."""
    async with uow:
        made = await uow.bookings.for_account(account_id)
        offices = {oid: await uow.offices.get_by_id(oid) for oid in {b.office_id for b in made}}
    out = []
    for b in made:
        office = offices[b.office_id]
        assert office is not None
        if b.lapsed(now):
            continue
        out.append(
            BookingSummary(
                booking_id=b.id,
                code=b.code,
                status=b.status,
                office=office,
                day=b.day,
                start=b.start,
                end=b.end,
                party_size=b.party_size,
                last_cancel_day=last_cancel_day(b.day),
                cancel_until=b.cancel_until,
                frozen_until=b.frozen_until,
                upcoming=b.ends_at > now,
                cancellable=b.status is BookingStatus.CONFIRMED and b.cancel_until > now,
                cancelled_by_office=b.cancelled_by_office_at is not None,
                movable=b.why_not_movable(now) is None,
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class LastChoice:
    """Where and for whom the account last tried to book: what "the same again" means."""

    office: Office
    party: tuple[int, ...]  # applicant ids, the owner first
    kinds: tuple[ApplicationType, ...]  # application type of each
    day: date  # the date it was for


async def last_choice(uow: UnitOfWork, account_id: int) -> LastChoice | None:
    """The office and party of the newest attempt, whatever became of it.

    A lapsed hold counts: on a Friday afternoon the applicant whose five minutes ran out, or who was
    beaten to the last places, is the one who most wants to try the same again at once.
    """
    async with uow:
        latest = await uow.bookings.latest_attempt(account_id)
        return None if latest is None else await _choice(uow, latest)


async def choice_of(uow: UnitOfWork, account_id: int, booking_id: int) -> LastChoice:
    """The office and party of one of the account's bookings (one the office cancelled: book them again)."""
    async with uow:
        booking = await uow.bookings.get(booking_id)
        if booking is None or booking.account_id != account_id:
            raise BookingNotFound()
        return await _choice(uow, booking)


async def _choice(uow: UnitOfWork, booking: BookingRecord) -> LastChoice:
    office = await uow.offices.get_by_id(booking.office_id)
    party = await uow.bookings.party(booking.id)
    assert office is not None
    return LastChoice(
        office=office,
        party=tuple(p.applicant_id for p in party),
        kinds=tuple(p.application_type for p in party),
        day=booking.day,
    )


@dataclass(frozen=True, slots=True)
class MoveChoice:
    """What moving a booking starts from: where and when it is now, and who comes (the party stays)."""

    booking_id: int
    code: str
    slot_id: int
    start: time
    end: time
    choice: LastChoice
    anywhere: bool = False  # staff allowed another office


async def move_choice(uow: UnitOfWork, account_id: int, booking_id: int, now: datetime) -> MoveChoice:
    """The booking about to be moved, or the domain error saying why it cannot move (moved once, too late, …)."""
    async with uow:
        booking = await uow.bookings.get(booking_id)
        if booking is None or booking.account_id != account_id:
            raise BookingNotFound()
        booking.check_movable(now)
        choice = await _choice(uow, booking)
    return MoveChoice(
        booking.id, booking.code, booking.slot_id, booking.start, booking.end, choice, booking.move_anywhere
    )


async def booking_record(uow: UnitOfWork, booking_id: int) -> BookingRecord:
    """A booking in whatever state, for a message about it (a closure notice)."""
    async with uow:
        booking = await uow.bookings.get(booking_id)
    if booking is None:
        raise BookingNotFound()
    return booking


async def my_booking(uow: UnitOfWork, account_id: int, booking_id: int, now: datetime) -> BookingSummary:
    for b in await my_bookings(uow, account_id, now):
        if b.booking_id == booking_id:
            return b
    raise BookingNotFound()
