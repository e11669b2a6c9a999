"""Who an applicant is: full name, NIK and date of birth, one set of steps for the owner and for a relative.

Registration and adding a family member ask the same three things with the same checks; each builds an
`IdentitySteps` over its own three states, with its own words and what comes after the date of birth.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot import keyboards, texts
from bot.filters import Magic
from bot.handlers.parts import Ask, message_of, parse_or_explain, remove_typed, seal, unseal
from core.domain.errors import DomainError
from core.domain.identity import parse_nik
from core.runtime import Runtime
from core.services import accounts
from core.services.accounts import AccountView

_DATE = re.compile(r"^\s*(\d{1,2})[-/. ](\d{1,2})[-/. ](\d{4})\s*$")
_ISO = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")

Done = Callable[[Message, FSMContext, Runtime, AccountView | None], Awaitable[None]]
"""What follows the identity steps; the FSM data then holds `full_name`, `nik` (sealed) and `birth_date`."""

NikCheck = Callable[[Runtime, str], Awaitable[None]]
"""A flow's own refusal of a valid NIK (a domain error), said at the NIK step rather than at the end."""


def typed_date_parts(text: str) -> tuple[int, int, int] | None:
    """Year, month and day of DD-MM-YYYY (also with / . or spaces) or YYYY-MM-DD; None in any other shape."""
    if m := _DATE.match(text):
        return int(m[3]), int(m[2]), int(m[1])
    if m := _ISO.match(text):
        return int(m[1]), int(m[2]), int(m[3])
    return None


def no_such_day(year: int, month: int, day: int) -> str:
    """Why a date in the right shape is not in the calendar (31-02-1985, 12-13-1985)."""
    if not 1 <= month <= 12:
        text = _("There is no month {month}: the month is the middle number, 01 to 12. Please send the date again.")
        return text.format(month=month)
    if year < 1:
        return _("That date does not exist. Please send the date of birth again.")
    return _("That date does not exist: {month} has {n} days. Please send the date of birth again.").format(
        month=texts.month_name(year, month), n=calendar.monthrange(year, month)[1]
    )


@dataclass(frozen=True, slots=True)
class IdentityWords:
    """The three questions, in the words of one flow (`birth_date` gets the date the NIK encodes).

    `nik_removed` tells that the message with the NIK was deleted from the chat.
    """

    full_name: Callable[[], str]
    nik: Callable[[], str]
    birth_date: Callable[[str], str]
    nik_removed: Callable[[], str]


class IdentitySteps:
    """The name, NIK and date-of-birth steps of one flow: its states, its words, and what comes after."""

    def __init__(
        self,
        full_name: State,
        nik: State,
        birth_date: State,
        words: IdentityWords,
        done: Done,
        check_nik: NikCheck | None = None,
    ) -> None:
        self.full_name_state, self.nik_state, self.birth_date_state = full_name, nik, birth_date
        self.words = words
        self.done = done
        self.check_nik = check_nik

    def prompts(self) -> dict[str | None, Ask]:
        """The question of each of the three states, for the conversation's table of prompts."""
        return {
            self.full_name_state.state: self.ask_full_name,
            self.nik_state.state: self.ask_nik,
            self.birth_date_state.state: self.ask_birth_date,
        }

    async def begin(self, message: Message, state: FSMContext) -> None:
        """Enters the first step and asks for the full name."""
        await state.set_state(self.full_name_state)
        await message.answer(self.words.full_name())

    async def ask_full_name(
        self, message: Message, state: FSMContext, account: AccountView | None, runtime: Runtime
    ) -> None:
        await message.answer(self.words.full_name())

    async def ask_nik(self, message: Message, state: FSMContext, account: AccountView | None, runtime: Runtime) -> None:
        await message.answer(self.words.nik())

    async def ask_birth_date(
        self, message: Message, state: FSMContext, account: AccountView | None, runtime: Runtime, note: str = ""
    ) -> None:
        """`note`: a sentence said first (that the NIK's message was deleted)."""
        day = texts.long_date(date.fromisoformat((await state.get_data())["encoded_birth_date"]))
        question = self.words.birth_date(day)
        await message.answer(
            f"{note} {question}" if note else question,
            reply_markup=keyboards.birth_date(_("✅ Yes, {day}").format(day=day)),
        )

    async def name(self, message: Message, state: FSMContext) -> None:
        """Stores the name as printed on the e-KTP (or birth certificate); asks for the NIK."""
        full_name = await parse_or_explain(message, accounts.clean_name)
        if full_name is None:
            return
        await state.update_data(full_name=full_name)
        await state.set_state(self.nik_state)
        await message.answer(self.words.nik())

    async def nik(self, message: Message, state: FSMContext, runtime: Runtime, account: AccountView | None) -> None:
        """Checks the NIK and says which part is wrong; deletes it from the chat; asks to confirm the birth date."""
        today = accounts.latest_today(runtime.clock.now())
        parsed = await parse_or_explain(message, lambda typed: parse_nik(typed, today=today))
        if parsed is None:
            return  # a refused NIK stays in the chat, beside the words saying which digits to check
        note = self.words.nik_removed() if await remove_typed(message) else ""
        if self.check_nik is not None:
            try:
                await self.check_nik(runtime, parsed.value)
            except DomainError as err:  # the step stays open: another NIK may be typed, or /cancel
                await message.answer(f"{note} {texts.explain(err)}" if note else texts.explain(err))
                return
        await state.update_data(nik=seal(runtime, parsed.value), encoded_birth_date=parsed.birth_date.isoformat())
        await state.set_state(self.birth_date_state)
        await self.ask_birth_date(message, state, account, runtime, note)

    async def _birth_date(
        self, message: Message, state: FSMContext, runtime: Runtime, account: AccountView | None, day: date
    ) -> None:
        data = await state.get_data()
        try:
            today = accounts.latest_today(runtime.clock.now())
            parse_nik(unseal(runtime, data["nik"]), today=today, date_of_birth=day)
        except DomainError as err:
            await message.answer(texts.explain(err))
            await self.ask_birth_date(message, state, account, runtime)
            return
        await state.update_data(birth_date=day.isoformat())
        await self.done(message, state, runtime, account)

    async def birth_date_confirmed(
        self, query: CallbackQuery, state: FSMContext, runtime: Runtime, account: AccountView | None
    ) -> None:
        """The encoded date is right: stores it, and the flow goes on."""
        await query.answer()
        await message_of(query).edit_reply_markup(reply_markup=None)
        encoded = date.fromisoformat((await state.get_data())["encoded_birth_date"])
        await self._birth_date(message_of(query), state, runtime, account, encoded)

    async def birth_date_typed(
        self, message: Message, state: FSMContext, runtime: Runtime, account: AccountView | None
    ) -> None:
        """A typed date of birth: checked against the NIK, stored, and the flow goes on."""
        parts = typed_date_parts(message.text or "")
        if parts is None:
            await message.answer(_("Please send the date as DD-MM-YYYY, for example 14-03-1985."))
            return
        try:
            day = date(*parts)
        except ValueError:  # the right shape, but not a day of the calendar
            await message.answer(no_such_day(*parts))
            return
        await self._birth_date(message, state, runtime, account, day)

    def register(self, r: Router) -> None:
        """Puts the three steps' handlers on the flow's router."""
        r.message.register(self.name, StateFilter(self.full_name_state), Magic(F.text))
        r.message.register(self.nik, StateFilter(self.nik_state), Magic(F.text))
        r.callback_query.register(
            self.birth_date_confirmed, StateFilter(self.birth_date_state), keyboards.BirthDate.filter()
        )
        r.message.register(self.birth_date_typed, StateFilter(self.birth_date_state), Magic(F.text))
