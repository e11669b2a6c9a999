"""Family members: the saved list, and adding one on the owner's family card (also from the booking)."""

from __future__ import annotations

from datetime import date

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot import keyboards as kb
from bot import texts
from bot.handlers.booking import party
from bot.handlers.identity import IdentitySteps, IdentityWords
from bot.handlers.parts import Ask, Screen, forget, message_of, unseal
from bot.states import Booking, Family
from core.domain.errors import DomainError
from core.runtime import Runtime
from core.services import accounts
from core.services.accounts import AccountView, account_by_telegram_user

_IDENTITY_KEYS = ("full_name", "nik", "encoded_birth_date", "birth_date")


def family_screen(account: AccountView) -> Screen:
    """Who is saved on the account, and a way to add one."""
    lines = [f"• {a.full_name} ({a.nik_masked})" for a in account.applicants]
    text = _("Saved on your account (all on family card {kk}):").format(kk=account.kk_masked)
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_("➕ Add a family member"), callback_data=kb.AddMember(back_to="family").pack()
                )
            ],
            [InlineKeyboardButton(text=_("◀ Menu"), callback_data=kb.Menu(item="menu").pack())],
        ]
    )
    return Screen(text + "\n" + "\n".join(lines), markup)


async def show(query: CallbackQuery, account: AccountView | None) -> None:
    """Menu → family members: who is saved, and a way to add one."""
    if account is None:
        await query.answer(_("Send /start to begin."), show_alert=True)
        return
    await query.answer()
    await family_screen(account).edit(message_of(query))


async def add(query: CallbackQuery, callback_data: kb.AddMember, state: FSMContext) -> None:
    """Starts adding a member; remembers where to return (the list, or the booking's party step)."""
    await query.answer()
    await state.update_data(back_to=callback_data.back_to)
    await MEMBER.begin(message_of(query), state)


async def _back(message: Message, state: FSMContext, runtime: Runtime, account: AccountView) -> None:
    """Returns to where adding began: the booking's party step, or the list."""
    refreshed = await account_by_telegram_user(runtime.reader(), account.telegram_user_id)
    assert refreshed is not None
    data = await state.get_data()
    if data.get("back_to") == "party" and data.get("party"):
        await state.set_data({k: v for k, v in data.items() if k not in _IDENTITY_KEYS})
        await state.set_state(Booking.party)
        await party.ask(message, state, refreshed, runtime)
        return
    await forget(state)
    await family_screen(refreshed).send(message)


async def identified(message: Message, state: FSMContext, runtime: Runtime, account: AccountView | None) -> None:
    """Name, NIK and date of birth are in: saves the member; a party being booked takes them in."""
    if account is None:
        await forget(state)
        await message.answer(_("Send /start to begin."))
        return
    data = await state.get_data()
    try:
        added = await accounts.add_family_member(
            runtime.uow(), runtime.vault, account_id=account.id, full_name=data["full_name"],
            nik=unseal(runtime, data["nik"]), birth_date=date.fromisoformat(data["birth_date"]),
            now=runtime.clock.now(),
        )  # fmt: skip
    except DomainError as err:
        await message.answer(texts.explain(err))
        await _back(message, state, runtime, account)
        return
    await message.answer(_("{name} is saved on your account.").format(name=added.full_name))
    if data.get("back_to") == "party" and data.get("party"):
        await party.take_in(state, added.id)
    await _back(message, state, runtime, account)


MEMBER = IdentitySteps(
    Family.full_name,
    Family.nik,
    Family.birth_date,
    IdentityWords(
        full_name=lambda: _("The family member's full name, as on their e-KTP (or birth certificate for a child):"),
        nik=lambda: _("Their NIK (16 digits, on the family card too):"),
        birth_date=lambda day: _(
            "Their NIK says they were born on {day}. Tap to confirm, or send the date of birth as DD-MM-YYYY."
        ).format(day=day),
        nik_removed=lambda: _("I have deleted the message with their NIK from this chat."),
    ),
    done=identified,
)

PROMPTS: dict[str | None, Ask] = MEMBER.prompts()


def router() -> Router:
    """A fresh router of this feature (a router belongs to one dispatcher)."""
    r = Router(name="family")
    r.callback_query.register(show, kb.Menu.filter(F.item == "family"))
    r.callback_query.register(add, kb.AddMember.filter())
    MEMBER.register(r)
    return r
