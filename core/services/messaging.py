"""The port for messages to an applicant that are not the reply to their own tap: staff answers, notices, alerts.

The engine and the web app say what to send and to whom; the bot's side (bot/messenger.py) knows how. The
composition root hands an implementation to whoever needs one, so nothing outside the bot imports aiogram.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class Delivery(StrEnum):
    SENT = "sent"
    UNREACHABLE = "unreachable"  # blocked the bot, deleted the account, or never started it: do not try again


@dataclass(frozen=True, slots=True)
class Notice:
    """A message for one chat, already in the recipient's language, as plain text."""

    chat_id: int
    text: str


class Messenger(Protocol):
    async def send(self, notice: Notice) -> Delivery:
        """Delivers one notice; a passing failure (network, Telegram busy) raises, to be tried again."""
        ...
