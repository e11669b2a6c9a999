"""Small pieces every feature's handlers share."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from aiogram.exceptions import TelegramBadRequest, TelegramNotFound
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, ReplyKeyboardMarkup, ReplyKeyboardRemove

from bot import texts
from core.domain.errors import DomainError
from core.runtime import Runtime
from core.services.accounts import AccountView

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Screen:
    """A step's question as it is shown: its text and its keyboard."""

    text: str
    markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None = None

    async def send(self, message: Message) -> None:
        """As a new message (after typed input, which cannot be edited into the bot's last one)."""
        await message.answer(self.text, reply_markup=self.markup)

    async def edit(self, message: Message) -> None:
        """In place of the message whose button was tapped (inline keyboards only)."""
        markup = self.markup if isinstance(self.markup, InlineKeyboardMarkup) else None
        await message.edit_text(self.text, reply_markup=markup)


def message_of(query: CallbackQuery) -> Message:
    """The message whose button was tapped (our buttons sit only on messages the bot can still edit)."""
    assert isinstance(query.message, Message)
    return query.message


def seal(runtime: Runtime, number: str) -> str:
    """A NIK or KK as it may sit in conversation state (database or Redis): encrypted, never in clear."""
    return base64.b64encode(runtime.vault.encrypt(number)).decode()


def unseal(runtime: Runtime, sealed: str) -> str:
    return runtime.vault.decrypt(base64.b64decode(sealed))


async def parse_or_explain(message: Message, parse: Callable[[str], T]) -> T | None:
    """Typed input read by an engine rule; when the rule refuses it, say exactly why and stay on the step."""
    try:
        return parse(message.text or "")
    except DomainError as err:
        await message.answer(texts.explain(err))
        return None


async def remove_typed(message: Message) -> bool:
    """Deletes the applicant's message that holds a NIK or family-card number; False when Telegram will not."""
    # A phone left on a table, or a chat scrolled through over a shoulder, should not show the number.
    try:
        await message.delete()
    except (TelegramBadRequest, TelegramNotFound):  # too old to delete (48 hours), or gone already
        return False
    return True


Ask = Callable[[Message, FSMContext, AccountView | None, Runtime], Awaitable[None]]
"""How a step asks its question as a new message: on entering it, and again after input it cannot use."""


# What outlives a step: a language chosen before registering, and the last refusal (for staff, should the applicant
# ask a person about it after leaving the step).
_KEPT = ("language", "last_refusal")


async def forget(state: FSMContext) -> None:
    """Ends the step and drops what it gathered, keeping only what outlives a step (_KEPT)."""
    data = await state.get_data()
    await state.clear()
    kept = {key: data[key] for key in _KEPT if data.get(key) is not None}
    if kept:
        await state.update_data(kept)


async def on_tap(query: CallbackQuery, work: Awaitable[T], *, quiet: bool = False) -> T | None:
    """A use case run for a tap: its result, the tap answered; or None, the engine's refusal as the tap's alert.

    `quiet`: the tap is left for the caller to answer, who has more to say about the result.
    """
    try:
        result = await work
    except DomainError as err:
        await query.answer(texts.explain(err), show_alert=True)
        return None
    if not quiet:
        await query.answer()
    return result
