"""The composition root: settings -> runtime -> the bot's parts -> the web app. Every entry point starts here.

Nothing else imports core, bot and web together; `bot` and `web` never import each other. Whatever is not a reply
to a tap reaches an applicant's chat through the outbox, sent by the worker with the bot's courier.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI

from bot.courier import TelegramCourier
from bot.factory import Feeder, bot_parts, make_bot, poll, set_commands, settle_heap
from bot.i18n import make_i18n
from core.clock import Clock, SystemClock
from core.config import Settings
from core.crypto import Passwords
from core.pacing import RateGate
from core.runtime import Runtime, open_runtime
from core.services import outbox
from core.services.jobs import Job, engine_jobs
from core.services.outbox import Courier, OutboxSender
from core.shared_pace import SharedWindow
from web.app import create_app
from web.staff_app import mount_staff, staff_attached
from web.webhook import WEBHOOK_PATH, webhook_router

# Where a web app gets its runtime: its own, opened when the app starts, or one the caller already runs.
RuntimeSource = Callable[[FastAPI], AbstractAsyncContextManager[Runtime]]


def worker_jobs(runtime: Runtime, sender: OutboxSender | None = None) -> list[Job]:
    """Every background job the deployment needs running (`antrean worker`, or the demo's single process)."""
    jobs = engine_jobs(
        runtime.desk, runtime.uow, runtime.clock, retention=runtime.settings.retention,
        relay=runtime.settings.support_group_id,
    )  # fmt: skip
    if sender is not None:
        jobs.append(
            Job("send the outbox", outbox.IDLE_EVERY, sender.run, "sent %d messages", interrupt=sender.interrupt)
        )
    return jobs


@asynccontextmanager
async def outbox_courier(runtime: Runtime) -> AsyncIterator[TelegramCourier]:
    """The outbox's way into Telegram: a bot of its own, unpaced (the sender keeps the pace)."""
    bot = make_bot(runtime.settings, paced=False)
    try:
        yield TelegramCourier(bot, runtime, make_i18n())
    finally:
        await bot.session.close()


def outbox_sender(
    runtime: Runtime, courier: Courier, *, gate: RateGate | None = None, shared: SharedWindow | None = None
) -> OutboxSender:
    """A sender at the settings' pace; `gate`: the bot's own, when it runs in the bot's process; `shared`: the
    deployment's window in Redis, which the bot's replies take first."""
    s = runtime.settings
    if gate is None and shared is not None:
        gate = RateGate.within(s.outbox_messages_per_second, shared=shared)
    return OutboxSender(
        runtime.uow,
        courier,
        runtime.clock,
        reader=runtime.reader,
        per_second=s.outbox_messages_per_second,
        paid_per_second=s.outbox_paid_messages_per_second,
        chat_interval=s.outbox_chat_interval,
        gate=gate,
    )


async def run_bot(settings: Settings, clock: Clock | None = None) -> None:
    """`antrean bot`: long polling until stopped."""
    async with open_runtime(settings, clock or SystemClock()) as runtime, bot_parts(runtime, settings) as (bot, dp):
        await set_commands(bot)
        await poll(dp, bot, settings)


def own_runtime(settings: Settings, clock: Clock | None = None) -> RuntimeSource:
    """A runtime opened with the app and closed with it (each uvicorn worker process has its own)."""

    @asynccontextmanager
    async def source(app: FastAPI) -> AsyncIterator[Runtime]:
        async with open_runtime(settings, clock or SystemClock()) as runtime:
            yield runtime

    return source


def web_app_with(
    settings: Settings,
    runtime: RuntimeSource,
    *routers: APIRouter,
    passwords: Passwords | None = None,
) -> FastAPI:
    """The staff pages and API, plus the bot fed by Telegram's webhook when ANTREAN_WEBHOOK_URL is set.

    Staff actions reach applicants' chats through the outbox, which `antrean worker` sends.
    """
    feed_to: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            rt = await stack.enter_async_context(runtime(app))
            if settings.bot_token and settings.webhook_url:
                bot, dp = await stack.enter_async_context(bot_parts(rt, settings))
                feeder = Feeder(dp, bot, settings.updates_in_flight)
                feed_to["feed"] = feeder
                stack.push_async_callback(feeder.drain)  # before the bot's parts close: updates taken in finish
                await bot.set_webhook(
                    settings.webhook_url.rstrip("/") + WEBHOOK_PATH,
                    secret_token=settings.webhook_secret,
                    allowed_updates=dp.resolve_used_update_types(),
                )
                await set_commands(bot)
            await stack.enter_async_context(staff_attached(app, rt, settings, passwords=passwords))
            settle_heap()  # as long polling does: a web worker is as long-lived
            yield

    async def feed(update: dict[str, Any]) -> None:
        await feed_to["feed"](update)

    all_routers = list(routers)
    if settings.webhook_url and settings.webhook_secret:
        all_routers.append(webhook_router(feed, settings.webhook_secret))
    app = create_app(*all_routers, lifespan=lifespan)
    mount_staff(app)
    return app


def web_app(settings: Settings | None = None) -> FastAPI:
    """`antrean web`: uvicorn calls this once in each worker process; each opens its own runtime and bot."""
    settings = settings or Settings()
    return web_app_with(settings, own_runtime(settings))
