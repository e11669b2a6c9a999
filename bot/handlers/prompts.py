"""The question each state asks, so any step can be asked again after unexpected input."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot import keyboards, texts
from bot.states import Registration

Ask = Callable[[Message, FSMContext], Awaitable[None]]


async def ask_consent(message: Message, state: FSMContext) -> None:
    await message.answer(
        _(
            "Before we start: to book a queue slot we need your full name, NIK, date of birth, family-card "
            "number and phone number, and those of the family members you book for. We use them only for "
            "your bookings at the immigration office, keep NIK and family-card numbers encrypted, and show "
            "them masked. Do you agree?"
        ),
        reply_markup=keyboards.consent(),
    )


async def ask_full_name(message: Message, state: FSMContext) -> None:
    await message.answer(_("Your full name, exactly as on your e-KTP:"))


async def ask_nik(message: Message, state: FSMContext) -> None:
    await message.answer(_("Your NIK (the 16-digit number on your e-KTP):"))


async def ask_birth_date(message: Message, state: FSMContext) -> None:
    data = await state.get_data()
    encoded = date.fromisoformat(data["encoded_birth_date"])
    await message.answer(
        _(
            "Your NIK says you were born on {day}. Tap to confirm, or send your date of birth as "
            "DD-MM-YYYY (for example 14-03-1985)."
        ).format(day=texts.long_date(encoded)),
        reply_markup=keyboards.birth_date(_("✅ Yes, {day}").format(day=texts.long_date(encoded))),
    )


async def ask_family_card(message: Message, state: FSMContext) -> None:
    await message.answer(_("Your family-card (Kartu Keluarga) number, 16 digits:"))


async def ask_phone(message: Message, state: FSMContext) -> None:
    await message.answer(
        _("Last step: tap the button below to share your phone number with us."),
        reply_markup=keyboards.share_contact(),
    )


PROMPTS: dict[str | None, Ask] = {
    Registration.consent.state: ask_consent,
    Registration.full_name.state: ask_full_name,
    Registration.nik.state: ask_nik,
    Registration.birth_date.state: ask_birth_date,
    Registration.family_card.state: ask_family_card,
    Registration.phone.state: ask_phone,
}


async def reprompt(message: Message, state: FSMContext) -> bool:
    """Ask the current state's question again; False when no flow is under way."""
    current = await state.get_state()
    ask = PROMPTS.get(current) if current else None
    if ask is None:
        return False
    await message.answer(_("That is not what this step needs."))
    await ask(message, state)
    return True
