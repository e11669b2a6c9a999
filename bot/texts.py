"""The bot's words for the engine's errors and values: every sentence through gettext, in the user's language."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from babel.dates import format_date, format_datetime, get_day_names

from core.documents.proof import ProofLabels
from core.domain import booking as bk
from core.domain import identity as idn
from core.domain.calendar import ClosureKind, DayInfo, DayState
from core.domain.errors import DomainError
from core.services import accounts


def locale() -> str:
    return str(get_i18n().current_locale)


def long_date(day: date) -> str:
    """'Jumat, 27 November 2026' / 'Friday, 27 November 2026'."""
    return format_date(day, "EEEE, d MMMM y", locale=locale())


def deadline_date(moment: datetime) -> date:
    """The date of a deadline set at an office's local midnight, whatever the office's zone.

    Deadlines fall at 00:00 WIB, WITA or WIT; seen from WIT, the easternmost zone, each of those is still
    the same calendar date (00:00, 01:00 or 02:00), while seen from UTC it is the day before.
    """
    return moment.astimezone(ZoneInfo("Asia/Jayapura")).date()


def month_name(year: int, month: int) -> str:
    return format_date(date(year, month, 1), "LLLL y", locale=locale())


def weekday_initials() -> tuple[str, ...]:
    return _weekday_initials(locale())


@lru_cache(maxsize=8)  # Babel looks its locale data up anew on every call: a calendar row each time
def _weekday_initials(lang: str) -> tuple[str, ...]:
    names = get_day_names("short", locale=lang)
    return tuple(str(names[i])[:2] for i in range(7))


def short_datetime(moment: datetime) -> str:
    """'Jum 27 Nov 14.00' in the moment's own zone (the office's)."""
    return format_datetime(moment, "EEE d MMM HH:mm", tzinfo=moment.tzinfo, locale=locale())


def day_refusal(info: DayInfo, party: int) -> str:
    """Why a date of the calendar cannot be chosen."""
    if info.state is DayState.FULL:
        return _("No arrival time on that date has room for {n} applicant(s) any more.").format(n=party)
    if info.state is DayState.NOT_RELEASED:
        if info.opens_at is not None:
            return _("Quota for that date is not released yet. It opens {when}.").format(
                when=short_datetime(info.opens_at)
            )
        return _("The office has not released quota for that date yet.")
    if info.state is DayState.CLOSED and info.closure is not None:
        if info.closure.kind is ClosureKind.WEEKEND:
            return _("The office does not serve applicants on that day of the week.")
        return _("The office is closed that day: {reason}.").format(reason=info.closure.name)
    if info.state is DayState.FREE:
        return _("New bookings are taken only while the weekly quota window is open.")
    return _("That date cannot be chosen.")


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
        bring_heading=_("Bring with you"),
        bring_all=(_("e-KTP (original)"), _("Family card (Kartu Keluarga, original)")),
        bring_replacement=(_("The old passport, for a replacement"),),
        cancel_until=_("You can cancel until {date}."),
        footer=_(
            "Arrive within your time. Staff turn away applicants who are not on the day's list or whose data "
            "differs from their documents."
        ),
    )


def _positions(positions: tuple[int, ...]) -> str:
    return ", ".join(str(p) for p in positions)


def explain(err: DomainError) -> str:
    """One clear sentence (or two) saying what is wrong and what to do."""
    if isinstance(err, idn.NikNotDigits):
        return _("A NIK has only digits. Character(s) at position {positions} are not digits.").format(
            positions=_positions(err.positions)
        )
    if isinstance(err, idn.NikWrongLength):
        return _("A NIK has 16 digits; you sent {n}. Please check it against your e-KTP.").format(n=err.length)
    if isinstance(err, idn.NikUnknownProvince):
        return _("Digits 1–2 of a NIK are the province code, and {code} is not one. Please check them.").format(
            code=err.province_code
        )
    if isinstance(err, idn.NikRegencyZero):
        return _("Digits 3–4 of a NIK are the regency or city code and cannot be 00. Please check them.")
    if isinstance(err, idn.NikDistrictZero):
        return _("Digits 5–6 of a NIK are the district code and cannot be 00. Please check them.")
    if isinstance(err, idn.NikInvalidBirthDate):
        return _(
            "Digits 7–12 of a NIK are the date of birth as DDMMYY (women add 40 to the day), "
            "and {digits} is not a date. Please check them."
        ).format(digits=err.digits)
    if isinstance(err, idn.NikSerialZero):
        return _("Digits 13–16 of a NIK are a serial number and cannot be 0000. Please check them.")
    if isinstance(err, idn.NikBirthDateMismatch):
        return _(
            "Your NIK encodes the date of birth {encoded}, not {entered}. Records do not always agree: "
            "enter the date as your NIK encodes it and have it corrected at the office, "
            "or contact the office for the manual route."
        ).format(encoded=long_date(err.encoded), entered=long_date(err.entered))
    if isinstance(err, idn.BirthDateInFuture):
        return _("{day} has not come yet. Please send the date of birth again.").format(day=long_date(err.entered))
    if isinstance(err, idn.KkNotDigits):
        return _("A family-card number has only digits. Character(s) at position {positions} are not digits.").format(
            positions=_positions(err.positions)
        )
    if isinstance(err, idn.KkWrongLength):
        return _("A family-card number has 16 digits; you sent {n}.").format(n=err.length)
    if isinstance(err, idn.KkUnknownProvince):
        return _("Digits 1–2 of a family-card number are the province code, and {code} is not one.").format(
            code=err.province_code
        )
    if isinstance(err, idn.KkRegencyZero):
        return _("Digits 3–4 of a family-card number are the regency or city code and cannot be 00.")
    if isinstance(err, accounts.InvalidName):
        return _("Please send the full name exactly as on the e-KTP: letters and spaces, 2 to 100 characters.")
    if isinstance(err, accounts.AlreadyRegistered):
        return _("This Telegram account is already registered.")
    if isinstance(err, accounts.NikOwnsAnotherAccount):
        return _(
            "This NIK already owns another account. One NIK owns one account; "
            "if that account is not yours, please ask for help at the office."
        )
    if isinstance(err, bk.AccountFrozen):
        return _(
            "Your account can book again from {day}. A relative on the same family card with an account of their "
            "own can book and add you as an applicant."
        ).format(day=long_date(deadline_date(err.until)))
    if isinstance(err, bk.NikAlreadyBooked):
        return _(
            "Applicant {position} already stands in another active booking; one person can hold one booking at a time."
        ).format(position=err.position)
    if isinstance(err, bk.HoldExpired):
        return _("The places were held for a few minutes only and have been released. Please choose again.")
    if isinstance(err, bk.BookingWindowClosed):
        return _("New bookings are taken only while the weekly quota window is open.")
    if isinstance(err, bk.SlotFull):
        return _("That time is full now. Please choose another.")
    if isinstance(err, bk.DateNotBookable):
        return _("That date cannot be booked.")
    if isinstance(err, bk.OwnerNotFirst):
        return _("You, the account owner, are always the first applicant.")
    if isinstance(err, bk.PartyTooLarge):
        return _("At most 5 applicants per booking.")
    if isinstance(err, bk.CancellationClosed):
        return _("The last day to cancel was {day}.").format(day=long_date(err.last_day))
    return _("That did not work ({code}). Please try again.").format(code=err.code)
