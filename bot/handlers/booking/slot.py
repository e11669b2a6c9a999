"""Booking, the arrival time: the date's times with room for the party; a tap holds the places."""

from __future__ import annotations

from datetime import date

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot import keyboards as kb
from bot import texts
from bot.handlers.booking import calendar, confirm, wait
from bot.handlers.booking.shared import office_of
from bot.handlers.parts import Screen, message_of
from bot.states import Booking
from core.domain.booking import ApplicationType
from core.domain.calendar import DayInfo, DayState
from core.domain.errors import DomainError
from core.runtime import Runtime
from core.services import calendar as calendars
from core.services.accounts import AccountView
from core.services.booking import SlotFullWithChoices


class SlotPick(CallbackData, prefix="slot"):
    slot_id: int


async def day_info(state: FSMContext, runtime: Runtime, day: date) -> DayInfo:
    """The date for the conversation's office and party."""
    data = await state.get_data()
    office = await office_of(runtime, data["office_id"])
    now = runtime.clock.now()
    return await calendars.day_view(
        runtime.reader(), data["office_code"], day, party=len(data["party"]), now=now, office=office
    )


async def slots_screen(
    state: FSMContext, runtime: Runtime, day: date, note: str = "", info: DayInfo | None = None
) -> Screen | None:
    """The date's times with room for the party, entering the slot step; None when none is left.

    `info`: the date, if just read.
    """
    data = await state.get_data()
    party = len(data["party"])
    info = info or await day_info(state, runtime, day)
    now = runtime.clock.now()
    if data.get("moving"):  # any released time with room but the booking's own (see move.py)
        free = [s for s in info.free_slots(party) if s.released(now) and s.slot_id != data["moving_slot"]]
    else:
        free = [s for s in info.free_slots(party) if s.open_at(now)]
    if not free:
        return None
    buttons = [
        [
            kb.tap(
                _("{start}–{end} · {n} left").format(start=f"{s.start:%H:%M}", end=f"{s.end:%H:%M}", n=s.remaining),
                SlotPick(slot_id=s.slot_id).pack(),
            )
        ]
        for s in free
    ]
    buttons.append([kb.tap(_("◀ Other dates"), calendar.OtherDates().pack())])
    await state.update_data(day=day.isoformat())  # the step's data before the step (see calendar_screen)
    await state.set_state(Booking.slot)
    # Every time shown carries its zone: an applicant in Bali booking an office in Jakarta reads WIB, not WITA.
    zone = (await state.get_data())["zone"]
    text = _("{day}: choose your arrival time ({zone}).").format(day=texts.long_date(day), zone=zone)
    return Screen((note + "\n\n" + text) if note else text, InlineKeyboardMarkup(inline_keyboard=buttons))


async def show(
    message: Message, state: FSMContext, account: AccountView, runtime: Runtime, day: date, note: str = ""
) -> None:
    """The date's times in place of the message tapped; the calendar at that month when none is left."""
    screen = await slots_screen(state, runtime, day, note)
    if screen is None:
        await calendar.show(message, state, account, runtime, day.year, day.month)
        return
    await screen.edit(message)


async def ask(message: Message, state: FSMContext, account: AccountView | None, runtime: Runtime) -> None:
    """The date's times again as a new message; the calendar when none is left."""
    screen = await slots_screen(state, runtime, date.fromisoformat((await state.get_data())["day"]))
    if screen is None:
        await calendar.ask(message, state, account, runtime)
        return
    await screen.send(message)


async def release_held(state: FSMContext, account: AccountView | None, runtime: Runtime) -> None:
    """Lets go of places held on the summary step at once, so they return to others now."""
    data = await state.get_data()
    if account is not None and data.get("booking_id") and await state.get_state() == Booking.summary.state:
        await runtime.desk.release_hold(account.id, data["booking_id"])
        await state.update_data(booking_id=None)


async def day(
    query: CallbackQuery, callback_data: calendar.Day, state: FSMContext, account: AccountView | None, runtime: Runtime
) -> None:
    """A date of the calendar: its free times, or why it cannot be chosen."""
    chosen = calendar.valid_day(callback_data.yyyymmdd)
    if chosen is None:
        await query.answer(texts.stale_button(), show_alert=True)
        return
    info = await day_info(state, runtime, chosen)
    moving = bool((await state.get_data()).get("moving"))  # a move is not bound to the weekly window
    if info.state is DayState.FULL and not moving and await wait.may_wait(state, runtime, chosen):
        await query.answer()  # full for this party: the waiting list, in the calendar's place
        await wait.offer_to_wait(message_of(query), state, runtime, chosen)
        return
    if not (info.state is DayState.FREE and (info.open_now or moving)):
        await query.answer(texts.day_refusal(info, len((await state.get_data())["party"])), show_alert=True)
        if info.state is DayState.PAST and account is not None:  # the calendar is old: today's, in its place
            await calendar.show_now(message_of(query), state, account, runtime)
        return
    await query.answer()
    screen = await slots_screen(state, runtime, chosen, info=info)
    if screen is not None:
        await screen.edit(message_of(query))
    elif account is not None:
        await calendar.show(message_of(query), state, account, runtime, chosen.year, chosen.month)


async def slot(
    query: CallbackQuery, callback_data: SlotPick, state: FSMContext, account: AccountView | None, runtime: Runtime
) -> None:
    """Holds the places for a few minutes and shows what confirming means, before the tap."""
    if account is None:
        await query.answer()
        return
    data = await state.get_data()
    party: list[int] = data["party"]
    kinds = [data["kinds"].get(str(a), ApplicationType.NEW) for a in party]
    message = message_of(query)
    key = f"{message.chat.id}:{message.message_id}:{callback_data.slot_id}:{','.join(map(str, party))}"
    try:
        hold = await runtime.desk.hold(account.id, callback_data.slot_id, party, kinds, key[:64])
    except SlotFullWithChoices as err:
        day_ = date.fromisoformat(data["day"])
        note = _("Those places were just taken by someone else.")
        screen = await slots_screen(state, runtime, day_, note) if err.alternatives else None
        if screen is not None:
            await query.answer()
            await screen.edit(message)
        else:
            await query.answer(note, show_alert=True)
            await calendar.show(message, state, account, runtime, day_.year, day_.month)
        return
    except DomainError as err:
        await query.answer(texts.explain(err), show_alert=True)
        return
    await query.answer()
    await confirm.show(message, state, account, hold, runtime.clock.now())


async def other_times(query: CallbackQuery, state: FSMContext, account: AccountView | None, runtime: Runtime) -> None:
    """From the summary (or a move's question) back to the date's times; a hold is let go at once."""
    await query.answer()
    await release_held(state, account, runtime)
    data = await state.get_data()
    if account is None or "office_code" not in data:
        return
    await show(message_of(query), state, account, runtime, date.fromisoformat(data["day"]))


def router() -> Router:
    """A fresh router of this step (a router belongs to one dispatcher)."""
    r = Router(name="booking.slot")
    r.callback_query.register(day, StateFilter(Booking.calendar), calendar.Day.filter())
    r.callback_query.register(slot, StateFilter(Booking.slot), SlotPick.filter())
    r.callback_query.register(other_times, StateFilter(Booking.summary, Booking.move), confirm.OtherTimes.filter())
    return r
