"""An app served by uvicorn on a free port of 127.0.0.1, in the test's own loop, until the block ends; and the web
app fed by the stand-in through its webhook."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from antrean.bootstrap import register_webhook, web_app
from bench.workers import free_port
from core.config import Settings
from devtools.standin import BotApiStandin
from tests.conftest import SECRET


@asynccontextmanager
async def serving(app: FastAPI, port: int = 0) -> AsyncIterator[tuple[str, uvicorn.Server]]:
    """The app's base URL and its server (a test may set `should_exit` itself, as a deploy stops a worker)."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    running = asyncio.create_task(server.serve())
    try:
        while not server.started:
            assert not running.done(), "the web app did not start"
            await asyncio.sleep(0.02)
        bound = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{bound}", server
    finally:
        server.should_exit = True
        await running


TOKEN = "123456:TEST-antrean"
HOOK_SECRET = "hook-secret-0123456789"


@dataclass
class Served:
    telegram: BotApiStandin
    url: str


@asynccontextmanager
async def serving_webhook(
    database: Path, *, delay: float = 0.0, **settings_too: Any
) -> AsyncIterator[tuple[Served, uvicorn.Server]]:
    """A stand-in Telegram (answering after `delay`) and the web app taking its updates by webhook."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    async with BotApiStandin(delay=delay) as telegram:
        settings = Settings(
            database_url=f"sqlite:///{database}", environment="test", secret_key=SECRET, bot_token=TOKEN,
            telegram_api_url=telegram.base_url, webhook_url=url, webhook_secret=HOOK_SECRET, **settings_too,
        )  # fmt: skip
        async with serving(web_app(settings), port) as (_, server):
            await register_webhook(settings)  # `antrean webhook set`, as a deploy runs it
            yield Served(telegram, url), server
