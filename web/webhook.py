"""Telegram's webhook: updates arrive as POSTs, proven Telegram's by the secret-token header."""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Header, HTTPException, Request, status

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
# No update Telegram sends comes near this: a message holds at most 4,096 characters of text (about 25 kB as
# escaped JSON) plus its entities and the message it replies to. Anything larger is not an update of ours.
MAX_UPDATE_BYTES = 1 << 20

# Takes an update in and returns once it is kept; with a Bot API call for Telegram to make in reply, or None.
Feed = Callable[[dict[str, Any]], Awaitable[dict[str, Any] | None]]


def webhook_router(feed: Feed, secret: str) -> APIRouter:
    """A route that hands each update to `feed`, which keeps it (the inbox) and returns: then Telegram is told.

    Telegram counts an update delivered when it gets the answer, and sends it again if it gets none (or an error):
    an update is kept before that, so a worker that dies has lost none, and handled after, by any worker. The answer
    may carry one Bot API call, which Telegram makes for us (a tap answered at once when the workers are behind).
    """
    router = APIRouter()

    @router.post(WEBHOOK_PATH, include_in_schema=False)
    async def telegram_update(
        request: Request,
        token: str | None = Header(default=None, alias="X-Telegram-Bot-Api-Secret-Token"),
    ) -> dict[str, Any]:
        if token is None or not secrets.compare_digest(token.encode(), secret.encode()):
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "not from Telegram")
        update = _parsed(await _body(request))
        if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
            raise HTTPException(status.HTTP_400_BAD_REQUEST, "not an update")
        reply = await feed(update)
        return reply if reply is not None else {"ok": True}

    return router


async def _body(request: Request) -> bytes:
    """The request's body, refused with 413 as soon as it is longer than any update (declared or streamed)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_UPDATE_BYTES:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "larger than any update")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_UPDATE_BYTES:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "larger than any update")
    return bytes(body)


def _parsed(body: bytes) -> Any:
    """JSON text in UTF-8, as Telegram sends it; anything else is a 400, never a server error."""
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        # RecursionError: a document nested thousands of levels deep exhausts the parser's stack.
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "not an update") from None
