"""Small pieces every feature's handlers share."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import TypeVar

from aiogram.types import CallbackQuery, Message

from bot import texts
from core.domain.errors import DomainError
from core.runtime import Runtime

T = TypeVar("T")


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
