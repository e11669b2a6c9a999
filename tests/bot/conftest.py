"""The bot end to end: the real aiogram dispatcher polling our Bot API stand-in on 127.0.0.1."""

from __future__ import annotations

import asyncio
import itertools
import shutil
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.types import ErrorEvent
from sqlalchemy import func, select

from antrean.bootstrap import outbox_courier, outbox_sender
from bot.factory import build_dispatcher, make_bot, poll
from bot.limiter import gate_of
from core.clock import FixedClock
from core.config import Settings
from core.domain.announcements import RowState
from core.persistence.tables import announcements, outbox
from core.runtime import Runtime, open_runtime
from core.services.jobs import Job, run_jobs
from core.services.outbox import OutboxSender
from devtools.standin import BotApiStandin
from tests.conftest import SECRET

TOKEN = "123456:TEST-antrean"
_fed = itertools.count(900_000_000)  # ids of updates and messages fed past the stand-in, apart from its own


@dataclass
class BotWorld:
    """A running bot with its stand-in Telegram, database and clock."""

    telegram: BotApiStandin
    runtime: Runtime
    bot: Bot
    dispatcher: Dispatcher
    clock: FixedClock
    polling: asyncio.Task[None] | None = None
    sender: OutboxSender | None = None  # the outbox's, running beside the bot
    errors: list[BaseException] = field(default_factory=list)  # what any handler raised

    async def stop(self) -> None:
        """Stops this world's bot process (a test that plays restarts runs its own)."""
        if self.polling is not None:
            await self.dispatcher.stop_polling()
            await self.polling
            self.polling = None

    async def text(self, user: int, text: str, *, calls: int = 1, language: str = "id") -> list[object]:
        """The user sends text; returns once the bot made `calls` calls about this chat."""
        await self.telegram.user_sends_text(user, text, language_code=language)
        return await self.telegram.wait_for_bot(user, calls=calls)

    async def tap(self, user: int, label: str, *, calls: int = 1) -> list[object]:
        await self.telegram.user_taps_button(user, label)
        return await self.telegram.wait_for_bot(user, calls=calls)

    async def feed(self, user: int, content: dict[str, Any], chat: dict[str, Any] | None = None) -> list[object]:
        """A message the stand-in cannot send (photo, voice, in a group), fed in; the bot's calls about its chat."""
        # Fed to the dispatcher as the webhook feeds it: the handler is done when this returns.
        chat = chat or {"id": user, "type": "private", "first_name": "Budi"}
        sender = {"id": user, "is_bot": False, "first_name": "Budi", "language_code": "id"}
        message = {"message_id": next(_fed), "date": int(time.time()), "chat": chat, "from": sender, **content}
        before = len(self.telegram.calls)
        await self.dispatcher.feed_raw_update(self.bot, {"update_id": next(_fed), "message": message})
        return [c for c in self.telegram.calls[before:] if c[1].get("chat_id") == chat["id"]]

    async def unasked(self, user: int, calls: int = 1) -> list[object]:
        """Waits for `calls` more bot calls about this chat than it has made since the user's last action: what the
        worker sends unasked (a proof, an offer), after the replies already counted."""
        seen = len(await self.telegram.wait_for_bot(user, calls=0))
        made = (await self.telegram.wait_for_bot(user, calls=seen + calls))[seen:]
        await self.settled()
        return made

    async def settled(self) -> None:
        """Waits until the outbox holds nothing pending or in flight, and no announcement waits to be fanned out:
        a message in the chat is recorded as sent only after Telegram answered, and the worker's next step (an
        offer lapsing) depends on that record."""
        states = [RowState.PENDING.value, RowState.SENDING.value]
        now = self.clock.now()
        busy = select(func.count()).select_from(outbox).where(outbox.c.state.in_(states), outbox.c.not_before <= now)
        due = (
            select(func.count())
            .select_from(announcements)
            .where(announcements.c.fanned_out_at.is_(None), announcements.c.fan_out_at <= now)
        )
        async with asyncio.timeout(10):
            while True:
                async with self.runtime.engine.connect() as conn:
                    if not (await conn.execute(busy)).scalar_one() and not (await conn.execute(due)).scalar_one():
                        return
                await asyncio.sleep(0.01)

    async def state_of(self, user: int) -> str | None:
        """The conversation state of a user's private chat."""
        return await self.dispatcher.fsm.get_context(self.bot, chat_id=user, user_id=user).get_state()

    async def last(self, user: int) -> str:
        message = await self.telegram.last_bot_message(user)
        assert message is not None
        return str(message.get("text", ""))


@asynccontextmanager
async def running_world(database: Path, clock: FixedClock, **settings_too: Any) -> AsyncIterator[BotWorld]:
    """The bot polling a fresh stand-in over this SQLite file; what any handler raises is kept in `errors`.
    `settings_too`: more settings (the staff group's id)."""
    async with BotApiStandin() as telegram:
        settings = Settings(
            database_url=f"sqlite:///{database}",
            environment="test",
            secret_key=SECRET,
            bot_token=TOKEN,
            telegram_api_url=telegram.base_url,
            **settings_too,
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
            # The outbox's sender, as the demo runs it: in the bot's process, behind its replies; it looks often.
            async with outbox_courier(runtime) as courier:
                world.sender = outbox_sender(runtime, courier, gate=gate_of(bot))
                stop_sending = asyncio.Event()
                job = Job("outbox", 0.02, world.sender.run, "sent %d", interrupt=world.sender.interrupt)
                sending = asyncio.create_task(run_jobs([job], stop_sending))
                try:
                    yield world
                finally:
                    stop_sending.set()
                    await sending
                    await world.stop()
                    await dp.storage.close()
                    await bot.session.close()


@pytest.fixture
async def world(sqlite_template: Path, tmp_path: Path, clock: FixedClock) -> AsyncIterator[BotWorld]:
    path = tmp_path / "bot.sqlite3"
    shutil.copy(sqlite_template, path)
    async with running_world(path, clock) as world:
        yield world
