"""/start: welcome, consent, and registration of the account owner, one validated field at a time."""

from __future__ import annotations

from datetime import date

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _

from bot import keyboards
from bot.filters import Magic
from bot.handlers.identity import IdentitySteps, IdentityWords
from bot.handlers.parts import Ask, forget, message_of, parse_or_explain, remove_typed, seal, unseal
from bot.states import Registration
from bot.texts import explain
from core.domain.errors import DomainError
from core.domain.identity import parse_kk
from core.runtime import Runtime
from core.services import accounts
from core.services.accounts import AccountView


async def ask_consent(message: Message, state: FSMContext, account: AccountView | None, runtime: Runtime) -> None:
    await message.answer(
        _(
            "Before we start: to book a queue slot we need your full name, NIK, date of birth, family-card "
            "number and phone number, and those of the family members you book for. We use them only for "
            "your bookings at the immigration office, keep NIK and family-card numbers encrypted, and show "
            "them masked. Do you agree?"
        ),
        reply_markup=keyboards.consent(),
    )


async def ask_family_card(message: Message, state: FSMContext, account: AccountView | None, runtime: Runtime) -> None:
    await message.answer(_("Your family-card (Kartu Keluarga) number, 16 digits:"))


async def ask_phone(
    message: Message, state: FSMContext, account: AccountView | None, runtime: Runtime, note: str = ""
) -> None:
    """`note`: a sentence said first (that the family card's message was deleted)."""
    question = _("Last step: tap the button below to share your phone number with us.")
    await message.answer(f"{note} {question}" if note else question, reply_markup=keyboards.share_contact())


async def identified(message: Message, state: FSMContext, runtime: Runtime, account: AccountView | None) -> None:
    """Name, NIK and date of birth are in: asks for the family card."""
    await state.set_state(Registration.family_card)
    await ask_family_card(message, state, account, runtime)


async def owner_nik_free(runtime: Runtime, nik: str) -> None:
    """A NIK that owns an account already is refused now, not after the family card and phone are typed."""
    await accounts.check_owner_nik_free(runtime.reader(), runtime.vault, nik)


OWNER = IdentitySteps(
    Registration.full_name,
    Registration.nik,
    Registration.birth_date,
    IdentityWords(
        full_name=lambda: _("Your full name, exactly as on your e-KTP:"),
        nik=lambda: _("Your NIK (the 16-digit number on your e-KTP):"),
        birth_date=lambda day: _(
            "Your NIK says you were born on {day}. Tap to confirm, or send your date of birth as "
            "DD-MM-YYYY (for example 14-03-1985)."
        ).format(day=day),
        nik_removed=lambda: _("I have deleted your message with the NIK from this chat."),
    ),
    done=identified,
    check_nik=owner_nik_free,
)

PROMPTS: dict[str | None, Ask] = {
    Registration.consent.state: ask_consent,
    **OWNER.prompts(),
    Registration.family_card.state: ask_family_card,
    Registration.phone.state: ask_phone,
}


async def start(message: Message, state: FSMContext, account: AccountView | None, runtime: Runtime) -> None:
    """Greets; a registered applicant gets the menu, a new one the consent question."""
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
    await ask_consent(message, state, account, runtime)


async def consent(query: CallbackQuery, callback_data: keyboards.Consent, state: FSMContext) -> None:
    """Stores the moment of consent; asks for the full name, or stops without keeping anything."""
    await query.answer()
    if not callback_data.agree:
        await forget(state)
        await message_of(query).edit_text(_("Understood: nothing was stored. Send /start whenever you are ready."))
        return
    await message_of(query).edit_reply_markup(reply_markup=None)
    await OWNER.begin(message_of(query), state)


async def family_card(message: Message, state: FSMContext, runtime: Runtime, account: AccountView | None) -> None:
    """Checks the family-card number; deletes it from the chat; stores it sealed; asks for the phone number."""
    card = await parse_or_explain(message, parse_kk)
    if card is None:
        return
    removed = await remove_typed(message)
    note = _("I have deleted your message with the family-card number from this chat.") if removed else ""
    await state.update_data(kk=seal(runtime, card.value))
    await state.set_state(Registration.phone)
    await ask_phone(message, state, account, runtime, note)


async def phone(message: Message, state: FSMContext, runtime: Runtime, account: AccountView | None) -> None:
    """Registers the owner with everything gathered; shows the menu."""
    assert message.contact is not None and message.from_user is not None
    if message.contact.user_id != message.from_user.id:
        await message.answer(_("Please share your own number with the button below."))
        await ask_phone(message, state, account, runtime)
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
        await message.answer(explain(err), reply_markup=ReplyKeyboardRemove())
        return
    await state.clear()
    await message.answer(_("You are registered. 🎉"), reply_markup=ReplyKeyboardRemove())
    await message.answer(_("What would you like to do?"), reply_markup=keyboards.main_menu())


def router() -> Router:
    """A fresh router of this feature (a router belongs to one dispatcher); /start is with the commands."""
    r = Router(name="registration")
    r.callback_query.register(consent, StateFilter(Registration.consent), keyboards.Consent.filter())
    OWNER.register(r)
    r.message.register(family_card, StateFilter(Registration.family_card), Magic(F.text))
    r.message.register(phone, StateFilter(Registration.phone), Magic(F.contact))
    return r
