"""The bot's composition root: settings → runtime → dispatcher → long polling."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import BotCommand
from fastapi import APIRouter, FastAPI

from bot import limiter
from bot.handlers import routers
from bot.handlers.parts import drain_follow_ups
from bot.i18n import LocaleMiddleware, make_i18n
from bot.middlewares import AccountMiddleware
from bot.storage import make_storage
from core.clock import SystemClock
from core.config import Settings
from core.documents import rendering
from core.runtime import Runtime, open_runtime
from core.services.sweeps import run_sweeps
from web.app import create_app
from web.staff_app import mount_staff, staff_attached
from web.webhook import WEBHOOK_PATH, webhook_router

log = logging.getLogger(__name__)


def make_bot(settings: Settings) -> Bot:
    """A Bot talking to Telegram, or to the Bot API server the settings name (self-hosted, or our stand-in)."""
    if not settings.bot_token:
        raise ValueError("ANTREAN_BOT_TOKEN is not set")
    api = TelegramAPIServer.from_base(settings.telegram_api_url)
    bot = Bot(settings.bot_token, session=AiohttpSession(api=api))
    # One gate per process: with several workers, each gets its share of Telegram's rate through the setting.
    rate = settings.telegram_messages_per_second
    limiter.install(bot, limiter.TelegramLimiter(limiter.RateGate(rate=rate, burst=max(int(rate), 1))))
    return bot


def build_dispatcher(runtime: Runtime, storage: BaseStorage | None = None) -> Dispatcher:
    """The dispatcher with every router, the account and locale middlewares, and the runtime for handlers.

    Conversation state goes to the database (or Redis, when configured), so a restart loses nobody's place.
    """
    storage = storage or make_storage(runtime)
    dp = Dispatcher(storage=storage, runtime=runtime)
    dp.update.outer_middleware(AccountMiddleware())
    LocaleMiddleware(make_i18n()).setup(dp)
    dp.include_routers(*routers())
    return dp


COMMANDS = {
    "id": [("start", "Mulai"), ("menu", "Menu utama"), ("language", "Bahasa"), ("cancel", "Batalkan langkah ini")],
    "en": [("start", "Start"), ("menu", "Main menu"), ("language", "Language"), ("cancel", "Stop this step")],
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
    """
    gc.collect()
    gc.freeze()


async def poll(dp: Dispatcher, bot: Bot, settings: Settings, **kwargs: Any) -> None:
    """Long polling: `updates_per_fetch` updates taken at a time, at most `updates_in_flight` handled at once."""
    rendering.warm_up(settings.proof_workers)
    bot.session.middleware(limiter.FetchAtMost(settings.updates_per_fetch))
    settle_heap()
    await dp.start_polling(bot, tasks_concurrency_limit=settings.updates_in_flight, **kwargs)


@asynccontextmanager
async def bot_parts(runtime: Runtime, settings: Settings) -> AsyncIterator[tuple[Bot, Dispatcher]]:
    """The bot and its dispatcher, with the background sweeps beside them; all closed in order on exit."""
    bot = make_bot(settings)
    dp = build_dispatcher(runtime)
    stop = asyncio.Event()
    sweeps = asyncio.create_task(run_sweeps(runtime.desk, stop))
    try:
        rendering.warm_up(settings.proof_workers)
        yield bot, dp
    finally:
        await drain_follow_ups()  # proofs still on their way to applicants
        rendering.shut_down()
        stop.set()
        await sweeps
        await dp.storage.close()  # writes the conversations still held in memory
        await bot.session.close()


async def run_polling(settings: Settings) -> None:
    """Long polling until stopped, with the background sweeps beside it."""
    async with open_runtime(settings, SystemClock()) as runtime, bot_parts(runtime, settings) as (bot, dp):
        await set_commands(bot)
        await poll(dp, bot, settings)


def webhook_app(settings: Settings | None = None) -> FastAPI:
    """The web app: the staff pages and API, and the bot fed by Telegram's webhook when ANTREAN_WEBHOOK_URL is set.

    uvicorn calls this once in each worker process (`antrean web`); each worker opens its own runtime,
    bot and dispatcher, and they share conversation state through Redis.
    """
    settings = settings or Settings()
    bot_part: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_runtime(settings, SystemClock()) as runtime, staff_attached(app, runtime, settings):
            if not settings.bot_token:
                yield
                return
            async with bot_parts(runtime, settings) as (bot, dp):
                turns = asyncio.Semaphore(settings.updates_in_flight)

                async def feed_bounded(update: dict[str, Any]) -> None:
                    async with turns:
                        await dp.feed_raw_update(bot, update)

                bot_part["feed"] = feed_bounded
                settle_heap()  # as long polling does: the webhook worker is as long-lived
                if settings.webhook_url:
                    await bot.set_webhook(
                        settings.webhook_url.rstrip("/") + WEBHOOK_PATH,
                        secret_token=settings.webhook_secret,
                        allowed_updates=dp.resolve_used_update_types(),
                    )
                    await set_commands(bot)
                yield

    async def feed(update: dict[str, Any]) -> None:
        await bot_part["feed"](update)

    routers: list[APIRouter] = []
    if settings.webhook_url and settings.webhook_secret:
        routers.append(webhook_router(feed, settings.webhook_secret))
    app = create_app(*routers, lifespan=lifespan)
    mount_staff(app)
    return app
