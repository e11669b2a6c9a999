"""`antrean demo`: everything on embedded defaults in one process, for a newcomer's first look.

A SQLite file with the shipped offices and released days, the Bot API stand-in, the bot polling it, and the
web app with the staff pages and the browser chat playground. No token, no server to install.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import uvicorn
from aiogram import Bot
from fastapi import FastAPI

from bot.app import bot_parts, poll, set_commands
from bot.standin import BotApiStandin
from core.clock import Clock, SystemClock
from core.config import Settings
from core.crypto import Passwords
from core.demo import DEMO_PASSWORD, DEMO_STAFF, migrate, prepare_demo
from core.runtime import Runtime, open_runtime
from web.app import create_app
from web.playground import PLAYGROUND_PATH, playground_router
from web.staff_app import mount_staff, staff_attached

DEMO_TOKEN = "123456:ANTREAN-DEMO"  # the stand-in accepts any token; Telegram never sees this one


@dataclass(frozen=True, slots=True)
class RunningDemo:
    web: str  # the staff pages, e.g. http://127.0.0.1:8080
    playground: str
    standin: BotApiStandin
    runtime: Runtime
    bot: Bot


@asynccontextmanager
async def running_demo(
    settings: Settings,
    *,
    host: str = "127.0.0.1",
    web_port: int = 8080,
    standin_port: int = 8081,
    clock: Clock | None = None,
    passwords: Passwords | None = None,
    say: Callable[[str], None] = print,
) -> AsyncIterator[RunningDemo]:
    """Starts the whole demo and yields it running; stops it all on exit. Port 0 picks a free port."""
    clock = clock or SystemClock()
    passwords = passwords or Passwords()
    await migrate(settings.database_url)
    standin = BotApiStandin(username="antrean_demo_bot")
    standin_url = await standin.start(host, standin_port)
    async with contextlib.AsyncExitStack() as stack:
        stack.push_async_callback(standin.stop)
        bot_settings = settings.model_copy(update={"bot_token": DEMO_TOKEN, "telegram_api_url": standin_url})
        runtime = await stack.enter_async_context(open_runtime(bot_settings, clock))
        facts = await prepare_demo(runtime, clock, passwords)
        bot, dp = await stack.enter_async_context(bot_parts(runtime, bot_settings))

        @asynccontextmanager
        async def lifespan(app: FastAPI) -> AsyncIterator[None]:
            async with staff_attached(app, runtime, settings, passwords=passwords):
                yield

        app = create_app(playground_router(standin_url), lifespan=lifespan)
        mount_staff(app)
        server = uvicorn.Server(uvicorn.Config(app, host=host, port=web_port, log_level="warning", lifespan="on"))
        serving = asyncio.create_task(server.serve())
        await set_commands(bot)
        polling = asyncio.create_task(poll(dp, bot, bot_settings, handle_signals=False, polling_timeout=10))
        try:
            while not server.started:
                if serving.done():
                    serving.result()  # the port was taken, say: show why
                    raise RuntimeError("the web server stopped while starting")
                await asyncio.sleep(0.05)
            bound = server.servers[0].sockets[0].getsockname()[1]
            web = f"http://{host}:{bound}"
            demo = RunningDemo(web, web + PLAYGROUND_PATH, standin, runtime, bot)
            say(f"Antrean demo on {settings.database_url}")
            for line in facts.lines:
                say(f"  {line}")
            say(f"  Chat with the bot in a browser:  {demo.playground}")
            say(f"  Staff pages:                     {demo.web}/login")
            for username, name, role, codes in DEMO_STAFF:
                where = f" at {', '.join(codes)}" if codes else ""
                say(f"    {role.value:<8} login {username} / {DEMO_PASSWORD}  ({name}{where})")
            say(f"  Staff API (OpenAPI):             {demo.web}/docs")
            say(f"  Bot API stand-in:                {standin_url}")
            say("Stop with Ctrl-C.")
            yield demo
        finally:
            await dp.stop_polling()
            with contextlib.suppress(Exception):
                await polling
            server.should_exit = True
            await serving


async def run_demo(settings: Settings, *, web_port: int, standin_port: int) -> None:
    """Runs until Ctrl-C or SIGTERM, then stops every part in order."""
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopped.set)
    async with running_demo(settings, web_port=web_port, standin_port=standin_port):
        await stopped.wait()
