"""Telegram's webhook: updates arrive as POSTs, proven Telegram's by the secret-token header."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Header, HTTPException, Request, status

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"

Feed = Callable[[dict[str, Any]], Awaitable[Any]]


def webhook_router(feed: Feed, secret: str) -> APIRouter:
    """A route that hands each update to `feed` (the bot's dispatcher) and answers Telegram at once.

    Telegram waits for the answer before it counts the update delivered, and retries slow ones: so the
    update is handled in the background, as in polling, and a crash in a handler never makes Telegram
    send the update again.
    """
    router = APIRouter()
    running: set[asyncio.Task[Any]] = set()

    async def handle(update: dict[str, Any]) -> None:
        try:
            await feed(update)
        except Exception:  # the dispatcher reports handler errors itself; this is a last guard
            log.exception("update %s failed", update.get("update_id"))

    @router.post(WEBHOOK_PATH, include_in_schema=False)
    async def telegram_update(
        request: Request,
        token: str | None = Header(default=None, alias="X-Telegram-Bot-Api-Secret-Token"),
    ) -> dict[str, bool]:
        if token is None or not secrets.compare_digest(token.encode(), secret.encode()):
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "not from Telegram")
        update = await request.json()
        if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
            raise HTTPException(status.HTTP_400_BAD_REQUEST, "not an update")
        task = asyncio.create_task(handle(update))
        running.add(task)
        task.add_done_callback(running.discard)
        return {"ok": True}

    return router
