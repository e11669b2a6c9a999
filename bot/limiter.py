"""One gate for everything the bot sends to Telegram: the rate Telegram allows, its 429s honoured,
and the applicant in front of a chat served before any broadcast."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter
from aiogram.methods import (
    CopyMessage,
    EditMessageCaption,
    EditMessageReplyMarkup,
    EditMessageText,
    ForwardMessage,
    GetUpdates,
    SendDocument,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)
from aiogram.methods.base import Response, TelegramType

from core.pacing import RateGate

log = logging.getLogger(__name__)

# About 30 messages a second to different chats is what Telegram lets one bot send
# (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this).
MESSAGES_PER_SECOND = 30.0
RETRIES = 5
NEW_MESSAGES = (SendMessage, SendDocument, SendPhoto, CopyMessage, ForwardMessage)
EDITS = (EditMessageText, EditMessageReplyMarkup, EditMessageCaption)

_background: contextvars.ContextVar[bool] = contextvars.ContextVar("antrean_background", default=False)


@contextmanager
def background() -> Iterator[None]:
    """Calls made inside wait behind every interactive reply (broadcasts, reminders)."""
    token = _background.set(True)
    try:
        yield
    finally:
        _background.reset(token)


class TelegramLimiter(BaseRequestMiddleware):
    """A session middleware: new messages pass the gate; any call Telegram answers with 429 is waited out."""

    def __init__(self, gate: RateGate | None = None) -> None:
        self.gate = gate or RateGate.within(MESSAGES_PER_SECOND)

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        # The gate meters new messages, the thing Telegram's per-second limit counts: editing the message a user
        # just tapped and answering their tap are replies to their own action, and a callback must be answered
        # within seconds or the user sees a spinner. Every call still honours a 429.
        gated = isinstance(method, NEW_MESSAGES)
        for attempt in range(RETRIES + 1):
            try:
                if not gated:
                    return await make_request(bot, method)
                async with self.gate.sending(interactive=not _background.get()):
                    return await make_request(bot, method)
            except TelegramRetryAfter as flood:
                if attempt == RETRIES:
                    raise
                log.warning("Telegram asked to wait %s s before %s", flood.retry_after, type(method).__name__)
                self.gate.pause(flood.retry_after)
                if not gated:
                    await asyncio.sleep(flood.retry_after)
        raise AssertionError("unreachable")


class SameContentIsDone(BaseRequestMiddleware):
    """An edit to exactly what the message already shows is done, not an error.

    It happens whenever a user taps the same button twice before the first answer arrives, or two taps
    lead to the same screen; Telegram answers 400 "message is not modified", which would otherwise abort
    the rest of the handler.
    """

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        try:
            return await make_request(bot, method)
        except TelegramBadRequest as err:
            if not isinstance(method, EDITS) or "message is not modified" not in err.message:
                raise
            return cast(Response[TelegramType], DONE)  # an edit of an inline message returns True


# pydantic caches a parametrised generic such as Response[Message] only weakly, and the cyclic garbage
# collector frees it between two calls; aiogram then builds the class anew (about half a millisecond) for
# the next answer from Telegram. Holding each one seen keeps them built.
_RESPONSE_MODELS: dict[Any, type[Any]] = {}

# What a call returns when a middleware settles it without Telegram: True, as Telegram answers an edit or a tap's
# answer. aiogram's middlewares hand on the call's result, whatever their annotation says (Response); building a
# `Response[Any]` for it, as we did, rebuilt that class at each call (see above): 0.8 ms of CPU for every tap
# answered at once in a rush, and the caller got the Response instead of True.
DONE = cast(Response[Any], True)


class KeepResponseModels(BaseRequestMiddleware):
    """Keeps the response model of every method the bot calls alive (see _RESPONSE_MODELS)."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        returning = method.__returning__
        if returning not in _RESPONSE_MODELS:
            _RESPONSE_MODELS[returning] = Response[returning]  # type: ignore[valid-type]
        return await make_request(bot, method)


class FetchAtMost(BaseRequestMiddleware):
    """Long polling asks Telegram for at most `limit` updates at a time.

    aiogram fetches the next batch as soon as every update of this one has a turn, and Telegram's default batch
    is 100. At the opening rush a batch that large only moves the queue from Telegram into this process, where an
    update waits behind the whole batch before its handler starts (about 4 ms of CPU each: 400 ms for the last),
    and where a crash would lose it, as the next getUpdates has already confirmed it to Telegram. A small batch
    keeps the queue at Telegram; as the next one is fetched while the updates in flight are still being handled,
    the round trip to Telegram costs no throughput.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if isinstance(method, GetUpdates) and method.limit is None:
            method.limit = self.limit  # aiogram sends the same GetUpdates each time: set once
        return await make_request(bot, method)


# Each bot's gate, for a sender in the same process to queue behind its replies (the demo, the tests).
_GATES: weakref.WeakKeyDictionary[Bot, RateGate] = weakref.WeakKeyDictionary()


def install(bot: Bot, limiter: TelegramLimiter | None = None) -> TelegramLimiter:
    limiter = limiter or TelegramLimiter()
    install_unpaced(bot)
    bot.session.middleware(limiter)
    _GATES[bot] = limiter.gate
    return limiter


def install_unpaced(bot: Bot) -> None:
    """For the outbox's sender, which keeps its own pace and must see Telegram's 429s itself."""
    bot.session.middleware(KeepResponseModels())
    bot.session.middleware(SameContentIsDone())


def gate_of(bot: Bot) -> RateGate | None:
    return _GATES.get(bot)
