"""Telegram's webhook: updates arrive as POSTs, proven Telegram's by the secret-token header."""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse, Response

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
# No update Telegram sends comes near this: a message holds at most 4,096 characters of text (about 25 kB as
# escaped JSON) plus its entities and the message it replies to. Anything larger is not an update of ours.
MAX_UPDATE_BYTES = 1 << 20

# Takes an update in (parsed, and as the text Telegram sent) and returns once it is kept; with a Bot API call for
# Telegram to make in reply, or None.
Feed = Callable[[dict[str, Any], str], Awaitable[dict[str, Any] | None]]


def webhook_router(feed: Feed, secret: str) -> APIRouter:
    """A route that hands each update to `feed`, which keeps it (the inbox) and returns: then Telegram is told.

    Telegram counts an update delivered when it gets the answer, and sends it again if it gets none (or an error):
    an update is kept before that, so a worker that dies has lost none, and handled after, by any worker. The answer
    may carry one Bot API call, which Telegram makes for us (a tap answered at once when the workers are behind).

    A plain Starlette route: each POST of a rush costs no dependency solving or response validation, and the update
    is kept as the text Telegram sent.
    """
    router = APIRouter()
    expected = secret.encode()

    async def telegram_update(request: Request) -> Response:
        token = request.headers.get("x-telegram-bot-api-secret-token")
        if token is None or not secrets.compare_digest(token.encode(), expected):
            return _refusal(status.HTTP_401_UNAUTHORIZED, "not from Telegram")
        body = await _body(request)
        if body is None:
            return _refusal(status.HTTP_413_CONTENT_TOO_LARGE, "larger than any update")
        text, update = _parsed(body)
        if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
            return _refusal(status.HTTP_400_BAD_REQUEST, "not an update")
        reply = await feed(update, text)
        return Response(_OK if reply is None else json.dumps(reply), media_type="application/json")

    router.add_route(WEBHOOK_PATH, telegram_update, methods=["POST"], include_in_schema=False)
    return router


_OK = b'{"ok":true}'


def _refusal(code: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=code)


async def _body(request: Request) -> bytes | None:
    """The request's body; None as soon as it is longer than any update (declared or streamed)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_UPDATE_BYTES:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_UPDATE_BYTES:
            return None
    return bytes(body)


def _parsed(body: bytes) -> tuple[str, Any]:
    """The body as text, and its JSON (None unless it is JSON text in UTF-8, as Telegram sends it: a 400, never a
    server error)."""
    try:
        text = body.decode("utf-8")
        return text, json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError):
        # RecursionError: a document nested thousands of levels deep exhausts the parser's stack.
        return "", None
