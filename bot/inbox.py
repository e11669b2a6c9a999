"""The bot's side of the webhook's inbox: updates handed to the dispatcher, and taps answered at once when the
workers are behind (so a spinner never turns on a button while the tap waits in line)."""

from __future__ import annotations

import time
from typing import Any, cast

from aiogram import Bot, Dispatcher
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import AnswerCallbackQuery, SendMessage
from aiogram.methods.base import Response, TelegramType
from aiogram.utils.i18n import I18n

from bot.i18n import language_of_app
from bot.limiter import DONE
from bot.session import without_tapped_keyboard
from bot.storage import remember_reads
from core import metrics
from core.persistence.inbox import Taken


def busy_answer(update: dict[str, Any], i18n: I18n) -> dict[str, Any] | None:
    """For a tap: the answer to it that the webhook's reply carries to Telegram (which calls it for us, at no cost
    to our rate), saying the tap is in line; None for anything else. In the language of the applicant's Telegram
    app: which language they chose is in the database, and this is said before any worker reads it."""
    query = update.get("callback_query")
    if not isinstance(query, dict) or not isinstance(query.get("id"), str):
        return None
    sender = query.get("from")
    locale = language_of_app(str(sender.get("language_code") or "") if isinstance(sender, dict) else "")
    text = i18n.gettext("⏳ Many people are booking right now. Your tap is in line; the answer follows.", locale=locale)
    return {"method": "answerCallbackQuery", "callback_query_id": query["id"], "text": text}


class AnsweredAlready(BaseRequestMiddleware):
    """A session middleware: the bot's own answer to a tap the webhook answered already is not sent (Telegram would
    refuse a second answer, and the handler with it). Words it carried are not lost: they come as a message."""

    def __init__(self) -> None:
        self.queries: dict[str, int] = {}  # tap -> its chat, for taps answered by the webhook and not yet by us
        # Taps of updates a worker died handling: it may have answered them; Telegram's "too old" then means done.
        self.maybe: set[str] = set()

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: Any,
    ) -> Response[TelegramType]:
        if isinstance(method, AnswerCallbackQuery) and method.callback_query_id in self.queries:
            chat_id = self.queries.pop(method.callback_query_id)
            if method.text:
                await bot(SendMessage(chat_id=chat_id, text=method.text))
            return cast(Response[TelegramType], DONE)
        if isinstance(method, AnswerCallbackQuery) and method.callback_query_id in self.maybe:
            try:
                return await make_request(bot, cast(Any, method))
            except TelegramBadRequest as err:
                if "query is too old" not in err.message:
                    raise
                return cast(Response[TelegramType], DONE)
        return await make_request(bot, method)


class InboxHandler:
    """Hands an update taken from the inbox to the dispatcher, as polling would."""

    def __init__(self, dp: Dispatcher, bot: Bot) -> None:
        self._dp = dp
        self._bot = bot
        self._answered = AnsweredAlready()
        bot.session.middleware(self._answered)

    async def __call__(self, taken: Taken) -> None:
        metrics.UPDATE_WAIT_SECONDS.observe(max(0.0, time.time() - taken.received_at))
        remember_reads()  # before aiogram reads the conversation
        update = taken.update()
        query = update.get("callback_query")
        if isinstance(query, dict) and taken.answered:
            chat = (query.get("message") or {}).get("chat") or query.get("from") or {}
            self._answered.queries[str(query.get("id"))] = int(chat.get("id", 0))
        elif isinstance(query, dict) and taken.takes > 1:
            self._answered.maybe.add(str(query.get("id")))
        try:
            await self._dp.feed_raw_update(self._bot, without_tapped_keyboard(update))
        finally:
            if isinstance(query, dict):
                self._answered.queries.pop(str(query.get("id")), None)
                self._answered.maybe.discard(str(query.get("id")))
