"""Booking at an office with a fair opening: its draw on the calendar, and pre-registering the party in two taps.

The calendar of such an office says where its draw stands (core/services/fair_opening.py): taking registrations
until when, frozen with the list's digest, or drawn. Who registers is the party of the booking under way, for one
date of the opening's week or any of them; the answer is the registration's token, the line to look for in the
list published when registrations close. The offers the draw makes are the waiting list's (bot/handlers/waitlist.py).
"""

from __future__ import annotations

from datetime import date

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot import keyboards as kb
from bot import texts
from bot.handlers.booking import calendar
from bot.handlers.booking.calendar import DrawAsk, at_office
from bot.handlers.booking.shared import office_of
from bot.handlers.booking.wait import chosen_dates, dates
from bot.handlers.parts import forget, message_of, on_tap
from bot.states import Booking
from core.domain.draw import DrawState
from core.domain.offices import Office
from core.domain.waitlist import OFFER_MINUTES
from core.runtime import Runtime
from core.services import fair_opening
from core.services.accounts import AccountView


class DrawJoin(CallbackData, prefix="dj"):
    office_id: int  # the office and party size the screen named: an old screen's tap is told so
    party: int
    first: int  # yyyymmdd
    last: int


def _code(day: date) -> int:
    return int(day.strftime("%Y%m%d"))


def _pick(office: Office, n: int, first: date, last: date) -> str:
    assert office.id is not None
    return DrawJoin(office_id=office.id, party=n, first=_code(first), last=_code(last)).pack()


async def ask_dates(
    query: CallbackQuery, callback_data: DrawAsk, state: FSMContext, account: AccountView | None, runtime: Runtime
) -> None:
    """The dates to register for: one of the opening's, or any of them."""
    data = await state.get_data()
    if account is None or data.get("office_id") != callback_data.office_id or "party" not in data:
        await query.answer(texts.stale_button(), show_alert=True)
        return
    await query.answer()
    office = await office_of(runtime, callback_data.office_id)
    draw = None if office is None else await fair_opening.current(runtime.reader(), office, runtime.clock.now())
    if office is None or draw is None or not draw.days:
        await calendar.show_now(message_of(query), state, account, runtime)
        return
    n = len(data["party"])
    first, last = draw.days[0], draw.days[-1]
    rows = [
        [kb.tap(_("📅 Any date {dates}").format(dates=dates(first, last)),
                _pick(office, n, first, last))],
        *kb.rows([kb.tap(texts.short_date(d), _pick(office, n, d, d)) for d in draw.days], 3),
        [kb.tap(_("◀ Back to the calendar"), calendar.Month(year=first.year, month=first.month).pack())],
    ]  # fmt: skip
    text = _(
        "🎟 The draw at {office}, {opens}\n\n"
        "Which dates could your {n} applicant(s) come? The earliest date you choose that still has room for all of "
        "you is offered first. Registrations close {closes}; then the list is published, each registration by its "
        "token only. At {opens} the order is drawn; if your family's turn brings places, they are held for you for "
        "up to {minutes} minutes and a message asks you to confirm.\n\n"
        "The draw's seed is fixed already; its fingerprint (SHA-256) is:\n{commitment}"
    ).format(
        office=office.name,
        opens=at_office(draw.opens_at, office),
        closes=at_office(draw.closes_at, office),
        n=n,
        minutes=OFFER_MINUTES,
        commitment=draw.commitment,
    )
    await message_of(query).edit_text(text, reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


async def join(
    query: CallbackQuery, callback_data: DrawJoin, state: FSMContext, account: AccountView | None, runtime: Runtime
) -> None:
    """Registers the party for the draw, for the dates chosen; its token, and what happens next."""
    chosen = await chosen_dates(query, callback_data, state, account)
    if chosen is None or account is None:
        return
    first, last, party, kinds = chosen
    now = runtime.clock.now()
    office_id = callback_data.office_id
    made = await on_tap(
        query, fair_opening.register(runtime.uow(), account.id, office_id, party, kinds, first, last, now)
    )
    if made is None:
        return
    await forget(state)
    office, draw = made.office, made.draw
    await message_of(query).edit_text(
        _(
            "🎟 Registered for the draw at {office}: {n} applicant(s), for {dates}.\n\n"
            "Your token: {token}\n"
            "Look for it in the list published when registrations close, {closes}. The draw is at {opens}; if your "
            "family's turn brings places, we message you to confirm. You can see your registration in My bookings."
        ).format(
            office=office.name,
            n=len(party),
            dates=dates(first, last),
            token=made.entry.token,
            closes=at_office(draw.closes_at, office),
            opens=at_office(draw.opens_at, office),
        ),
        reply_markup=kb.main_menu(),
    )


def registration_line(mine: fair_opening.Registered) -> str:
    """My bookings: the account's registration and where its draw stands."""
    office, draw, entry = mine.office, mine.draw, mine.entry
    if draw.state is DrawState.DRAWN:
        place = fair_opening.place_in_draw(mine)
        return _(
            "🎟 Draw at {office}, {opens}: your family came {place} of {n}. Token {token}. "
            "Offers go in that order; the seed and the order are published."
        ).format(
            office=office.name, opens=at_office(draw.opens_at, office), place=place, n=mine.count, token=entry.token
        )
    if draw.state is DrawState.FROZEN:
        return _(
            "🎟 Registered for the draw at {office}, {opens}: token {token}, number {number} of {n} in the list "
            "(its digest begins {digest})."
        ).format(
            office=office.name, opens=at_office(draw.opens_at, office), token=entry.token, number=entry.number,
            n=mine.count, digest=(draw.digest or "")[:16],
        )  # fmt: skip
    return _(
        "🎟 Registered for the draw at {office}, {opens}, for {dates}: token {token}. Registrations close {closes}."
    ).format(
        office=office.name, opens=at_office(draw.opens_at, office), dates=dates(entry.first_day, entry.last_day),
        token=entry.token, closes=at_office(draw.closes_at, office),
    )  # fmt: skip


def router() -> Router:
    """A fresh router of this step (a router belongs to one dispatcher)."""
    r = Router(name="booking.draw")
    r.callback_query.register(ask_dates, StateFilter(Booking.calendar), DrawAsk.filter())
    r.callback_query.register(join, StateFilter(Booking.calendar), DrawJoin.filter())
    return r
