"""What the booking steps share: the office kept with the conversation, application types, the people line."""

from __future__ import annotations

from datetime import date
from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton
from aiogram.utils.i18n import gettext as _

from bot import keyboards as kb
from bot import texts
from core.domain.booking import ApplicationType
from core.domain.offices import Office
from core.runtime import Runtime
from core.services.accounts import AccountView


class Kind(CallbackData, prefix="kind"):
    """Switch one applicant between a new passport and a replacement (on the party step, or the calendar)."""

    applicant_id: int


class WhoComes(CallbackData, prefix="who"):
    """From the calendar back to who comes."""


class Browse(CallbackData, prefix="browse"):
    """The provinces with offices, to choose an office from (bot/handlers/booking/office.py)."""


class KeepBooking(CallbackData, prefix="mvk"):
    """Moving a booking: leave it as it is, and back to its details."""

    booking_id: int


def moving_now(data: dict[str, Any]) -> str:
    """The date and time of the booking being moved, as they stand before the move (and its office, once another
    office's calendar is shown: a move staff allowed to go elsewhere)."""
    values = {
        "day": texts.long_date(date.fromisoformat(data["moving_day"])),
        "start": data["moving_start"],
        "end": data["moving_end"],
        "zone": data.get("moving_zone") or data["zone"],
    }
    if data.get("moving_office_id", data["office_id"]) != data["office_id"]:
        return _("Now: {office}, {day}, {start}–{end} {zone}").format(office=data["moving_office"], **values)
    return _("Now: {day}, {start}–{end} {zone}").format(**values)


def keep_booking(data: dict[str, Any]) -> list[InlineKeyboardButton]:
    """The row that ends a move without moving: back to the booking as it is."""
    return [kb.tap(_("◀ Keep my booking as it is"), KeepBooking(booking_id=data["moving"]).pack())]


async def office_of(runtime: Runtime, office_id: int) -> Office | None:
    return await runtime.directory.by_id(office_id)


def office_data(office: Office) -> dict[str, Any]:
    """What the later steps show of the office, kept with the conversation rather than read again."""
    return {
        "office_id": office.id,
        "office_code": office.code,
        "office_name": office.name,
        "office_address": office.address,
        "zone": office.zone_label,
        "tz": office.timezone,
    }


def kind_label(kind: str) -> str:
    return _("new passport") if kind == ApplicationType.NEW else _("replacement")


def switched(kind: str) -> str:
    """The other application type."""
    return ApplicationType.REPLACEMENT if kind == ApplicationType.NEW else ApplicationType.NEW


def owner_id(account: AccountView) -> int:
    """The account owner's applicant id: always the first applicant of a booking."""
    return next(a.id for a in account.applicants if a.is_owner)


def people_line(account: AccountView, party: list[int], kinds: dict[str, str]) -> str:
    names = {a.id: a.full_name for a in account.applicants}
    return ", ".join(f"{names.get(a, '?')} ({kind_label(kinds.get(str(a), ApplicationType.NEW))})" for a in party)
