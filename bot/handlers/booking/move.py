"""Moving a booking: the calendar and times of its office, what moving means, and the move.

The calendar and the times are the booking's own steps, told by `moving` in the conversation's data that the party
is the booking's and stays. A move books nothing new, so it is not bound to the weekly window: any released date
with room will do, until the last day to cancel.
"""

from __future__ import annotations

from datetime import date, time
from typing import Any

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot import keyboards as kb
from bot import texts
from bot.handlers.booking import calendar, slot
from bot.handlers.booking.confirm import OtherTimes
from bot.handlers.booking.shared import keep_booking, moving_now, office_data, office_of
from bot.handlers.parts import Screen, forget, message_of, on_tap
from bot.states import Booking
from core.domain.booking import cancel_deadline, format_booking_code, frozen_until, last_cancel_day
from core.domain.errors import DomainError
from core.runtime import Runtime
from core.services.accounts import AccountView
from core.services.booking import SlotFullWithChoices
from core.services.my_bookings import MoveChoice, move_choice


class MoveTo(CallbackData, prefix="mv"):
    """Yes, move the booking to this slot."""

    booking_id: int
    slot_id: int


def moving_data(found: MoveChoice) -> dict[str, Any]:
    """What the calendar, the times and the question show of the booking being moved."""
    c = found.choice
    return {
        **office_data(c.office),
        "party": list(c.party),
        "kinds": {str(a): k.value for a, k in zip(c.party, c.kinds, strict=True)},
        "moving": found.booking_id,
        "moving_code": found.code,
        "moving_slot": found.slot_id,
        "moving_day": c.day.isoformat(),
        "moving_start": f"{found.start:%H:%M}",
        "moving_end": f"{found.end:%H:%M}",
        "moving_anywhere": found.anywhere,
        "moving_office_id": c.office.id,
        "moving_office": c.office.name,
        "moving_zone": c.office.zone_label,
    }


async def begin(
    query: CallbackQuery, booking_id: int, state: FSMContext, account: AccountView, runtime: Runtime
) -> None:
    """My bookings → move: stores the booking, and shows its office's calendar at its month for the same party."""
    found = await on_tap(query, move_choice(runtime.reader(), account.id, booking_id, runtime.clock.now()))
    if found is None:
        return
    await slot.release_held(state, account, runtime)  # places held on a summary go back now, not in minutes
    await forget(state)  # whatever the chat was doing: a booking begun elsewhere is not this one
    await state.update_data(moving_data(found))
    day = found.choice.day
    await calendar.show(message_of(query), state, account, runtime, day.year, day.month)


async def question(state: FSMContext, runtime: Runtime) -> Screen:
    """What moving means, before the tap: from when to when, a new code and proof, once only, and the wait."""
    data = await state.get_data()
    day = date.fromisoformat(data["day"])
    start, end = time.fromisoformat(data["move_start"]), time.fromisoformat(data["move_end"])
    office = await office_of(runtime, data["office_id"])
    if office is not None and cancel_deadline(office, day) <= runtime.clock.now():
        terms = _("⚠️ After the move the booking can no longer be cancelled: the new date is too close.")
    else:
        terms = _("After the move you can still cancel until {day}, but not move again.").format(
            day=texts.long_date(last_cancel_day(day))
        )
    frozen = "" if office is None else texts.long_date(texts.deadline_date(frozen_until(office, day)))
    text = _(
        "Move booking {code}?\n\n{office}\n{now}\nNew: {day}, {start}–{end} {zone}\n\n"
        "The places you have now go back to others at once. You get a new booking code and a new proof; the old "
        "proof is no longer valid. A booking moves only once.\n{terms}\nYour account can book again from {frozen}."
    ).format(
        code=format_booking_code(data["moving_code"]),
        office=data["office_name"],
        now=moving_now(data),
        day=texts.long_date(day),
        start=f"{start:%H:%M}",
        end=f"{end:%H:%M}",
        zone=data["zone"],
        terms=terms,
        frozen=frozen,
    )
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [kb.tap(_("✅ Yes, move it"), MoveTo(booking_id=data["moving"], slot_id=data["move_slot"]).pack())],
            [kb.tap(_("◀ Other times"), OtherTimes().pack())],
            keep_booking(data),
        ]
    )
    return Screen(text, markup)


async def moving(query: CallbackQuery, state: FSMContext) -> bool:
    """A filter: the conversation is moving a booking (its times' taps ask the move's question, not hold places)."""
    return bool((await state.get_data()).get("moving"))


async def chosen(
    query: CallbackQuery, callback_data: slot.SlotPick, state: FSMContext, account: AccountView | None, runtime: Runtime
) -> None:
    """A time tapped while moving: stores it, and asks whether to move there (nothing is held meanwhile)."""
    data = await state.get_data()
    info = await slot.day_info(state, runtime, date.fromisoformat(data["day"]))
    picked = next((s for s in info.slots if s.slot_id == callback_data.slot_id), None)
    if picked is None or not picked.fits(len(data["party"])):
        note = _("Those places were just taken by someone else.")
        await query.answer()
        if account is not None:
            await slot.show(message_of(query), state, account, runtime, info.day, note)
        return
    await query.answer()
    await state.update_data(
        move_slot=picked.slot_id, move_start=f"{picked.start:%H:%M}", move_end=f"{picked.end:%H:%M}"
    )
    await state.set_state(Booking.move)
    await (await question(state, runtime)).edit(message_of(query))


async def ask(message: Message, state: FSMContext, account: AccountView | None, runtime: Runtime) -> None:
    """The move's question again as a new message."""
    await (await question(state, runtime)).send(message)


async def move(
    query: CallbackQuery, callback_data: MoveTo, state: FSMContext, account: AccountView | None, runtime: Runtime
) -> None:
    """Moves the booking: the new code in the chat, the new proof through the outbox.

    Taken in any state: an old question's button, after the chat moved on, is told what became of the booking.
    """
    if account is None:
        await query.answer()
        return
    data = await state.get_data()
    mine = data.get("moving") == callback_data.booking_id  # this chat is moving this booking
    # ... and is still at this question: not an older copy of it, nor at a move begun again since
    ours = mine and await state.get_state() == Booking.move.state and data.get("move_slot") == callback_data.slot_id
    try:
        moved = await runtime.desk.move(account.id, callback_data.booking_id, callback_data.slot_id)
    except SlotFullWithChoices as err:
        note = _("Those places were just taken by someone else.")
        if ours and err.alternatives:
            await query.answer()
            await slot.show(message_of(query), state, account, runtime, date.fromisoformat(data["day"]), note)
        else:
            await query.answer(note, show_alert=True)
        return
    except DomainError as err:
        await query.answer(texts.explain(err), show_alert=True)
        return
    if mine:
        await forget(state)
    code = format_booking_code(moved.code)
    if moved.replayed:  # a double tap, or another copy of the question: the first tap said everything
        await query.answer(_("This booking was moved already: new code {code}.").format(code=code), show_alert=True)
        return
    await query.answer()
    await message_of(query).edit_text(
        _(
            "Moved ✅\n{office}\n{day}, {start}–{end} {zone}\nNew booking code: {code}\nThe new proof follows in a "
            "moment as a PDF: show it at the office. The old proof is no longer valid."
        ).format(
            office=moved.office.name,
            day=texts.long_date(moved.day),
            start=f"{moved.start:%H:%M}",
            end=f"{moved.end:%H:%M}",
            zone=moved.office.zone_label,
            code=code,
        ),
        reply_markup=kb.main_menu(),
    )


def router() -> Router:
    """A fresh router of this step (a router belongs to one dispatcher); before the times' own, whose taps hold."""
    r = Router(name="booking.move")
    r.callback_query.register(chosen, StateFilter(Booking.slot), slot.SlotPick.filter(), moving)
    r.callback_query.register(move, MoveTo.filter())
    return r
