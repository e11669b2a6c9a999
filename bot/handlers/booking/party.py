"""Booking, who comes: the owner first, up to MAX_PARTY saved relatives, and each one's application type."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot import keyboards as kb
from bot import texts
from bot.handlers.booking import calendar
from bot.handlers.booking.shared import Kind, WhoComes, kind_label, owner_id, switched
from bot.handlers.parts import Screen, message_of
from bot.states import Booking
from core.domain.booking import MAX_PARTY, ApplicationType, check_party
from core.domain.errors import DomainError
from core.runtime import Runtime
from core.services.accounts import AccountView


class Member(CallbackData, prefix="member"):
    applicant_id: int


class PartyDone(CallbackData, prefix="party"):
    pass


async def party_screen(state: FSMContext, account: AccountView) -> Screen:
    """Every saved applicant, ticked when they come, with their application type; add one; continue."""
    data = await state.get_data()
    party: list[int] = data["party"]
    kinds: dict[str, str] = data["kinds"]
    rows = []
    for a in account.applicants:
        chosen = a.id in party
        member = InlineKeyboardButton(
            text=f"{'☑️' if chosen else '⬜'} {a.full_name}", callback_data=Member(applicant_id=a.id).pack()
        )
        if chosen:
            kind = kind_label(kinds.get(str(a.id), ApplicationType.NEW))
            rows.append([member, InlineKeyboardButton(text=kind, callback_data=Kind(applicant_id=a.id).pack())])
        else:
            rows.append([member])
    if len(party) < MAX_PARTY:
        rows.append(
            [InlineKeyboardButton(text=_("➕ Add a family member"), callback_data=kb.AddMember(back_to="party").pack())]
        )
    rows.append([InlineKeyboardButton(text=_("Continue ▶"), callback_data=PartyDone().pack())])
    text = _(
        "{office}\n\nWho comes? Tap a name to add or remove them (at most {n}, all on your family card), "
        "and tap the application type to switch between a new passport and a replacement."
    ).format(office=data["office_name"], n=MAX_PARTY)
    return Screen(text, InlineKeyboardMarkup(inline_keyboard=rows))


async def show(message: Message, state: FSMContext, account: AccountView) -> None:
    """Enters the party step in place of the message tapped."""
    await state.set_state(Booking.party)
    await (await party_screen(state, account)).edit(message)


async def ask(message: Message, state: FSMContext, account: AccountView | None, runtime: Runtime) -> None:
    """The party step as a new message (after typed input, which cannot be edited into the old one)."""
    if account is not None:
        await (await party_screen(state, account)).send(message)


async def take_in(state: FSMContext, applicant_id: int) -> None:
    """A relative just saved during the booking comes too, while there is room."""
    data = await state.get_data()
    party = [*data["party"], applicant_id]
    try:
        check_party(party, owner=party[0])
    except DomainError:
        return  # the party is full: the new relative is saved and can be ticked instead of another
    await state.update_data(party=party, kinds=data.get("kinds", {}) | {str(applicant_id): ApplicationType.NEW.value})


async def toggle_member(
    query: CallbackQuery, callback_data: Member, state: FSMContext, account: AccountView | None
) -> None:
    """Adds or removes a family member, within the engine's party rules (the owner first, at most five)."""
    if account is None:
        await query.answer()
        return
    party: list[int] = (await state.get_data())["party"]
    aid = callback_data.applicant_id
    changed = [a for a in party if a != aid] if aid in party else [*party, aid]
    try:
        check_party(changed, owner=owner_id(account))
    except DomainError as err:
        await query.answer(texts.explain(err), show_alert=True)
        return
    await query.answer()
    await state.update_data(party=changed)
    await show(message_of(query), state, account)


async def toggle_kind(
    query: CallbackQuery, callback_data: Kind, state: FSMContext, account: AccountView | None
) -> None:
    """Switches one applicant between a new passport and a replacement."""
    await query.answer()
    if account is None:
        return
    kinds: dict[str, str] = (await state.get_data())["kinds"]
    key = str(callback_data.applicant_id)
    kinds[key] = switched(kinds.get(key, ApplicationType.NEW))
    await state.update_data(kinds=kinds)
    await show(message_of(query), state, account)


async def party_done(query: CallbackQuery, state: FSMContext, account: AccountView | None, runtime: Runtime) -> None:
    """Who comes is settled: shows the month calendar for that many people."""
    await query.answer()
    if account is not None:
        await calendar.show_now(message_of(query), state, account, runtime)


async def who_comes(query: CallbackQuery, state: FSMContext, account: AccountView | None) -> None:
    """From the calendar: back to who comes."""
    await query.answer()
    if account is not None and "party" in await state.get_data():
        await show(message_of(query), state, account)


def router() -> Router:
    """A fresh router of this step (a router belongs to one dispatcher)."""
    r = Router(name="booking.party")
    r.callback_query.register(toggle_member, StateFilter(Booking.party), Member.filter())
    r.callback_query.register(toggle_kind, StateFilter(Booking.party), Kind.filter())
    r.callback_query.register(party_done, StateFilter(Booking.party), PartyDone.filter())
    r.callback_query.register(who_comes, StateFilter(Booking.calendar), WhoComes.filter())
    return r
