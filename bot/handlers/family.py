"""Family members: the saved list, and adding one on the owner's family card (also from the booking)."""

from __future__ import annotations

from datetime import date

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot import keyboards as kb
from bot import texts
from bot.handlers.booking import show_party_anew
from bot.handlers.parts import message_of, parse_or_explain, seal, unseal
from bot.handlers.start import parse_typed_date
from bot.states import Booking, Family
from core.domain.errors import DomainError
from core.domain.identity import parse_nik
from core.runtime import Runtime
from core.services import accounts
from core.services.accounts import AccountView, account_by_telegram_user


def _family_text(account: AccountView) -> str:
    lines = [f"• {a.full_name} ({a.nik_masked})" for a in account.applicants]
    return _("Saved on your account (all on family card {kk}):").format(kk=account.kk_masked) + "\n" + "\n".join(lines)


def _family_markup() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_("➕ Add a family member"), callback_data=kb.AddMember(back_to="family").pack()
                )
            ],
            [InlineKeyboardButton(text=_("◀ Menu"), callback_data=kb.Menu(item="menu").pack())],
        ]
    )


async def show(query: CallbackQuery, account: AccountView | None) -> None:
    """Menu → family members: who is saved, and a way to add one."""
    await query.answer()
    if account is None:
        return
    await message_of(query).edit_text(_family_text(account), reply_markup=_family_markup())


async def add(query: CallbackQuery, callback_data: kb.AddMember, state: FSMContext) -> None:
    """Starts adding a member; remembers where to return (the list, or the booking's party step)."""
    await query.answer()
    await state.update_data(back_to=callback_data.back_to)
    await state.set_state(Family.full_name)
    await message_of(query).answer(
        _("The family member's full name, as on their e-KTP (or birth certificate for a child):")
    )


async def name(message: Message, state: FSMContext) -> None:
    """Stores the name; asks for the member's NIK."""
    full_name = await parse_or_explain(message, accounts.clean_name)
    if full_name is None:
        return
    await state.update_data(member_name=full_name)
    await state.set_state(Family.nik)
    await message.answer(_("Their NIK (16 digits, on the family card too):"))


async def nik(message: Message, state: FSMContext, runtime: Runtime) -> None:
    """Checks the NIK, says which part is wrong; asks to confirm the birth date it encodes."""
    today = accounts.latest_today(runtime.clock.now())
    parsed = await parse_or_explain(message, lambda typed: parse_nik(typed, today=today))
    if parsed is None:
        return
    await state.update_data(member_nik=seal(runtime, parsed.value), member_encoded=parsed.birth_date.isoformat())
    await state.set_state(Family.birth_date)
    await _ask_birth_date(message, parsed.birth_date)


async def _ask_birth_date(message: Message, encoded: date) -> None:
    day = texts.long_date(encoded)
    await message.answer(
        _("Their NIK says they were born on {day}. Tap to confirm, or send the date of birth as DD-MM-YYYY.").format(
            day=day
        ),
        reply_markup=kb.birth_date(_("✅ Yes, {day}").format(day=day)),
    )


async def _save(message: Message, state: FSMContext, runtime: Runtime, account: AccountView, born: date) -> None:
    data = await state.get_data()
    number = unseal(runtime, data["member_nik"])
    try:
        added = await accounts.add_family_member(
            runtime.uow(), runtime.vault, account_id=account.id, full_name=data["member_name"], nik=number,
            birth_date=born, now=runtime.clock.now(),
        )  # fmt: skip
    except DomainError as err:
        await message.answer(texts.explain(err))
        if data.get("back_to") != "party":
            await state.clear()
        return
    await message.answer(_("{name} is saved on your account.").format(name=added.full_name))
    refreshed = await account_by_telegram_user(runtime.reader(), account.telegram_user_id)
    assert refreshed is not None
    if data.get("back_to") == "party" and data.get("party"):
        party = [*data["party"], added.id][:5]
        kinds = data.get("kinds", {}) | {str(added.id): "new"}
        await state.update_data(party=party, kinds=kinds)
        await state.set_state(Booking.party)
        await show_party_anew(message, state, refreshed)
        return
    await state.clear()
    await message.answer(_family_text(refreshed), reply_markup=_family_markup())


async def birth_date_confirmed(
    query: CallbackQuery, state: FSMContext, runtime: Runtime, account: AccountView | None
) -> None:
    """The encoded date is right: saves the member."""
    await query.answer()
    if account is None:
        return
    await message_of(query).edit_reply_markup(reply_markup=None)
    born = date.fromisoformat((await state.get_data())["member_encoded"])
    await _save(message_of(query), state, runtime, account, born)


async def birth_date_typed(message: Message, state: FSMContext, runtime: Runtime, account: AccountView | None) -> None:
    """A typed date: checked against the NIK, then the member is saved."""
    born = parse_typed_date(message.text or "")
    if born is None or account is None:
        await message.answer(_("Please send the date as DD-MM-YYYY, for example 14-03-1985."))
        return
    await _save(message, state, runtime, account, born)


def router() -> Router:
    """A fresh router of this feature (a router belongs to one dispatcher)."""
    r = Router(name="family")
    r.callback_query.register(show, kb.Menu.filter(F.item == "family"))
    r.callback_query.register(add, kb.AddMember.filter())
    r.message.register(name, Family.full_name, F.text)
    r.message.register(nik, Family.nik, F.text)
    r.callback_query.register(birth_date_confirmed, Family.birth_date, kb.BirthDate.filter())
    r.message.register(birth_date_typed, Family.birth_date, F.text)
    return r
