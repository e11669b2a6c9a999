"""The Telegram side of the engine's messaging port: notices sent behind every interactive reply."""

from __future__ import annotations

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError

from bot import limiter
from core.services.messaging import Delivery, Notice

# What Telegram answers for a chat that can never be reached (https://core.telegram.org/bots/api#sendmessage):
# 403 when the user blocked the bot or deleted the account; 400 for a chat it does not know.
_GONE = ("chat not found", "user is deactivated", "peer_id_invalid")


class TelegramMessenger:
    """Sends notices through the bot's own gate, so a burst of them never delays an applicant's answer."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send(self, notice: Notice) -> Delivery:
        try:
            with limiter.background():
                await self._bot.send_message(notice.chat_id, notice.text)
        except TelegramForbiddenError:
            return Delivery.UNREACHABLE
        except TelegramBadRequest as err:
            if any(reason in err.message.lower() for reason in _GONE):
                return Delivery.UNREACHABLE
            raise
        return Delivery.SENT
