"""The bot's words for the engine's errors and values: every sentence through gettext, in the user's language."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from babel.dates import format_date, format_datetime

from core.documents import signing
from core.documents.pdf_text import format_day
from core.documents.proof import ProofLabels
from core.domain import booking as bk
from core.domain import draw, faq_entries, helpdesk, offices, staff, waitlist
from core.domain import identity as idn
from core.domain.announcements import TooManySubscriptions
from core.domain.calendar import ClosureKind, DayInfo, DayState
from core.domain.errors import DomainError
from core.domain.requirements import Document
from core.services import accounts, booking, broadcasts, checkin, errors, quota


def locale() -> str:
    return str(get_i18n().current_locale)


def long_date(day: date) -> str:
    """The day as the proofs and the daily list write it, in the user's language."""
    return format_day(day, locale())


def deadline_date(moment: datetime) -> date:
    """The date of a deadline set at an office's local midnight, whatever the office's zone.

    Deadlines fall at 00:00 WIB, WITA or WIT; seen from WIT, the easternmost zone, each of those is still
    the same calendar date (00:00, 01:00 or 02:00), while seen from UTC it is the day before.
    """
    return moment.astimezone(ZoneInfo("Asia/Jayapura")).date()


def month_name(year: int, month: int) -> str:
    return format_date(date(year, month, 1), "LLLL y", locale=locale())


def weekday_initials() -> tuple[str, ...]:
    """Monday to Sunday in two letters, no two alike.

    Written out rather than cut from Babel's short names: "Sen", "Sel" cut to two are both "Se".
    """
    return (_("Mo"), _("Tu"), _("We"), _("Th"), _("Fr"), _("Sa"), _("Su"))


def stale_button() -> str:
    """A button of an old message, when nothing more precise can be said of it."""
    return _("This button is no longer active. Please use the latest message.")


def short_date(day: date) -> str:
    """'Sen 7 Des': a date in a list of dates, or on a button."""
    return format_date(day, "EEE d MMM", locale=locale())


def short_datetime(moment: datetime) -> str:
    """'Jum 27 Nov 14.00' in the moment's own zone (the office's)."""
    return format_datetime(moment, "EEE d MMM HH:mm", tzinfo=moment.tzinfo, locale=locale())


# The refusal the update being answered gave, as the applicant read it (bot/middlewares.py keeps the last one with
# the conversation, for staff to see should the applicant ask a person: "what did the bot tell you?").
REFUSED: ContextVar[dict[str, str] | None] = ContextVar("refused", default=None)


def refused(code: str, sentence: str) -> str:
    """`sentence`, noted as the refusal this update gave."""
    REFUSED.set({"code": code, "text": sentence})
    return sentence


def day_refusal(info: DayInfo, party: int) -> str:
    """Why a date of the calendar cannot be chosen."""
    return refused(f"day_{info.state.value}", _day_refusal(info, party))


def _day_refusal(info: DayInfo, party: int) -> str:
    if info.state is DayState.FULL:
        return _("No arrival time on that date has room for {n} applicant(s) any more.").format(n=party)
    if info.state is DayState.NOT_RELEASED:
        if info.opens_at is not None:
            return _(
                "Quota for that date is not released yet. It opens {when}. Tap 🔔 below the calendar to get a "
                "message when it does."
            ).format(when=short_datetime(info.opens_at))
        return _(
            "The office has not released quota for that date yet. Tap 🔔 below the calendar to get a message when it "
            "does."
        )
    if info.state is DayState.CLOSED and info.closure is not None:
        if info.closure.kind is ClosureKind.WEEKEND:
            return _("The office does not serve applicants on that day of the week.")
        if not info.closure.name:
            return _("The office is closed that day.")
        return _("The office is closed that day: {reason}.").format(reason=info.closure.name)
    if info.state is DayState.FREE:
        return _("New bookings are taken only while the weekly quota window is open.")
    if info.state is DayState.PAST:  # a date of a calendar shown days ago
        return _("That date has passed. Please choose a later one.")
    return _("That date cannot be chosen.")


def document_words() -> dict[Document, str]:
    """Each paper an applicant may have to bring, as the proof and the summary name it."""
    return {
        Document.E_KTP: _("e-KTP"),
        Document.FAMILY_CARD: _("family card (KK)"),
        Document.BIRTH_CERTIFICATE: _("birth certificate (or baptism certificate)"),
        Document.PARENTS_E_KTP: _("both parents' e-KTP"),
        Document.PARENTS_MARRIAGE_CERTIFICATE: _("the parents' marriage certificate"),
        Document.PARENTS_PASSPORTS: _("the parents' passports"),
        Document.OLD_PASSPORT: _("the old passport"),
    }


def parents_come() -> str:
    return _(
        "A child under 17 comes with both parents (or with one, carrying the other's signed consent, or with "
        "the guardian a court named)."
    )


def name_change() -> str:
    return _("Anyone whose name has changed also brings the official decision on the name change.")


def to_bring(people: Iterable[tuple[str, Iterable[Document]]], child: bool) -> str:
    """What to bring, a line per applicant, for a chat message: the same words as the proof."""
    words = document_words()
    lines = [_("Bring with you (originals)") + ":"]
    lines += [
        "• {name}: {papers}".format(name=name, papers=", ".join(words[d] for d in papers)) for name, papers in people
    ]
    if child:
        lines.append("• " + parents_come())
    lines.append("• " + name_change())
    return "\n".join(lines)


def proof_labels() -> ProofLabels:
    return ProofLabels(
        title=_("Passport queue booking proof"),
        booking_code=_("Booking code"),
        office=_("Office"),
        date_time=_("Date and time of arrival"),
        applicants=_("Applicants"),
        name=_("Name"),
        nik=_("NIK"),
        application_type=_("Application"),
        queue=_("Queue no."),
        type_new=_("New passport"),
        type_replacement=_("Replacement"),
        bring_heading=_("Bring with you (originals)"),
        documents=document_words(),
        parents_come=parents_come(),
        name_change=name_change(),
        cancel_until=_("You can cancel until {date}."),
        not_cancellable=_(
            "This booking cannot be cancelled: it was made after the last day to cancel, two days before arrival."
        ),
        footer=_(
            "Arrive within your time. Staff turn away applicants who are not on the day's list or whose data "
            "differs from their documents."
        ),
    )


SHOWN_POSITIONS = 5  # a pasted page of letters is not listed whole: Telegram refuses a message over 4,096 characters
EXCERPT = 40


def excerpt(typed: str, limit: int = EXCERPT) -> str:
    """Typed input as it may be quoted back: on one line, and cut short with an ellipsis."""
    flat = " ".join(typed.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _positions(positions: tuple[int, ...]) -> str:
    shown = ", ".join(str(p) for p in positions[:SHOWN_POSITIONS])
    return shown + ", …" if len(positions) > SHOWN_POSITIONS else shown


@dataclass(frozen=True, slots=True)
class Refusal:
    """The bot's words for one kind of domain error: a sentence (lazily translated) and its values."""

    text: Any  # a lazy gettext proxy: read in the language of the update being answered
    values: Callable[[Any], dict[str, object]] = lambda err: {}

    def say(self, err: DomainError) -> str:
        return str(self.text).format(**self.values(err))


# Errors only the staff desk or the web app meets; should one reach the chat, it still reads as a sentence.
_STAFF_ONLY = Refusal(__("That is done by office staff, not here in the chat."))
_OFFICE_GONE = Refusal(__("This office no longer takes bookings here. Please choose another."))
_SLOT_FULL = Refusal(__("That time is full now. Please choose another."))

# The one table of the bot's refusals: every domain error the engine can raise, in the applicant's words.
REFUSALS: dict[type[DomainError], Refusal] = {
    DomainError: Refusal(__("That cannot be done. Send /menu to start again.")),
    idn.NikError: Refusal(__("That NIK cannot be accepted. Please check it against your e-KTP.")),
    idn.NikNotDigits: Refusal(
        __("A NIK has only digits. Character(s) at position {positions} are not digits."),
        lambda err: {"positions": _positions(err.positions)},
    ),
    idn.NikWrongLength: Refusal(
        __("A NIK has 16 digits; you sent {n}. Please check it against your e-KTP."), lambda err: {"n": err.length}
    ),
    idn.NikUnknownProvince: Refusal(
        __("Digits 1–2 of a NIK are the province code, and {code} is not one. Please check them."),
        lambda err: {"code": err.province_code},
    ),
    idn.NikRegencyZero: Refusal(
        __("Digits 3–4 of a NIK are the regency or city code and cannot be 00. Please check them.")
    ),
    idn.NikDistrictZero: Refusal(__("Digits 5–6 of a NIK are the district code and cannot be 00. Please check them.")),
    idn.NikInvalidBirthDate: Refusal(
        __(
            "Digits 7–12 of a NIK are the date of birth as DDMMYY (women add 40 to the day), "
            "and {digits} is not a date. Please check them."
        ),
        lambda err: {"digits": err.digits},
    ),
    idn.NikSerialZero: Refusal(__("Digits 13–16 of a NIK are a serial number and cannot be 0000. Please check them.")),
    idn.NikBirthDateMismatch: Refusal(
        __(
            "Your NIK encodes the date of birth {encoded}, not {entered}. Records do not always agree: "
            "enter the date as your NIK encodes it and have it corrected at the office, "
            "or contact the office for the manual route."
        ),
        lambda err: {"encoded": long_date(err.encoded), "entered": long_date(err.entered)},
    ),
    idn.BirthDateInFuture: Refusal(
        __("{day} has not come yet. Please send the date of birth again."),
        lambda err: {"day": long_date(err.entered)},
    ),
    idn.KkError: Refusal(__("That family-card number cannot be accepted. Please check it against your family card.")),
    idn.KkNotDigits: Refusal(
        __("A family-card number has only digits. Character(s) at position {positions} are not digits."),
        lambda err: {"positions": _positions(err.positions)},
    ),
    idn.KkWrongLength: Refusal(__("A family-card number has 16 digits; you sent {n}."), lambda err: {"n": err.length}),
    idn.KkUnknownProvince: Refusal(
        __("Digits 1–2 of a family-card number are the province code, and {code} is not one."),
        lambda err: {"code": err.province_code},
    ),
    idn.KkRegencyZero: Refusal(__("Digits 3–4 of a family-card number are the regency or city code and cannot be 00.")),
    accounts.InvalidName: Refusal(
        __("Please send the full name exactly as on the e-KTP: letters and spaces, 2 to 100 characters.")
    ),
    accounts.AlreadyRegistered: Refusal(__("This Telegram account is already registered.")),
    accounts.NikOwnsAnotherAccount: Refusal(
        __(
            "This NIK already owns another Antrean account, and one NIK can own only one. Book from the "
            "Telegram account it was registered with; or a relative on the same family card who has an "
            "account of their own can add you as one of their applicants. If that account is not yours, "
            "please ask for help at the office."
        )
    ),
    accounts.ApplicantAlreadySaved: Refusal(
        __("This person is already saved on your account; you can choose them when you book.")
    ),
    accounts.NotAFamilyMember: Refusal(__("That person is not a family member saved on your account.")),
    accounts.MemberBookedAhead: Refusal(
        __(
            "They are in your booking on {day}, and the office's list names them until then. Cancel that booking "
            "first, or remove them after that day."
        ),
        lambda err: {"day": long_date(err.day)},
    ),
    accounts.TooManyApplicants: Refusal(
        __(
            "One account can keep at most {n} people. A relative on the same family card with an account of "
            "their own can book the others."
        ),
        lambda err: {"n": accounts.MAX_SAVED_APPLICANTS},
    ),
    TooManySubscriptions: Refusal(
        __("You follow {n} offices already, the most there can be. Stop one first (🔕) to follow another."),
        lambda err: {"n": TooManySubscriptions.LIMIT},
    ),
    errors.AccountNotFound: Refusal(__("Your account was not found. Send /start to register.")),
    errors.OfficeNotFound: _OFFICE_GONE,
    offices.InvalidOffice: _OFFICE_GONE,
    errors.SlotNotFound: Refusal(__("That arrival time is no longer offered. Please choose another.")),
    errors.StaffNotFound: _STAFF_ONLY,
    bk.PartyEmpty: Refusal(__("You, the account owner, always come: a booking has at least one applicant.")),
    bk.PartyTooLarge: Refusal(__("At most {n} applicants per booking."), lambda err: {"n": err.maximum}),
    bk.OwnerNotFirst: Refusal(__("You, the account owner, are always the first applicant.")),
    bk.DuplicateApplicant: Refusal(
        __("Applicant {position} is listed twice; each person comes once."), lambda err: {"position": err.position}
    ),
    booking.ApplicantNotOnAccount: Refusal(
        __("Someone in this booking is no longer saved on your account. Please choose who comes again.")
    ),
    bk.AccountFrozen: Refusal(
        __(
            "Your account can book again from {day}. A relative on the same family card with an account of their "
            "own can book and add you as an applicant."
        ),
        lambda err: {"day": long_date(deadline_date(err.until))},
    ),
    bk.NikAlreadyBooked: Refusal(
        __("Applicant {position} already stands in another active booking; one person can hold one booking at a time."),
        lambda err: {"position": err.position},
    ),
    bk.HoldExpired: Refusal(
        __("The places were held for a few minutes only and have been released. Please choose again.")
    ),
    bk.BookingWindowClosed: Refusal(__("New bookings are taken only while the weekly quota window is open.")),
    bk.SlotFull: _SLOT_FULL,
    booking.SlotFullWithChoices: _SLOT_FULL,
    bk.DateNotBookable: Refusal(__("That date cannot be booked. Please choose another.")),
    bk.BookingNotFound: Refusal(__("That booking is not on your account. Open My bookings to see the ones you have.")),
    bk.CancellationClosed: Refusal(
        __("The last day to cancel was {day}."), lambda err: {"day": long_date(err.last_day)}
    ),
    bk.NotCancellable: Refusal(
        __("This booking can no longer be cancelled: it was cancelled already or never confirmed.")
    ),
    bk.MoveClosed: Refusal(
        __("This booking can no longer be moved: moving closes with cancelling, and the last day was {day}."),
        lambda err: {"day": long_date(err.last_day)},
    ),
    bk.AlreadyMoved: Refusal(__("This booking was moved once already, and a booking moves only once.")),
    bk.NotMovable: Refusal(
        __("Only a confirmed booking can be moved: this one was moved already, cancelled, or never confirmed.")
    ),
    waitlist.AlreadyWaiting: Refusal(
        __("You are on a waiting list already. To wait elsewhere, leave it first in My bookings.")
    ),
    waitlist.WaitRangeInvalid: Refusal(__("Those dates cannot be waited for. Please choose a date on the calendar.")),
    waitlist.NotWaiting: Refusal(__("This offer is no longer open: it was answered, or its time ran out.")),
    draw.RegistrationClosed: Refusal(
        __("Registrations for this office's draw are closed. What the draw leaves opens to everyone after it.")
    ),
    draw.AlreadyRegistered: Refusal(
        __("You are registered for this draw already: one registration per account. See it in My bookings.")
    ),
    draw.NikAlreadyRegistered: Refusal(
        __("Applicant {position} is in another family's registration for this draw already; each person is in one."),
        lambda err: {"position": err.position},
    ),
    draw.NoDraw: _STAFF_ONLY,
    draw.RegisteredElsewhere: Refusal(
        __(
            "You are registered for a draw still to come. A family waits in one place at a time: after the draw "
            "you can wait or register elsewhere."
        )
    ),
    draw.DatesNotInDraw: Refusal(__("Those dates are not drawn at this opening. Please choose again.")),
    bk.SameTime: Refusal(__("Your booking is at that date and time already. Please choose another.")),
    bk.OtherOffice: Refusal(__("A booking moves within its own office. Please choose a date on this calendar.")),
    staff.NotAllowed: _STAFF_ONLY,
    staff.InvalidStaffAccount: _STAFF_ONLY,
    signing.InvalidProof: Refusal(__("That is not a proof Antrean issued.")),
    checkin.CheckInRefused: _STAFF_ONLY,
    checkin.NotInBooking: _STAFF_ONLY,
    checkin.ReasonRequired: _STAFF_ONLY,
    quota.CapacityBelowTaken: _STAFF_ONLY,
    quota.DateHasBookings: _STAFF_ONLY,
    quota.ClosureNeedsReason: _STAFF_ONLY,
    quota.NoSuchSlot: _STAFF_ONLY,
    broadcasts.BroadcastText: _STAFF_ONLY,
    broadcasts.BroadcastNeedsDay: _STAFF_ONLY,
    broadcasts.NoSuchBroadcast: _STAFF_ONLY,
    helpdesk.TicketNotFound: _STAFF_ONLY,
    helpdesk.NoBookingToMove: _STAFF_ONLY,
    helpdesk.TicketClosed: _STAFF_ONLY,
    helpdesk.AnotherTicketOpen: _STAFF_ONLY,
    helpdesk.AnswerTooLong: _STAFF_ONLY,
    helpdesk.WroteMeanwhile: _STAFF_ONLY,
    faq_entries.FaqEntryNotFound: _STAFF_ONLY,
    faq_entries.FaqEntryIncomplete: _STAFF_ONLY,
    faq_entries.FaqEntryTooLong: _STAFF_ONLY,
    helpdesk.EmptyMessage: Refusal(__("There is nothing in that message to send. Please write your question.")),
}


def refusal_for(kind: type[DomainError]) -> Refusal:
    """The table's entry for an error type, or for its nearest listed ancestor."""
    for cls in kind.__mro__:
        if cls in REFUSALS:
            return REFUSALS[cls]
    raise TypeError(f"{kind.__name__} is not a domain error")


def explain(err: DomainError) -> str:
    """One clear sentence (or two) saying what is wrong and what to do."""
    return refused(err.code, refusal_for(type(err)).say(err))
