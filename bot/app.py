"""The bot's composition root: settings → runtime → dispatcher → long polling."""

from __future__ import annotations

import asyncio
import logging

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import BotCommand

from bot import limiter
from bot.handlers import routers
from bot.i18n import LocaleMiddleware, make_i18n
from bot.middlewares import AccountMiddleware
from bot.storage import make_storage
from core.clock import SystemClock
from core.config import Settings
from core.runtime import Runtime, open_runtime
from core.services.sweeps import run_sweeps

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


async def run_polling(settings: Settings) -> None:
    """Long polling until stopped, with the background sweeps beside it."""
    async with open_runtime(settings, SystemClock()) as runtime:
        bot = make_bot(settings)
        dp = build_dispatcher(runtime)
        stop = asyncio.Event()
        sweeps = asyncio.create_task(run_sweeps(runtime.desk, stop))
        try:
            await set_commands(bot)
            await dp.start_polling(bot)
        finally:
            await dp.storage.close()
            stop.set()
            await sweeps
            await bot.session.close()
