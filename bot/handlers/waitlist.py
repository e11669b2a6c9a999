"""The waiting list after joining: an offer answered, one's place shown in My bookings, the list left.

Joining is a step of booking (bot/handlers/booking/wait.py); the offers come through the outbox (bot/courier.py).
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton
from aiogram.utils.i18n import gettext as _

from bot import keyboards as kb
from bot.handlers.booking.confirm import booked_text
from bot.handlers.booking.wait import dates
from bot.handlers.parts import message_of, on_tap
from core.domain.waitlist import WaitState
from core.runtime import Runtime
from core.services import waitlist
from core.services.accounts import AccountView


class WaitLeave(CallbackData, prefix="wl"):
    pass


def place_line(place: waitlist.Waiting) -> str:
    """My bookings: where the account waits, and its number in line."""
    e = place.entry
    if e.offered_until is not None and e.state is WaitState.OFFERED:
        return _("🕒 Places are held for you at {office}: answer the offer message by {until} {zone}.").format(
            office=place.office.name,
            until=f"{e.offered_until.astimezone(place.office.zone):%H:%M}",
            zone=place.office.zone_label,
        )
    return _("🕒 On the waiting list at {office} for {dates}: number {position}.").format(
        office=place.office.name, dates=dates(e.first_day, e.last_day), position=place.position
    )


def leave_button() -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(text=_("✖ Leave the waiting list"), callback_data=WaitLeave().pack())]


async def leave(query: CallbackQuery, account: AccountView | None, runtime: Runtime) -> None:
    """Leaves the waiting list (an open offer's places go back at once)."""
    if account is None:
        await query.answer()
        return
    left = await on_tap(query, waitlist.leave(runtime.uow, runtime.desk, account.id, runtime.clock.now()), quiet=True)
    if left is None:
        return
    await query.answer(_("You left the waiting list."), show_alert=True)
    await message_of(query).edit_text(_("You left the waiting list."), reply_markup=kb.main_menu())


async def answer(
    query: CallbackQuery, callback_data: kb.WaitAnswer, account: AccountView | None, runtime: Runtime
) -> None:
    """An offer's button: the places become the booking (the proof follows), or go to the next family."""
    if account is None:
        await query.answer()
        return
    now, entry = runtime.clock.now(), callback_data.entry_id
    message = message_of(query)
    if not callback_data.yes:
        said_no = await on_tap(query, waitlist.decline(runtime.uow, runtime.desk, account.id, entry, now))
        if said_no is not None:
            await message.edit_text(
                _("You said no: the places go to the next family waiting. You are no longer on the waiting list."),
                reply_markup=kb.main_menu(),
            )
        return
    booked = await on_tap(query, waitlist.accept(runtime.uow, runtime.desk, account.id, entry, now))
    if booked is None:
        return
    await message.edit_text(booked_text(booked.code), reply_markup=kb.main_menu())


def router() -> Router:
    """A fresh router of this feature (a router belongs to one dispatcher)."""
    r = Router(name="waitlist")
    r.callback_query.register(leave, WaitLeave.filter())
    r.callback_query.register(answer, kb.WaitAnswer.filter())
    return r
