"""The bot end to end: the real aiogram dispatcher polling our Bot API stand-in on 127.0.0.1."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiogram import Bot, Dispatcher
from aiogram.types import ErrorEvent

from bot.factory import build_dispatcher, make_bot, poll
from bot.handlers.parts import drain_follow_ups
from core.clock import FixedClock
from core.config import Settings
from core.runtime import Runtime, open_runtime
from devtools.standin import BotApiStandin
from tests.conftest import SECRET

TOKEN = "123456:TEST-antrean"


@dataclass
class BotWorld:
    """A running bot with its stand-in Telegram, database and clock."""

    telegram: BotApiStandin
    runtime: Runtime
    bot: Bot
    dispatcher: Dispatcher
    clock: FixedClock
    polling: asyncio.Task[None] | None = None
    errors: list[BaseException] = field(default_factory=list)  # what any handler raised

    async def stop(self) -> None:
        """Stops this world's bot process (a test that plays restarts runs its own)."""
        if self.polling is not None:
            await self.dispatcher.stop_polling()
            await self.polling
            self.polling = None
            await drain_follow_ups()

    async def text(self, user: int, text: str, *, calls: int = 1, language: str = "id") -> list[object]:
        """The user sends text; returns once the bot made `calls` calls about this chat."""
        await self.telegram.user_sends_text(user, text, language_code=language)
        return await self.telegram.wait_for_bot(user, calls=calls)

    async def tap(self, user: int, label: str, *, calls: int = 1) -> list[object]:
        await self.telegram.user_taps_button(user, label)
        return await self.telegram.wait_for_bot(user, calls=calls)

    async def last(self, user: int) -> str:
        message = await self.telegram.last_bot_message(user)
        assert message is not None
        return str(message.get("text", ""))


@asynccontextmanager
async def running_world(database: Path, clock: FixedClock) -> AsyncIterator[BotWorld]:
    """The bot polling a fresh stand-in over this SQLite file; what any handler raises is kept in `errors`."""
    async with BotApiStandin() as telegram:
        settings = Settings(
            database_url=f"sqlite:///{database}",
            environment="test",
            secret_key=SECRET,
            bot_token=TOKEN,
            telegram_api_url=telegram.base_url,
        )
        async with open_runtime(settings, clock) as runtime:
            bot = make_bot(settings)
            dp = build_dispatcher(runtime)
            world = BotWorld(telegram, runtime, bot, dp, clock)

            async def record(event: ErrorEvent) -> bool:
                world.errors.append(event.exception)
                return True

            dp.errors.register(record)
            world.polling = asyncio.create_task(poll(dp, bot, settings, handle_signals=False, polling_timeout=1))
            try:
                yield world
            finally:
                await world.stop()
                await dp.storage.close()
                await bot.session.close()


@pytest.fixture
async def world(sqlite_template: Path, tmp_path: Path, clock: FixedClock) -> AsyncIterator[BotWorld]:
    path = tmp_path / "bot.sqlite3"
    shutil.copy(sqlite_template, path)
    async with running_world(path, clock) as world:
        yield world
