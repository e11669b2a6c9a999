"""The bot's parts, built from settings and a runtime: the Bot, its dispatcher and long polling."""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.telegram import TelegramAPIServer
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import BotCommand

from bot import limiter
from bot.handlers import routers
from bot.i18n import LocaleMiddleware, make_i18n
from bot.middlewares import AccountMiddleware, Measured, RefusalMemory
from bot.session import LeanSession
from bot.storage import WritesFirst, make_storage
from core.config import Settings
from core.documents import rendering
from core.pacing import RateGate
from core.runtime import Runtime
from core.shared_pace import SharedWindow, shared_window

log = logging.getLogger(__name__)


def make_bot(settings: Settings, *, paced: bool = True, shared: SharedWindow | None = None) -> Bot:
    """A Bot talking to Telegram, or to the Bot API server the settings name (self-hosted, or our stand-in).

    `paced` False: no gate and no waiting out 429s, for the outbox's sender, which does both itself.
    """
    if not settings.bot_token:
        raise ValueError("ANTREAN_BOT_TOKEN is not set")
    api = TelegramAPIServer.from_base(settings.telegram_api_url)
    bot = Bot(settings.bot_token, session=LeanSession(api=api))
    bot.session.middleware(WritesFirst())
    if not paced:
        limiter.install_unpaced(bot)
        return bot
    # One gate per process: with several workers, each gets its share of Telegram's rate through the setting. Never
    # more than that in any one second (a burst of a whole second's worth on top of the rate was twice it).
    # `shared`: Telegram's limit kept with the other processes of the deployment (Redis), the worker's outbox too.
    gate = RateGate.within(settings.telegram_messages_per_second, shared=shared)
    limiter.install(bot, limiter.TelegramLimiter(gate))
    return bot


def build_dispatcher(runtime: Runtime, storage: BaseStorage | None = None) -> Dispatcher:
    """The dispatcher with every router, the account and locale middlewares, and the runtime for handlers.

    Conversation state goes to the database (or Redis, when configured), so a restart loses nobody's place.
    """
    storage = storage or make_storage(runtime)
    dp = Dispatcher(storage=storage, runtime=runtime)
    dp.update.outer_middleware(Measured())
    dp.update.outer_middleware(AccountMiddleware())
    dp.update.outer_middleware(RefusalMemory())
    LocaleMiddleware(make_i18n()).setup(dp)
    dp.include_routers(*routers())
    return dp


def update_types() -> list[str]:
    """The kinds of update some handler of the bot takes: Telegram is asked for these only."""
    dp = Dispatcher()
    dp.include_routers(*routers())
    return dp.resolve_used_update_types()


COMMANDS = {
    "id": [
        ("start", "Mulai"),
        ("menu", "Menu utama"),
        ("help", "Bantuan"),
        ("language", "Bahasa"),
        ("mydata", "Data saya"),
        ("cancel", "Batalkan langkah ini"),
    ],
    "en": [
        ("start", "Start"),
        ("menu", "Main menu"),
        ("help", "Help"),
        ("language", "Language"),
        ("mydata", "My data"),
        ("cancel", "Stop this step"),
    ],
}


async def set_commands(bot: Bot) -> None:
    # Command descriptions live in Telegram per language, not in our catalogs: set both.
    await bot.set_my_commands([BotCommand(command=c, description=d) for c, d in COMMANDS["id"]])
    await bot.set_my_commands([BotCommand(command=c, description=d) for c, d in COMMANDS["en"]], language_code="en")


def settle_heap() -> None:
    """Takes what is alive once the bot has started out of the cyclic garbage collector's sight.

    Measured in bench/bot_rush.py: the collector's full passes walked every object of aiogram, pydantic,
    SQLAlchemy, reportlab and Babel on each run, about 240 ms at a time and 12 % of the bot's CPU in a rush, and
    every update in flight waited out each pass (the p99 of a rush's answers was those passes). Frozen objects are
    never collected, which costs nothing here: modules, models and caches live as long as the process anyway.

    The youngest generation is then collected every 7,000 allocations, not 700: an update makes thousands of
    short-lived objects (pydantic models, SQL rows, JSON), which mostly die by their reference count before a
    pass that comes later; a pass walked them while they were still alive. bench/bot_rush.py: the collector's
    passes fell from about 600 to under 20 ms in a rush (the longest from 6 to 4 ms); bench/webhook_rush.py:
    5 to 15 % less CPU an update. A few thousand more objects wait a little longer for a cycle to be freed.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(7000, 20, 20)


async def poll(dp: Dispatcher, bot: Bot, settings: Settings, **kwargs: Any) -> None:
    """Long polling: `updates_per_fetch` updates taken at a time, at most `updates_in_flight` handled at once."""
    rendering.warm_up(settings.proof_workers)
    bot.session.middleware(limiter.FetchAtMost(settings.updates_per_fetch))
    settle_heap()
    await dp.start_polling(bot, tasks_concurrency_limit=settings.updates_in_flight, **kwargs)


@asynccontextmanager
async def bot_parts(runtime: Runtime, settings: Settings) -> AsyncIterator[tuple[Bot, Dispatcher]]:
    """The bot and its dispatcher, with the proof renderer warmed up; all closed in order on exit.

    Background jobs (sweeps, the weekly release) are not here: they belong to `antrean worker`, one per deployment.
    """
    stack = contextlib.AsyncExitStack()
    shared = await stack.enter_async_context(shared_window(settings))
    bot = make_bot(settings, shared=shared)
    dp = build_dispatcher(runtime)
    try:
        rendering.warm_up(settings.proof_workers)
        await runtime.help.library()  # the help's index built now (25 ms), not on the first question of a rush
        yield bot, dp
    finally:
        rendering.shut_down()
        await dp.storage.close()  # writes the conversations still held in memory
        await bot.session.close()
        await stack.aclose()
