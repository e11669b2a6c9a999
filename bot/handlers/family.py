"""Family members: the saved list, and adding one on the owner's family card (also from the booking)."""

from __future__ import annotations

from datetime import date

from aiogram import F, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot import keyboards as kb
from bot import texts
from bot.handlers.booking import party
from bot.handlers.identity import IdentitySteps, IdentityWords
from bot.handlers.parts import Ask, Screen, forget, message_of, on_tap, unseal
from bot.states import Booking, Family
from core.domain.errors import DomainError
from core.runtime import Runtime
from core.services import accounts
from core.services.accounts import AccountView, account_by_telegram_user

_IDENTITY_KEYS = ("full_name", "nik", "encoded_birth_date", "birth_date")


class RemoveMember(CallbackData, prefix="rmm"):
    applicant_id: int
    confirmed: bool  # False: the question; True: remove


def family_screen(account: AccountView) -> Screen:
    """Who is saved on the account, a way to add one, and to remove one (a wrong name is fixed by adding again)."""
    lines = [f"• {a.full_name} ({a.nik_masked})" for a in account.applicants]
    text = _("Saved on your account (all on family card {kk}):").format(kk=account.kk_masked)
    removable = [
        [
            InlineKeyboardButton(
                text=_("🗑 Remove {name}").format(name=a.full_name),
                callback_data=RemoveMember(applicant_id=a.id, confirmed=False).pack(),
            )
        ]
        for a in account.applicants
        if not a.is_owner
    ]
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_("➕ Add a family member"), callback_data=kb.AddMember(back_to="family").pack()
                )
            ],
            *removable,
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


async def remove(
    query: CallbackQuery, callback_data: RemoveMember, account: AccountView | None, runtime: Runtime
) -> None:
    """Asks first; on the second tap removes the member and shows the list again."""
    if account is None:
        await query.answer(_("Send /start to begin."), show_alert=True)
        return
    member = next((a for a in account.applicants if a.id == callback_data.applicant_id and not a.is_owner), None)
    if member is None:  # removed already, from an older copy of the list
        await query.answer(texts.explain(accounts.NotAFamilyMember()), show_alert=True)
        await family_screen(account).edit(message_of(query))
        return
    if not callback_data.confirmed:
        await query.answer()
        question = _(
            "Remove {name} from your account? Past bookings no longer name them. To fix a wrong name or date of "
            "birth, remove them and add them again."
        ).format(name=member.full_name)
        yes = RemoveMember(applicant_id=member.id, confirmed=True).pack()
        markup = InlineKeyboardMarkup(
            inline_keyboard=[
                [InlineKeyboardButton(text=_("🗑 Yes, remove"), callback_data=yes)],
                [InlineKeyboardButton(text=_("◀ No, keep them"), callback_data=kb.Menu(item="family").pack())],
            ]
        )
        await message_of(query).edit_text(question, reply_markup=markup)
        return
    removed = await on_tap(
        query, accounts.remove_family_member(runtime.uow(), account.id, member.id, runtime.clock.now())
    )
    if removed is None:
        return
    refreshed = await account_by_telegram_user(runtime.reader(), account.telegram_user_id)
    if refreshed is not None:
        screen = family_screen(refreshed)
        text = _("{name} is removed from your account.").format(name=removed.full_name) + "\n\n" + screen.text
        await Screen(text, screen.markup).edit(message_of(query))


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
    r.callback_query.register(remove, RemoveMember.filter())
    MEMBER.register(r)
    return r
