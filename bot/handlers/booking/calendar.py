"""Booking, the date: a month of dates with their states, for the party's size."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot import keyboards as kb
from bot import texts
from bot.handlers.booking.shared import (
    Browse,
    Kind,
    WhoComes,
    keep_booking,
    kind_label,
    moving_now,
    office_of,
    people_line,
    switched,
)
from bot.handlers.parts import Screen, message_of
from bot.states import Booking
from core.domain.booking import ApplicationType, format_booking_code
from core.domain.calendar import DayInfo, DayState
from core.domain.draw import Draw, DrawState
from core.domain.offices import Office
from core.runtime import Runtime
from core.services import calendar, fair_opening
from core.services.accounts import AccountView

MARK = {DayState.FREE: "✅", DayState.FULL: "❌", DayState.NOT_RELEASED: "⏳", DayState.CLOSED: "⛔"}


class Month(CallbackData, prefix="month"):
    year: int
    month: int


class Day(CallbackData, prefix="day"):
    yyyymmdd: int


class Noop(CallbackData, prefix="noop"):
    pass


class OtherDates(CallbackData, prefix="dates"):
    """From the times of a date back to the calendar."""


def day_of(code: int) -> date:
    return date(code // 10000, code // 100 % 100, code % 100)


def valid_day(code: int) -> date | None:
    """The date a day button carries; None for data no calendar of ours made."""
    try:
        return day_of(code)
    except ValueError:
        return None


class DrawAsk(CallbackData, prefix="da"):
    """From the calendar to the dates to register for."""

    office_id: int


def at_office(moment: datetime, office: Office) -> str:
    """A moment at the office, as its applicants read it: 'Jum 4 Des 14.00 WIB'."""
    return f"{texts.short_datetime(moment.astimezone(office.zone))} {office.zone_label}"


def draw_line(draw: Draw, office: Office, mine: fair_opening.Registered | None, now: datetime) -> str:
    """The calendar's line about the office's draw: what an applicant can do about it now."""
    if draw.state is DrawState.DRAWN:
        return _(
            "🎟 This office drew its places at {opens}; the families drawn were offered places in the draw's order, "
            "and what was left is open to everyone."
        ).format(opens=at_office(draw.opens_at, office))
    if mine is not None and mine.draw.id == draw.id:
        return _("🎟 You are registered for the draw at {opens}: your token is {token}.").format(
            opens=at_office(draw.opens_at, office), token=mine.entry.token
        )
    if draw.registering(now):
        return _(
            "🎟 This office opens its places by a draw at {opens}, not first come, first served. Register your "
            "family by {closes}: the order is drawn among everyone registered, so there is no need to be fast."
        ).format(opens=at_office(draw.opens_at, office), closes=at_office(draw.closes_at, office))
    return _(
        "🎟 Registrations for the draw at {opens} are closed; the list of {n} registrations is published "
        "(its digest begins {digest})."
    ).format(opens=at_office(draw.opens_at, office), n=(draw.listed or "").count("\n") + 1 if draw.listed else 0,
             digest=(draw.digest or "")[:16])  # fmt: skip


async def draw_part(
    account: AccountView, runtime: Runtime, office: Office | None
) -> tuple[str, list[list[InlineKeyboardButton]]]:
    """The draw's line and button for the calendar of an office with a fair opening; nothing for other offices."""
    if office is None or not office.fair_opening:
        return "", []
    now = runtime.clock.now()
    draw = await fair_opening.current(runtime.reader(), office, now)
    if draw is None:
        return "", []
    mine = await fair_opening.mine(runtime.reader(), account.id, now)
    line = draw_line(draw, office, mine, now)
    registered = mine is not None and mine.draw.id == draw.id
    if not draw.registering(now) or registered:
        return line, []
    assert office.id is not None
    return line, [[kb.tap(_("🎟 Register for the draw"), DrawAsk(office_id=office.id).pack())]]


@lru_cache(maxsize=2048)
def _day_cell(day: date, state: DayState) -> InlineKeyboardButton:
    """A date that is not past: its number, its state's mark, and the tap that picks it (built once each)."""
    return kb.tap(f"{day.day}{MARK[state]}", Day(yyyymmdd=int(day.strftime("%Y%m%d"))).pack())


def calendar_markup(days: tuple[DayInfo, ...], year: int, month: int) -> InlineKeyboardMarkup:
    """The month as a grid of weeks; weeks already gone are left out.

    Every button travels three times per tap (sent, echoed back, and inside the next tap's update) and is
    the biggest cost of a step; on the opening Friday most of the month is past.
    """
    noop = Noop().pack()
    head = [kb.tap(d, noop) for d in texts.weekday_initials()]
    cells = [kb.tap(" ", noop) for _ in range(days[0].day.weekday())]
    live = [False] * len(cells)  # a cell for a date that is not past
    for info in days:
        if info.state is DayState.PAST:
            cells.append(kb.tap("·", noop))
        else:
            cells.append(_day_cell(info.day, info.state))
        live.append(info.state is not DayState.PAST)
    while len(cells) % 7:
        cells.append(kb.tap(" ", noop))
        live.append(False)
    weeks = [week for i, week in enumerate(kb.rows(cells, 7)) if any(live[i * 7 : i * 7 + 7])]
    prev_y, prev_m = (year, month - 1) if month > 1 else (year - 1, 12)
    next_y, next_m = (year, month + 1) if month < 12 else (year + 1, 1)
    nav = [
        kb.tap("◀", Month(year=prev_y, month=prev_m).pack()),
        kb.tap(texts.month_name(year, month), noop),
        kb.tap("▶", Month(year=next_y, month=next_m).pack()),
    ]
    return InlineKeyboardMarkup(inline_keyboard=[nav, head, *(weeks or kb.rows(cells, 7))])


async def calendar_screen(state: FSMContext, account: AccountView, runtime: Runtime, year: int, month: int) -> Screen:
    """The month for the party's size; enters the calendar step at that month."""
    data = await state.get_data()
    party: list[int] = data["party"]
    view = await calendar.month_calendar(
        runtime.reader(),
        data["office_code"],
        year,
        month,
        party=len(party),
        now=runtime.clock.now(),
        office=await office_of(runtime, data["office_id"]),
    )
    opens, closes = view.next_window
    # The step's data before the step: with state in Redis these are two writes, and a worker killed between them
    # leaves the earlier step with data it ignores, never a step without the data it reads.
    await state.update_data(year=year, month=month)
    await state.set_state(Booking.calendar)
    markup = calendar_markup(view.days, year, month)
    if data.get("moving"):  # the party stays, and a move is not bound to the weekly window (see move.py)
        if data.get("moving_anywhere"):  # staff allowed another office: the provinces' offices, as when booking
            markup.inline_keyboard.append([kb.tap(_("🏢 Another office"), Browse().pack())])
        markup.inline_keyboard.append(keep_booking(data))
        text = _(
            "Moving booking {code}\n{office}\n{people}\n{now}\n\nChoose the new date.\n"
            "✅ places free   ❌ full   ⏳ not released yet   ⛔ holiday or closed"
        ).format(
            code=format_booking_code(data["moving_code"]),
            office=data["office_name"],
            people=people_line(account, party, data["kinds"]),
            now=moving_now(data),
        )
        return Screen(text, markup)
    change: list[InlineKeyboardButton] = []
    if len(party) == 1:  # one applicant: switching the type here saves a trip to the party screen
        other = switched(data["kinds"].get(str(party[0]), ApplicationType.NEW))
        change.append(
            InlineKeyboardButton(
                text=_("🔄 Switch to: {kind}").format(kind=kind_label(other)),
                callback_data=Kind(applicant_id=party[0]).pack(),
            )
        )
    change.append(InlineKeyboardButton(text=_("👥 Who comes"), callback_data=WhoComes().pack()))
    draw, register = await draw_part(account, runtime, view.office)
    markup.inline_keyboard.extend(register)
    markup.inline_keyboard.append(change)
    follow = kb.Follow(office_id=data["office_id"]).pack()
    markup.inline_keyboard.append([kb.tap(_("🔔 Tell me when quota opens"), follow)])
    text = _(
        "{office}\n{people}\n\nChoose the date of arrival.\n"
        "✅ places free   ❌ full   ⏳ not released yet   ⛔ holiday or closed\n"
        "New quota opens {opens} and closes {closes} ({zone})."
    ).format(
        office=data["office_name"],
        people=people_line(account, party, data["kinds"]),
        opens=texts.short_datetime(opens),
        closes=texts.short_datetime(closes),
        zone=view.office.zone_label,
    )
    return Screen(f"{text}\n\n{draw}" if draw else text, markup)


async def show(
    message: Message, state: FSMContext, account: AccountView, runtime: Runtime, year: int, month: int
) -> None:
    """The calendar at a month, in place of the message tapped."""
    await (await calendar_screen(state, account, runtime, year, month)).edit(message)


async def show_now(message: Message, state: FSMContext, account: AccountView, runtime: Runtime) -> None:
    """The calendar at the office's current month, in place of the message tapped."""
    today = runtime.clock.now().astimezone(ZoneInfo((await state.get_data())["tz"])).date()
    await show(message, state, account, runtime, today.year, today.month)


async def ask(message: Message, state: FSMContext, account: AccountView | None, runtime: Runtime) -> None:
    """The calendar again as a new message, at the month last shown."""
    data = await state.get_data()
    if account is not None:
        await (await calendar_screen(state, account, runtime, data["year"], data["month"])).send(message)


async def solo_kind(
    query: CallbackQuery, callback_data: Kind, state: FSMContext, account: AccountView | None, runtime: Runtime
) -> None:
    """One applicant switches between a new passport and a replacement, on the calendar."""
    data = await state.get_data()
    if account is None:
        await query.answer()
        return
    if data.get("party") != [callback_data.applicant_id]:  # a calendar shown before who comes changed
        await query.answer(_("Who comes has changed since; here is the calendar for them."), show_alert=True)
        await show(message_of(query), state, account, runtime, data["year"], data["month"])
        return
    await query.answer()
    kinds: dict[str, str] = data["kinds"]
    key = str(callback_data.applicant_id)
    kinds[key] = switched(kinds.get(key, ApplicationType.NEW))
    await state.update_data(kinds=kinds)
    await show(message_of(query), state, account, runtime, data["year"], data["month"])


async def month(
    query: CallbackQuery, callback_data: Month, state: FSMContext, account: AccountView | None, runtime: Runtime
) -> None:
    """Another month."""
    if not 1 <= callback_data.month <= 12 or not 2000 <= callback_data.year <= 9999:
        await query.answer(texts.stale_button(), show_alert=True)  # data no calendar of ours made
        return
    await query.answer()
    if account is not None:
        await show(message_of(query), state, account, runtime, callback_data.year, callback_data.month)


async def other_dates(query: CallbackQuery, state: FSMContext, account: AccountView | None, runtime: Runtime) -> None:
    """From a date's times back to the calendar, at that date's month."""
    await query.answer()
    data = await state.get_data()
    if account is None or "office_code" not in data:
        return
    day = date.fromisoformat(data["day"]) if data.get("day") else None
    year, month_ = (day.year, day.month) if day else (data["year"], data["month"])
    await show(message_of(query), state, account, runtime, year, month_)


async def noop(query: CallbackQuery) -> None:
    """A calendar cell that is no button (a weekday, a past date, the month's name)."""
    await query.answer()


def router() -> Router:
    """A fresh router of this step (a router belongs to one dispatcher)."""
    r = Router(name="booking.calendar")
    r.callback_query.register(solo_kind, StateFilter(Booking.calendar), Kind.filter())
    r.callback_query.register(month, StateFilter(Booking.calendar), Month.filter())
    r.callback_query.register(other_dates, StateFilter(Booking.slot), OtherDates.filter())
    r.callback_query.register(noop, Noop.filter())
    return r
