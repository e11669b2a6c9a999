"""My bookings: the list, a booking's details, the proof again, moving once, and cancelling after a question."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot import keyboards as kb
from bot import texts
from bot.handlers import waitlist as waiting_list
from bot.handlers.booking import draw, move
from bot.handlers.booking.confirm import send_proof
from bot.handlers.booking.shared import KeepBooking
from bot.handlers.parts import forget, message_of, on_tap
from core.domain.booking import BookingStatus, format_booking_code
from core.runtime import Runtime
from core.services import fair_opening, waitlist
from core.services.accounts import AccountView
from core.services.my_bookings import BookingSummary, my_booking, my_bookings


class BookingOpen(CallbackData, prefix="bk"):
    booking_id: int


class BookingAct(CallbackData, prefix="bka"):
    booking_id: int
    act: str  # pdf | move | cancel | cancel_yes


def _status(b: BookingSummary) -> str:
    if b.status is BookingStatus.CANCELLED:
        return _("cancelled by the office") if b.cancelled_by_office else _("cancelled")
    if b.status is BookingStatus.MOVED:
        return _("moved")
    if b.status is BookingStatus.HELD:
        return _("not confirmed yet")
    return _("booked") if b.upcoming else _("past")


def _line(b: BookingSummary) -> str:
    return f"{b.day:%d-%m-%Y} {b.start:%H:%M} {b.office.zone_label} · {b.office.name} · {_status(b)}"


async def show_list(query: CallbackQuery, account: AccountView | None, runtime: Runtime) -> None:
    """Menu → my bookings: one button per booking, newest first."""
    await query.answer()
    if account is None:
        return
    found = await my_bookings(runtime.reader(), account.id, runtime.clock.now())
    place = await waitlist.my_place(runtime.reader(), account.id)
    back = [InlineKeyboardButton(text=_("◀ Menu"), callback_data=kb.Menu(item="menu").pack())]
    waiting = [] if place is None else [waiting_list.leave_button()]
    rows = [
        [InlineKeyboardButton(text=_line(b), callback_data=BookingOpen(booking_id=b.booking_id).pack())]
        for b in found[:10]
    ]
    text = _("Your bookings:") if found else _("You have no bookings yet.")
    if place is not None:
        text = waiting_list.place_line(place) + "\n\n" + text
    registered = await fair_opening.mine(runtime.reader(), account.id, runtime.clock.now())
    if registered is not None:
        text = draw.registration_line(registered) + "\n\n" + text
    await message_of(query).edit_text(text, reply_markup=InlineKeyboardMarkup(inline_keyboard=[*rows, *waiting, back]))


def _details(b: BookingSummary) -> str:
    text = _("Booking {code} ({status})\n{office}\n{address}\n{day}, {start}–{end} {zone}\n{n} applicant(s)").format(
        code=format_booking_code(b.code),
        status=_status(b),
        office=b.office.name,
        address=b.office.address,
        day=texts.long_date(b.day),
        start=f"{b.start:%H:%M}",
        end=f"{b.end:%H:%M}",
        zone=b.office.zone_label,
        n=b.party_size,
    )
    if b.cancelled_by_office:
        text += "\n" + _why_not_cancellable_by_office()
    if b.status is BookingStatus.MOVED:
        text += "\n" + _("It was moved to another date or time: the booking it became is in your list, with its proof.")
    if b.movable:
        text += "\n" + _("You can move it once to another date or time, or cancel it, until {day}.").format(
            day=texts.long_date(b.last_cancel_day)
        )
    elif b.cancellable:
        text += "\n" + _("You can cancel until {day}.").format(day=texts.long_date(b.last_cancel_day))
    elif b.status is BookingStatus.CONFIRMED and b.upcoming:
        text += "\n" + _(
            "This booking can no longer be cancelled: cancelling closes two days before the arrival date "
            "(the last day was {day})."
        ).format(day=texts.long_date(b.last_cancel_day))
    return text


def _details_markup(b: BookingSummary) -> InlineKeyboardMarkup:
    """The proof again while confirmed, cancelling while still allowed, and the way back to the list."""
    rows = []
    if b.status is BookingStatus.CONFIRMED:
        rows.append(
            [
                InlineKeyboardButton(
                    text=_("📄 Send the proof again"),
                    callback_data=BookingAct(booking_id=b.booking_id, act="pdf").pack(),
                )
            ]
        )
    if b.cancelled_by_office and b.upcoming:
        again = _("📅 Book again (👤 {n})").format(n=b.party_size)
        rows.append([InlineKeyboardButton(text=again, callback_data=kb.BookAgain(booking_id=b.booking_id).pack())])
    if b.movable:
        move_it = BookingAct(booking_id=b.booking_id, act="move").pack()
        rows.append([InlineKeyboardButton(text=_("🔁 Move to another date or time"), callback_data=move_it)])
    if b.cancellable:
        rows.append(
            [
                InlineKeyboardButton(
                    text=_("✖ Cancel this booking"),
                    callback_data=BookingAct(booking_id=b.booking_id, act="cancel").pack(),
                )
            ]
        )
    rows.append([InlineKeyboardButton(text=_("◀ My bookings"), callback_data=kb.Menu(item="bookings").pack())])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _why_not_cancellable_by_office() -> str:
    return _("The office closed this date and cancelled this booking. You may book again at once.")


def _why_not_cancellable(b: BookingSummary) -> str:
    """What became of a booking an old cancel button points at."""
    if b.status is BookingStatus.CANCELLED:
        return _why_not_cancellable_by_office() if b.cancelled_by_office else _("This booking was cancelled already.")
    if b.status is BookingStatus.MOVED:
        return _("This booking was moved to another date or time; the booking it became is in your list.")
    if b.status is BookingStatus.HELD:
        return _("This booking was never confirmed, so there is nothing to cancel.")
    if not b.upcoming:
        return _("This booking's day is over; it can no longer be cancelled.")
    return _("This booking can no longer be cancelled: the last day to cancel was {day}.").format(
        day=texts.long_date(b.last_cancel_day)
    )


async def open_booking(
    query: CallbackQuery, callback_data: BookingOpen, account: AccountView | None, runtime: Runtime
) -> None:
    """One booking: details, the proof again, and cancelling while that is still allowed."""
    if account is None:
        await query.answer()
        return
    b = await on_tap(query, my_booking(runtime.reader(), account.id, callback_data.booking_id, runtime.clock.now()))
    if b is None:
        return
    await message_of(query).edit_text(_details(b), reply_markup=_details_markup(b))


async def act(
    query: CallbackQuery, callback_data: BookingAct, state: FSMContext, account: AccountView | None, runtime: Runtime
) -> None:
    """Resends the proof; starts a move; asks before cancelling; cancels and states the freeze."""
    if account is None:
        await query.answer()
        return
    if callback_data.act == "move":
        await move.begin(query, callback_data.booking_id, state, account, runtime)
        return
    message = message_of(query)
    now = runtime.clock.now()
    if callback_data.act == "pdf":
        b = await on_tap(query, my_booking(runtime.reader(), account.id, callback_data.booking_id, now), quiet=True)
        if b is None:
            return
        if b.status is not BookingStatus.CONFIRMED:  # an old details message of a booking cancelled since
            await query.answer(_("This booking was cancelled, so it has no proof any more."), show_alert=True)
            await message.edit_text(_details(b), reply_markup=_details_markup(b))
            return
        await query.answer()
        await send_proof(message, account, runtime, callback_data.booking_id)
        return
    if callback_data.act == "cancel":
        b = await on_tap(query, my_booking(runtime.reader(), account.id, callback_data.booking_id, now), quiet=True)
        if b is None:
            return
        if not b.cancellable:  # an old button: say so now, not after "Yes, cancel it"
            await query.answer(_why_not_cancellable(b), show_alert=True)
            await message.edit_text(_details(b), reply_markup=_details_markup(b))
            return
        await query.answer()
        await message.edit_text(
            _(
                "Cancel booking {code} on {day}? The places go back to others at once. Your account still "
                "cannot book again before {frozen}."
            ).format(
                code=format_booking_code(b.code),
                day=texts.long_date(b.day),
                frozen=texts.long_date(texts.deadline_date(b.frozen_until)),
            ),
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[
                    [
                        InlineKeyboardButton(
                            text=_("Yes, cancel it"),
                            callback_data=BookingAct(booking_id=b.booking_id, act="cancel_yes").pack(),
                        )
                    ],
                    [
                        InlineKeyboardButton(
                            text=_("No, keep it"), callback_data=BookingOpen(booking_id=b.booking_id).pack()
                        )
                    ],
                ]
            ),
        )
        return
    done = await on_tap(query, runtime.desk.cancel(account.id, callback_data.booking_id))
    if done is None:
        return
    day = texts.long_date(texts.deadline_date(done.frozen_until))
    if done.by_office:  # an old "Yes, cancel it" after the office closed the date
        text = _why_not_cancellable_by_office()
    elif done.replayed:  # an old "Yes, cancel it", or a double tap
        text = _("This booking was cancelled already. Your account can book again from {day}.").format(day=day)
    else:
        text = _("Cancelled. Your account can book again from {day}.").format(day=day)
    await message.edit_text(text, reply_markup=kb.main_menu())


async def keep(
    query: CallbackQuery, callback_data: KeepBooking, state: FSMContext, account: AccountView | None, runtime: Runtime
) -> None:
    """A move given up: the booking as it is, the move's steps closed."""
    if (await state.get_data()).get("moving") == callback_data.booking_id:
        await forget(state)
    await open_booking(query, BookingOpen(booking_id=callback_data.booking_id), account, runtime)


def router() -> Router:
    """A fresh router of this feature (a router belongs to one dispatcher)."""
    r = Router(name="my_bookings")
    r.callback_query.register(show_list, kb.Menu.filter(F.item == "bookings"))
    r.callback_query.register(open_booking, BookingOpen.filter())
    r.callback_query.register(keep, KeepBooking.filter())
    r.callback_query.register(act, BookingAct.filter())
    return r
