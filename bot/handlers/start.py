"""/start: welcome, consent, and registration of the account owner, one validated field at a time."""

from __future__ import annotations

import re
from datetime import date

from aiogram import F, Router
from aiogram.filters import CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _

from bot import keyboards, texts
from bot.handlers import prompts
from bot.handlers.parts import parse_or_explain, seal, unseal
from bot.states import Registration
from core.domain.errors import DomainError
from core.domain.identity import parse_kk, parse_nik
from core.runtime import Runtime
from core.services import accounts
from core.services.accounts import AccountView

_DATE = re.compile(r"^\s*(\d{1,2})[-/. ](\d{1,2})[-/. ](\d{4})\s*$")
_ISO = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")


def parse_typed_date(text: str) -> date | None:
    """DD-MM-YYYY (also with / . or spaces) or YYYY-MM-DD; None when it is not a date."""
    try:
        if m := _DATE.match(text):
            return date(int(m[3]), int(m[2]), int(m[1]))
        if m := _ISO.match(text):
            return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None
    return None


async def start(message: Message, state: FSMContext, account: AccountView | None) -> None:
    """Greets; a registered applicant gets the menu, a new one the consent question."""
    await state.clear()
    if account is not None:
        await message.answer(_("Welcome back! What would you like to do?"), reply_markup=keyboards.main_menu())
        return
    await message.answer(
        _(
            "Welcome to Antrean, the queue booking for passport applications at immigration offices. "
            "Book an arrival time for yourself and up to four family members in a couple of minutes."
        )
    )
    await state.set_state(Registration.consent)
    await prompts.ask_consent(message, state)


async def consent(query: CallbackQuery, callback_data: keyboards.Consent, state: FSMContext) -> None:
    """Stores the moment of consent; asks for the full name, or stops without keeping anything."""
    await query.answer()
    assert isinstance(query.message, Message)
    if not callback_data.agree:
        await state.clear()
        await query.message.edit_text(_("Understood: nothing was stored. Send /start whenever you are ready."))
        return
    await query.message.edit_reply_markup(reply_markup=None)
    await state.set_state(Registration.full_name)
    await prompts.ask_full_name(query.message, state)


async def full_name(message: Message, state: FSMContext) -> None:
    """Stores the name as printed on the e-KTP; asks for the NIK."""
    name = await parse_or_explain(message, accounts.clean_name)
    if name is None:
        return
    await state.update_data(full_name=name)
    await state.set_state(Registration.nik)
    await prompts.ask_nik(message, state)


async def nik(message: Message, state: FSMContext, runtime: Runtime) -> None:
    """Checks the NIK and says which part is wrong; stores it sealed; asks to confirm the birth date."""
    today = accounts.latest_today(runtime.clock.now())
    parsed = await parse_or_explain(message, lambda typed: parse_nik(typed, today=today))
    if parsed is None:
        return
    await state.update_data(nik=seal(runtime, parsed.value), encoded_birth_date=parsed.birth_date.isoformat())
    await state.set_state(Registration.birth_date)
    await prompts.ask_birth_date(message, state)


async def _birth_date(message: Message, state: FSMContext, runtime: Runtime, day: date) -> None:
    data = await state.get_data()
    try:
        parse_nik(unseal(runtime, data["nik"]), today=accounts.latest_today(runtime.clock.now()), date_of_birth=day)
    except DomainError as err:
        await message.answer(texts.explain(err))
        await prompts.ask_birth_date(message, state)
        return
    await state.update_data(birth_date=day.isoformat())
    await state.set_state(Registration.family_card)
    await prompts.ask_family_card(message, state)


async def birth_date_confirmed(query: CallbackQuery, state: FSMContext, runtime: Runtime) -> None:
    """The encoded date is right: stores it; asks for the family card."""
    await query.answer()
    assert isinstance(query.message, Message)
    await query.message.edit_reply_markup(reply_markup=None)
    encoded = date.fromisoformat((await state.get_data())["encoded_birth_date"])
    await _birth_date(query.message, state, runtime, encoded)


async def birth_date_typed(message: Message, state: FSMContext, runtime: Runtime) -> None:
    """A typed date of birth: checked against the NIK; asks for the family card."""
    day = parse_typed_date(message.text or "")
    if day is None:
        await message.answer(_("Please send the date as DD-MM-YYYY, for example 14-03-1985."))
        return
    await _birth_date(message, state, runtime, day)


async def family_card(message: Message, state: FSMContext, runtime: Runtime) -> None:
    """Checks the family-card number; stores it sealed; asks for the phone number."""
    card = await parse_or_explain(message, parse_kk)
    if card is None:
        return
    await state.update_data(kk=seal(runtime, card.value))
    await state.set_state(Registration.phone)
    await prompts.ask_phone(message, state)


async def phone(message: Message, state: FSMContext, runtime: Runtime) -> None:
    """Registers the owner with everything gathered; shows the menu."""
    assert message.contact is not None and message.from_user is not None
    if message.contact.user_id != message.from_user.id:
        await message.answer(_("Please share your own number with the button below."))
        await prompts.ask_phone(message, state)
        return
    data = await state.get_data()
    try:
        await accounts.register_owner(
            runtime.uow(),
            runtime.vault,
            telegram_user_id=message.from_user.id,
            full_name=data["full_name"],
            nik=unseal(runtime, data["nik"]),
            birth_date=date.fromisoformat(data["birth_date"]),
            kk=unseal(runtime, data["kk"]),
            phone=message.contact.phone_number,
            language=str(get_i18n().current_locale),
            now=runtime.clock.now(),
        )
    except DomainError as err:
        await state.clear()
        await message.answer(texts.explain(err), reply_markup=ReplyKeyboardRemove())
        return
    await state.clear()
    await message.answer(_("You are registered. 🎉"), reply_markup=ReplyKeyboardRemove())
    await message.answer(_("What would you like to do?"), reply_markup=keyboards.main_menu())


def router() -> Router:
    """A fresh router of this feature (a router belongs to one dispatcher)."""
    r = Router(name="start")
    r.message.register(start, CommandStart())
    r.callback_query.register(consent, Registration.consent, keyboards.Consent.filter())
    r.message.register(full_name, Registration.full_name, F.text)
    r.message.register(nik, Registration.nik, F.text)
    r.callback_query.register(birth_date_confirmed, Registration.birth_date, keyboards.BirthDate.filter())
    r.message.register(birth_date_typed, Registration.birth_date, F.text)
    r.message.register(family_card, Registration.family_card, F.text)
    r.message.register(phone, Registration.phone, F.contact)
    return r
