"""The composition root: settings -> runtime -> the bot's parts -> the web app. Every entry point starts here.

Nothing else imports core, bot and web together; `bot` and `web` never import each other. Whatever is not a reply
to a tap reaches an applicant's chat through the outbox, sent by the worker with the bot's courier.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI

from bot.courier import TelegramCourier
from bot.factory import bot_parts, make_bot, poll, set_commands, settle_heap, update_types
from bot.i18n import make_i18n
from bot.inbox import InboxHandler, busy_answer
from core import metrics
from core.clock import Clock, SystemClock
from core.config import Settings
from core.crypto import Passwords
from core.pacing import RateGate
from core.persistence.inbox import Arrival
from core.runtime import Runtime, open_runtime
from core.services import outbox
from core.services.inbox import InboxPump, Intake
from core.services.jobs import Job, engine_jobs
from core.services.outbox import Courier, OutboxSender
from core.shared_pace import SharedWindow
from web.app import create_app
from web.metrics import metrics_router
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
    jobs.append(
        Job("forget handled updates", 3600, runtime.forget_handled_updates, "forgot %d updates handled a day ago")
    )
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


def webhook_address(settings: Settings) -> str:
    if not settings.webhook_url:
        raise ValueError("ANTREAN_WEBHOOK_URL is not set")
    return settings.webhook_url.rstrip("/") + WEBHOOK_PATH


async def register_webhook(settings: Settings, *, drop_pending: bool = False) -> dict[str, Any]:
    """`antrean webhook set`, once at deploy time: Telegram is told where to POST updates (with the secret, the kinds
    of update the bot takes, and at most `webhook_max_connections` at once), and the commands' menu is set.
    Returns what Telegram then says about the webhook."""
    address = webhook_address(settings)
    if not settings.webhook_secret:
        raise ValueError("ANTREAN_WEBHOOK_SECRET is not set: it proves a POST is Telegram's")
    bot = make_bot(settings, paced=False)
    try:
        await bot.set_webhook(
            address,
            secret_token=settings.webhook_secret,
            allowed_updates=update_types(),
            max_connections=settings.webhook_max_connections,
            drop_pending_updates=drop_pending,
        )
        await set_commands(bot)
        return (await bot.get_webhook_info()).model_dump(exclude_none=True)
    finally:
        await bot.session.close()


async def webhook_info(settings: Settings) -> dict[str, Any]:
    """`antrean webhook info`: what Telegram says about the webhook (address, updates waiting, last error)."""
    bot = make_bot(settings, paced=False)
    try:
        return (await bot.get_webhook_info()).model_dump(exclude_none=True)
    finally:
        await bot.session.close()


async def delete_webhook(settings: Settings, *, drop_pending: bool = False) -> None:
    """`antrean webhook delete`: back to long polling (`antrean bot`); updates waiting stay unless dropped."""
    bot = make_bot(settings, paced=False)
    try:
        await bot.delete_webhook(drop_pending_updates=drop_pending)
    finally:
        await bot.session.close()


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
                feed_to["feed"] = await stack.enter_async_context(taking_updates(rt, settings, InboxHandler(dp, bot)))
            await stack.enter_async_context(staff_attached(app, rt, settings, passwords=passwords))
            settle_heap()  # as long polling does: a web worker is as long-lived
            yield

    async def feed(update: dict[str, Any], body: str) -> dict[str, Any] | None:
        result: dict[str, Any] | None = await feed_to["feed"](update, body)
        return result

    all_routers = [*routers, metrics_router(settings.metrics_token)]
    if settings.webhook_url and settings.webhook_secret:
        all_routers.append(webhook_router(feed, settings.webhook_secret))
    app = create_app(*all_routers, lifespan=lifespan)
    mount_staff(app)
    return app


@asynccontextmanager
async def taking_updates(runtime: Runtime, settings: Settings, handler: InboxHandler) -> AsyncIterator[Any]:
    """The webhook's way in: each update kept in the inbox before Telegram is answered, and this worker's pump
    handing what waits (any worker's) to the bot. Stopping lets the updates in hand finish first."""
    pump = InboxPump(runtime.inbox, handler, in_flight=settings.updates_in_flight, lease=settings.inbox_lease_seconds)
    intake = Intake(runtime.inbox, kept=pump.wake)
    i18n = make_i18n()

    async def feed(update: dict[str, Any], body: str) -> dict[str, Any] | None:
        # Behind: a tap is answered in the webhook's reply, at once (and its update says so, for the bot).
        answer = busy_answer(update, i18n) if pump.lag > settings.busy_answer_after else None
        kept = await intake.keep(Arrival.of(update, time.time(), answered=answer is not None, body=body))
        if kept.answered_before:
            # Telegram sends an update again when our reply did not reach it: the answer that reply carried did not
            # either, and the bot will not answer the tap (its update says it was answered). Answer it again.
            return answer or busy_answer(update, i18n)
        if answer is None or not kept.new:
            return None
        metrics.ANSWERED_AT_ONCE.inc()
        return answer

    pump.start()
    try:
        yield feed
    finally:
        await pump.stop()


def web_app(settings: Settings | None = None) -> FastAPI:
    """`antrean web`: uvicorn calls this once in each worker process; each opens its own runtime and bot."""
    settings = settings or Settings()
    return web_app_with(settings, own_runtime(settings))
