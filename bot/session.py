"""aiogram's HTTP session to the Bot API, with two costs of every call cut (profiled in bench/bot_rush.py).

A call without a file goes as a JSON body: aiogram builds a multipart form for every call, about a tenth of the
bot's CPU in a rush, and Telegram takes JSON as well. The answers to calls whose result no handler reads (answers
to taps, edits, deletions, chat actions) are checked but not parsed into models: aiogram validates each answer
into pydantic models, an edit's the whole message with its keyboard, another tenth of the CPU. Such a call
returns True, as Telegram itself does for an edit of an inline message.
"""

from __future__ import annotations

import asyncio
from typing import Any, cast

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import (
    AnswerCallbackQuery,
    DeleteMessage,
    EditMessageReplyMarkup,
    EditMessageText,
    GetUpdates,
    SendChatAction,
    TelegramMethod,
)
from aiogram.methods.base import Response, TelegramType
from aiogram.types import Update
from aiohttp import ClientError, ClientTimeout


def without_tapped_keyboard(update: dict[str, Any]) -> dict[str, Any]:
    """The update, without the keyboard of the message a tap came from (removed in place).

    Telegram sends that keyboard with every tap, and aiogram would make a pydantic model of each of its buttons,
    a calendar's 46 of them: about a third of the models built for an update, for a keyboard no handler reads
    (the handlers read the tap's data, and edit the message with a keyboard of their own)."""
    query = update.get("callback_query")
    if isinstance(query, dict):
        message = query.get("message")
        if isinstance(message, dict):
            message.pop("reply_markup", None)
    return update


UNREAD = (AnswerCallbackQuery, EditMessageText, EditMessageReplyMarkup, DeleteMessage, SendChatAction)
JSON = {"Content-Type": "application/json"}


class LeanSession(AiohttpSession):
    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - aiogram's signature
    ) -> TelegramType:
        files: dict[str, Any] = {}
        body: dict[str, Any] = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            if prepared is not None:
                body[key] = prepared
        if files:  # a document: the form, with the file in it
            return await super().make_request(bot, method, timeout)
        session = await self.create_session()
        url = self.api.api_url(token=bot.token, method=method.__api_method__)
        try:
            wait = ClientTimeout(total=self.timeout if timeout is None else timeout)
            async with session.post(url, data=self.json_dumps(body), headers=JSON, timeout=wait) as resp:
                raw = await resp.text()
        except TimeoutError as e:
            raise TelegramNetworkError(method=method, message="Request timeout error") from e
        except asyncio.CancelledError:
            raise
        except ClientError as e:
            raise TelegramNetworkError(method=method, message=f"{type(e).__name__}: {e}") from e
        if resp.status == 200 and isinstance(method, UNREAD) and self._ok(raw) is not None:
            return cast(TelegramType, True)
        response = self.check_response(bot=bot, method=method, status_code=resp.status, content=raw)
        return cast(TelegramType, response.result)

    def check_response(
        self, bot: Bot, method: TelegramMethod[TelegramType], status_code: int, content: str
    ) -> Response[TelegramType]:
        """Long polling's updates come without the keyboards of the messages tapped (without_tapped_keyboard)."""
        if isinstance(method, GetUpdates) and status_code == 200:
            answer = self._ok(content)
            if answer is not None and isinstance(answer.get("result"), list):
                for update in answer["result"]:
                    if isinstance(update, dict):
                        without_tapped_keyboard(update)
                updates = _UPDATES.model_validate(answer, context={"bot": bot})
                return cast(Response[TelegramType], updates)
        return super().check_response(bot=bot, method=method, status_code=status_code, content=content)

    def _ok(self, raw: str) -> dict[str, Any] | None:
        """Telegram's answer when it says ok; None for anything else (aiogram's own check then says what it is)."""
        try:
            answer = self.json_loads(raw)
        except ValueError:
            return None
        return answer if isinstance(answer, dict) and answer.get("ok") is True else None


# Built once and held: pydantic keeps a parametrised generic only weakly (bot/limiter.py says more).
_UPDATES = Response[list[Update]]
