"""Per-update context: the applicant's account, read once, before any handler runs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User

from core.runtime import Runtime
from core.services.accounts import account_by_telegram_user


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
