"""The engine's refusals in the staff's words and as HTTP statuses: one table for the API and the pages."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import status

from core.domain.booking import BookingNotFound, DateNotBookable
from core.domain.errors import DomainError
from core.domain.offices import MAX_SLOT_CAPACITY, InvalidOffice
from core.domain.staff import InvalidStaffAccount, NotAllowed
from core.services.accounts import InvalidName
from core.services.checkin import CheckInRefused, NotInBooking, Problem, ReasonRequired
from core.services.errors import OfficeNotFound, StaffNotFound
from core.services.quota import CapacityBelowTaken, DateHasBookings, NoSuchSlot

Gettext = Callable[[str], str]


def status_of(err: DomainError) -> int:
    if isinstance(err, NotAllowed):
        return status.HTTP_403_FORBIDDEN
    if isinstance(err, OfficeNotFound | BookingNotFound | StaffNotFound):
        return status.HTTP_404_NOT_FOUND
    if isinstance(err, CheckInRefused | DateHasBookings | CapacityBelowTaken) or (
        isinstance(err, InvalidStaffAccount) and err.reason == "taken"
    ):
        return status.HTTP_409_CONFLICT
    return 422  # Unprocessable Content (Starlette renamed its constant)


def problem_text(problem: Problem, _: Gettext) -> str:
    """Why a proof does not let its applicants in, for the officer at the counter."""
    texts = {
        Problem.MALFORMED: _("This is neither a booking code nor the text of a proof's QR code."),
        Problem.FORGED: _("The QR code's signature is not ours: the proof was edited or made elsewhere."),
        Problem.MISMATCH: _("The proof no longer matches the booking: ask for the newest proof."),
        Problem.UNKNOWN: _("No booking has this code."),
        Problem.OTHER_OFFICE: _("This booking is for another office."),
        Problem.NOT_TODAY: _("This booking is not for today."),
        Problem.NOT_CONFIRMED: _("This booking was never confirmed."),
        Problem.CANCELLED: _("This booking was cancelled."),
        Problem.EXPIRED: _("This booking has expired."),
        Problem.USED: _("Everyone on this booking has already checked in."),
    }
    return texts[problem]


def explain(err: DomainError, _: Gettext) -> str:
    """One sentence saying what was refused and, where it helps, what to do instead."""
    if isinstance(err, NotAllowed):
        return _("Your account may not do this, or not at this office.")
    if isinstance(err, OfficeNotFound):
        return _("There is no office with this code.")
    if isinstance(err, BookingNotFound):
        return _("No booking has this code.")
    if isinstance(err, StaffNotFound):
        return _("There is no staff account with this number.")
    if isinstance(err, InvalidOffice):
        if err.field_name == "capacity":
            return _("A slot takes 0 to {n} applicants.").format(n=MAX_SLOT_CAPACITY)
        if err.field_name == "slot":
            return _("A slot ends after it starts.")
    if isinstance(err, DateNotBookable):
        if err.reason == "past":
            return _("{day} is today or already past: only later dates can be changed.").format(day=err.day)
        return _("{day} is closed (a weekend, a holiday or the office's own closure).").format(day=err.day)
    if isinstance(err, CapacityBelowTaken):
        return _("{n} places are already taken: the capacity cannot go below that.").format(n=err.taken)
    if isinstance(err, DateHasBookings):
        return _("{n} places are booked on this date: move or cancel those bookings before closing it.").format(
            n=err.taken
        )
    if isinstance(err, NoSuchSlot):
        return _("The office has no slot starting at {start}.").format(start=f"{err.start:%H:%M}")
    if isinstance(err, InvalidStaffAccount):
        reasons = {
            "username": _("A username has 3 to 64 characters: small letters, digits, dot, dash or underscore."),
            "password": _("A password has at least 10 characters, with no spaces at either end."),
            "offices": _("Office and counter accounts need at least one office."),
            "taken": _("This username is already taken."),
            "self": _("You cannot turn off your own account."),
        }
        return reasons.get(err.reason, _("This staff account cannot be saved."))
    if isinstance(err, CheckInRefused):
        return " ".join(problem_text(p, _) for p in err.problems)
    if isinstance(err, NotInBooking):
        return _("This booking has no applicant number {n}.").format(n=err.position)
    if isinstance(err, ReasonRequired):
        return _("Write the reason for the correction: it is kept in the audit log.")
    if isinstance(err, InvalidName):
        return _("A name has 2 to 100 letters, as printed on the e-KTP.")
    return _("This was refused: {code}.").format(code=err.code)
