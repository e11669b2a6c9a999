"""The engine's refusals as the web says them: one table, error -> HTTP status and sentence, for the API and pages.

A sentence is written here in English (the msgid) and in Indonesian in locales/id; tests/web/test_errors.py checks
that every refusal the staff use cases can raise has an entry, and every entry an Indonesian sentence of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import status

from core.domain.booking import BookingNotFound, DateNotBookable
from core.domain.draw import NoDraw
from core.domain.errors import DomainError
from core.domain.faq_entries import FaqEntryIncomplete, FaqEntryNotFound, FaqEntryTooLong
from core.domain.helpdesk import MAX_TEXT as ANSWER_MAX
from core.domain.helpdesk import (
    AnotherTicketOpen,
    AnswerTooLong,
    EmptyMessage,
    NoBookingToMove,
    TicketClosed,
    TicketNotFound,
    WroteMeanwhile,
)
from core.domain.offices import MAX_SLOT_CAPACITY, InvalidOffice
from core.domain.staff import InvalidStaffAccount, NotAllowed
from core.services.accounts import InvalidName
from core.services.broadcasts import MAX_TEXT, BroadcastNeedsDay, BroadcastText, NoSuchBroadcast
from core.services.checkin import CheckInRefused, NotInBooking, Problem, ReasonRequired
from core.services.errors import OfficeNotFound, StaffNotFound
from core.services.quota import CapacityBelowTaken, ClosureNeedsReason, DateHasBookings, NoSuchSlot

Gettext = Callable[[str], str]
UNPROCESSABLE = 422  # Unprocessable Content (Starlette renamed its constant)


def N_(text: str) -> str:
    """gettext's mark for a text to extract now and translate when shown."""
    return text


def _no_values(err: Any) -> Mapping[str, object]:
    return {}


@dataclass(frozen=True, slots=True)
class Refusal:
    """How the web says no: an HTTP status, and a sentence whose {names} are filled from the error."""

    status: int
    sentence: str  # English, the catalogs' msgid
    values: Callable[[Any], Mapping[str, object]] = field(default=_no_values)

    def say(self, err: DomainError, _: Gettext) -> str:
        return _(self.sentence).format(**self.values(err))


def _language_name(code: str) -> str:
    # Each language by its own name, as the language menus show it.
    return {"id": "Bahasa Indonesia", "en": "English"}.get(code, code)


def _variants(err: DomainError) -> tuple[str | None, ...]:
    """Which of a type's sentences fit this error: its reason, its field, or (at the counter) each problem."""
    if isinstance(err, CheckInRefused):
        return tuple(p.value for p in err.problems)
    if isinstance(err, InvalidOffice):
        return (err.field_name,)
    if isinstance(err, DateNotBookable | InvalidStaffAccount):
        return (err.reason,)
    if isinstance(err, BroadcastText):
        return (err.problem,)
    if isinstance(err, FaqEntryIncomplete | FaqEntryTooLong):
        return (err.part,)
    return (None,)


_CONFLICT = status.HTTP_409_CONFLICT

# (error type, variant) -> refusal; variant None is the type's sentence when no variant has its own.
REFUSALS: dict[tuple[type[DomainError], str | None], Refusal] = {
    (NotAllowed, None): Refusal(status.HTTP_403_FORBIDDEN, N_("Your account may not do this, or not at this office.")),
    (OfficeNotFound, None): Refusal(status.HTTP_404_NOT_FOUND, N_("There is no office with this code.")),
    (BookingNotFound, None): Refusal(status.HTTP_404_NOT_FOUND, N_("No booking has this code.")),
    (StaffNotFound, None): Refusal(status.HTTP_404_NOT_FOUND, N_("There is no staff account with this number.")),
    (NoBookingToMove, None): Refusal(
        _CONFLICT,
        N_("That booking can no longer move: it moved once already, is not confirmed, or its last day to move passed."),
    ),
    (NoDraw, None): Refusal(status.HTTP_404_NOT_FOUND, N_("This office has not opened by draw yet.")),
    # Quota
    (InvalidOffice, "capacity"): Refusal(
        UNPROCESSABLE, N_("A slot takes 0 to {n} applicants."), lambda err: {"n": MAX_SLOT_CAPACITY}
    ),
    (InvalidOffice, "slot"): Refusal(UNPROCESSABLE, N_("A slot ends after it starts.")),
    (InvalidOffice, "slots"): Refusal(UNPROCESSABLE, N_("Two slots start at the same time: give each its own start.")),
    (InvalidOffice, "slot_overlap"): Refusal(
        UNPROCESSABLE,
        N_("Two slots overlap ({slots}): each must end before or when the next one starts."),
        lambda err: {"slots": err.value},
    ),
    # The other fields (code, name, time zone, working days) are set by the offices file, not on the web.
    (InvalidOffice, None): Refusal(
        UNPROCESSABLE, N_("The office's data is not valid ({field})."), lambda err: {"field": err.field_name}
    ),
    (DateNotBookable, "past"): Refusal(
        UNPROCESSABLE,
        N_("{day} is today or already past: only later dates can be changed."),
        lambda err: {"day": err.day},
    ),
    (DateNotBookable, None): Refusal(
        UNPROCESSABLE,
        N_("{day} is closed (a weekend, a holiday or the office's own closure)."),
        lambda err: {"day": err.day},
    ),
    (CapacityBelowTaken, None): Refusal(
        _CONFLICT,
        N_("{n} places are already taken: the capacity cannot go below that."),
        lambda err: {"n": err.taken},
    ),
    (DateHasBookings, None): Refusal(
        _CONFLICT,
        N_(
            "{n} places are booked on this date. To close it, confirm that their bookings are cancelled: each owner "
            "is told your reason in the chat."
        ),
        lambda err: {"n": err.taken},
    ),
    (BroadcastText, "empty"): Refusal(
        UNPROCESSABLE, N_("Write the message in Indonesian: every applicant can read it.")
    ),
    (BroadcastText, "too_long"): Refusal(
        UNPROCESSABLE, N_("The message is too long: at most {n} characters."), lambda err: {"n": MAX_TEXT}
    ),
    (BroadcastNeedsDay, None): Refusal(UNPROCESSABLE, N_("Choose the date whose booked applicants get the message.")),
    (NoSuchBroadcast, None): Refusal(status.HTTP_404_NOT_FOUND, N_("There is no such announcement.")),
    (TicketNotFound, None): Refusal(status.HTTP_404_NOT_FOUND, N_("There is no such ticket.")),
    (TicketClosed, None): Refusal(
        _CONFLICT, N_("This ticket is closed: the applicant was told it is done. Reopen it to answer again.")
    ),
    (EmptyMessage, None): Refusal(UNPROCESSABLE, N_("Write the answer first.")),
    (WroteMeanwhile, None): Refusal(
        _CONFLICT, N_("The applicant wrote again meanwhile: read their new message below, then answer or close.")
    ),
    (AnswerTooLong, None): Refusal(
        UNPROCESSABLE,
        N_("The answer is too long for one message: at most {n} characters."),
        lambda err: {"n": ANSWER_MAX},
    ),
    (AnotherTicketOpen, None): Refusal(
        _CONFLICT,
        N_("The applicant has a newer ticket going, #{ticket}: continue there."),
        lambda err: {"ticket": err.ticket_id},
    ),
    (FaqEntryNotFound, None): Refusal(status.HTTP_404_NOT_FOUND, N_("There is no such FAQ entry.")),
    (FaqEntryIncomplete, "question"): Refusal(
        UNPROCESSABLE,
        N_("Write the question in {language} too: applicants who read that language see only it."),
        lambda err: {"language": _language_name(err.language)},
    ),
    (FaqEntryIncomplete, "answer"): Refusal(
        UNPROCESSABLE,
        N_("Write the answer in {language} too: applicants who read that language see only it."),
        lambda err: {"language": _language_name(err.language)},
    ),
    (FaqEntryTooLong, "question"): Refusal(
        UNPROCESSABLE,
        N_("The question in {language} is too long for a button: at most {n} characters."),
        lambda err: {"language": _language_name(err.language), "n": err.limit},
    ),
    (FaqEntryTooLong, "answer"): Refusal(
        UNPROCESSABLE,
        N_("The answer in {language} is too long for one message: at most {n} characters."),
        lambda err: {"language": _language_name(err.language), "n": err.limit},
    ),
    (FaqEntryTooLong, "asked"): Refusal(
        UNPROCESSABLE,
        N_("The other ways of asking are too long together: at most {n} characters."),
        lambda err: {"n": err.limit},
    ),
    (ClosureNeedsReason, None): Refusal(
        UNPROCESSABLE, N_("Give a reason: the applicants whose bookings are cancelled are told it.")
    ),
    (NoSuchSlot, None): Refusal(
        UNPROCESSABLE, N_("The office has no slot starting at {start}."), lambda err: {"start": f"{err.start:%H:%M}"}
    ),
    # Staff accounts
    (InvalidStaffAccount, "username"): Refusal(
        UNPROCESSABLE, N_("A username has 3 to 64 characters: small letters, digits, dot, dash or underscore.")
    ),
    (InvalidStaffAccount, "password"): Refusal(
        UNPROCESSABLE, N_("A password has at least 10 characters, with no spaces at either end.")
    ),
    (InvalidStaffAccount, "password_repeats"): Refusal(
        UNPROCESSABLE, N_("This password repeats a character or a short group of them (aaaa, abab): easy to guess.")
    ),
    (InvalidStaffAccount, "password_name"): Refusal(
        UNPROCESSABLE, N_("This password contains the username: it is among the first guesses.")
    ),
    (InvalidStaffAccount, "password_pattern"): Refusal(
        UNPROCESSABLE, N_("This password is a run such as 12345 or abcde, or a row of the keyboard: easy to guess.")
    ),
    (InvalidStaffAccount, "password_common"): Refusal(
        UNPROCESSABLE, N_("This password is a word people often choose: it is among the first guesses.")
    ),
    (InvalidStaffAccount, "password_guessable"): Refusal(
        UNPROCESSABLE,
        N_(
            "This password could be guessed quickly. Make it longer: three or four unrelated words "
            "with a digit or a sign between them are easy to remember and hard to guess."
        ),
    ),
    (InvalidStaffAccount, "offices"): Refusal(
        UNPROCESSABLE, N_("Office and counter accounts need at least one office.")
    ),
    (InvalidStaffAccount, "taken"): Refusal(_CONFLICT, N_("This username is already taken.")),
    (InvalidStaffAccount, "self"): Refusal(UNPROCESSABLE, N_("You cannot turn off your own account.")),
    (InvalidStaffAccount, None): Refusal(UNPROCESSABLE, N_("This staff account cannot be saved.")),
    # At the counter: a proof refused says each of its problems.
    (CheckInRefused, Problem.MALFORMED): Refusal(
        _CONFLICT, N_("This is neither a booking code nor the text of a proof's QR code.")
    ),
    (CheckInRefused, Problem.FORGED): Refusal(
        _CONFLICT, N_("The QR code's signature is not ours: the proof was edited or made elsewhere.")
    ),
    (CheckInRefused, Problem.MISMATCH): Refusal(
        _CONFLICT, N_("The proof no longer matches the booking: ask for the newest proof.")
    ),
    (CheckInRefused, Problem.UNKNOWN): Refusal(_CONFLICT, N_("No booking has this code.")),
    (CheckInRefused, Problem.OTHER_OFFICE): Refusal(_CONFLICT, N_("This booking is for another office.")),
    (CheckInRefused, Problem.NOT_TODAY): Refusal(_CONFLICT, N_("This booking is not for today.")),
    (CheckInRefused, Problem.NOT_CONFIRMED): Refusal(_CONFLICT, N_("This booking was never confirmed.")),
    (CheckInRefused, Problem.CANCELLED): Refusal(_CONFLICT, N_("This booking was cancelled.")),
    (CheckInRefused, Problem.MOVED): Refusal(
        _CONFLICT,
        N_("The applicant moved this booking to another date or time: ask for the new proof, which has a new code."),
    ),
    (CheckInRefused, Problem.EXPIRED): Refusal(_CONFLICT, N_("This booking has expired.")),
    (CheckInRefused, Problem.USED): Refusal(_CONFLICT, N_("Everyone on this booking has already checked in.")),
    (NotInBooking, None): Refusal(
        UNPROCESSABLE, N_("This booking has no applicant number {n}."), lambda err: {"n": err.position}
    ),
    (ReasonRequired, None): Refusal(
        UNPROCESSABLE, N_("Write the reason for the correction: it is kept in the audit log.")
    ),
    (InvalidName, None): Refusal(UNPROCESSABLE, N_("A name has 2 to 100 letters, as printed on the e-KTP.")),
}

# For an error that reached the web without an entry (the test above keeps this from happening).
FALLBACK = Refusal(UNPROCESSABLE, N_("This was refused: {code}."), lambda err: {"code": err.code})


def _refusals(err: DomainError) -> list[Refusal]:
    """The entries for this error, one per variant; the nearest type in its ancestry that has one."""
    for kind in type(err).__mro__:
        if not issubclass(kind, DomainError):
            continue
        found = [REFUSALS.get((kind, v)) or REFUSALS.get((kind, None)) for v in _variants(err)]
        if all(found):
            return [r for r in found if r is not None]
    return [FALLBACK]


def status_of(err: DomainError) -> int:
    return _refusals(err)[0].status


def explain(err: DomainError, _: Gettext) -> str:
    """One sentence saying what was refused and, where it helps, what to do instead."""
    return " ".join(r.say(err, _) for r in _refusals(err))


def problem_text(problem: Problem, _: Gettext) -> str:
    """Why a proof does not let its applicants in, for the officer at the counter."""
    return _(REFUSALS[(CheckInRefused, problem)].sentence)
