"""Small pieces every feature's handlers share."""

from __future__ import annotations

import base64

from aiogram.types import CallbackQuery, Message

from core.runtime import Runtime


def message_of(query: CallbackQuery) -> Message:
    """The message whose button was tapped (our buttons sit only on messages the bot can still edit)."""
    assert isinstance(query.message, Message)
    return query.message


def seal(runtime: Runtime, number: str) -> str:
    """A NIK or KK as it may sit in conversation state (database or Redis): encrypted, never in clear."""
    return base64.b64encode(runtime.vault.encrypt(number)).decode()


def unseal(runtime: Runtime, sealed: str) -> str:
    return runtime.vault.decrypt(base64.b64decode(sealed))
