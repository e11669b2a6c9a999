"""Per-update context: the applicant's account, read once, before any handler runs; and the refusal the update
gave, kept with the conversation after it."""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.context import FSMContext
from aiogram.types import TelegramObject, User

from bot import texts
from bot.storage import drop_pending, remember_reads, write_pending
from core import metrics
from core.runtime import Runtime
from core.services.accounts import account_by_telegram_user


class Measured(BaseMiddleware):
    """Counts each update by kind and times its handling, for /metrics; an update whose handling raised is an error.
    Writes the conversation at the end (bot/storage.py)."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        kind = getattr(event, "event_type", "update")
        started = time.perf_counter()
        remember_reads()  # this update's conversation, read once
        try:
            result = await handler(event, data)
            await write_pending(end=True)  # the conversation as the update left it, when nothing was sent since
            return result
        except Exception:
            drop_pending()  # what the applicant was not shown of a step that failed is not kept either
            metrics.ERRORS.labels("update").inc()
            raise
        finally:
            metrics.UPDATES.labels(kind).inc()
            metrics.UPDATE_SECONDS.observe(time.perf_counter() - started)


class AccountMiddleware(BaseMiddleware):
    """Puts `account` (an AccountView, or None before registration) into the handler's data."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        runtime: Runtime = data["runtime"]
        data["account"] = None if user is None else await account_by_telegram_user(runtime.reader(), user.id)
        return await handler(event, data)


LAST_REFUSAL_KEY = "last_refusal"
_LONG_NUMBER = re.compile(r"\d{4,}")


class RefusalMemory(BaseMiddleware):
    """Keeps the last refusal the applicant read (its code, its words, when) in the conversation's data: an
    escalation shows it to staff. Written only by an update that gave one: the rest cost nothing."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        token = texts.REFUSED.set(None)
        try:
            result = await handler(event, data)
            said = texts.REFUSED.get()
            state: FSMContext | None = data.get("state")
            if said is not None:
                metrics.REFUSALS.labels(said["code"]).inc()
            if said is not None and state is not None:
                runtime: Runtime = data["runtime"]
                # Kept for staff, who see NIKs masked: a refusal quoting digits of one (or a year) keeps none.
                words = _LONG_NUMBER.sub("…", said["text"])
                kept = {"code": said["code"], "text": words, "at": runtime.clock.now().isoformat()}
                await state.update_data({LAST_REFUSAL_KEY: kept})
            return result
        finally:
            texts.REFUSED.reset(token)
