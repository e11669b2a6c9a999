"""`antrean demo`: everything on embedded defaults in one process, for a newcomer's first look.

A SQLite file with the shipped offices and released days, the Bot API stand-in, the bot polling it, the
background jobs, and the web app with the staff pages and the browser chat playground. No token, no server.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import uvicorn
from aiogram import Bot
from fastapi import FastAPI

from antrean.bootstrap import outbox_courier, outbox_sender, web_app_with, worker_jobs
from bot.factory import bot_parts, poll, set_commands
from bot.limiter import gate_of
from core.clock import Clock, FixedClock, SystemClock
from core.config import Settings
from core.crypto import Passwords
from core.domain.booking import format_booking_code
from core.domain.errors import DomainError
from core.domain.offices import Office
from core.domain.staff import InvalidStaffAccount, Role
from core.languages import LOCALES
from core.runtime import Runtime, open_runtime, upgrade_database
from core.services import accounts, calendar, fair_opening, my_bookings, offices, quota, release, staff
from core.services.closures import closures_between
from core.services.jobs import run_jobs
from devtools.demo_data import (
    DEMO_BOT_USERNAME,
    DEMO_OFFICES,
    DEMO_PASSWORD,
    DEMO_STAFF,
    DEMO_TOKEN,
    FAIR_OFFICE,
    TODAY_FAMILIES,
    TODAY_OFFICE,
    demo_nik,
)
from devtools.playground import PLAYGROUND_PATH, playground_router
from devtools.standin import BotApiStandin


@dataclass
class DemoFacts:
    lines: list[str] = field(default_factory=list)  # what the demo prints about its data


@dataclass(frozen=True, slots=True)
class RunningDemo:
    web: str  # the staff pages, e.g. http://127.0.0.1:8080
    playground: str
    standin: BotApiStandin
    runtime: Runtime
    bot: Bot
    facts: tuple[str, ...] = ()  # what the demo printed about its data (offices, free days, codes to check in)


async def migrate(url: str) -> None:
    # Alembic runs its own event loop; give it a thread of its own.
    await asyncio.to_thread(upgrade_database, url)


async def _office(rt: Runtime, code: str) -> Office:
    async with rt.reader() as uow:
        office = await uow.offices.get(code)
    assert office is not None, code
    return office


async def prepare_demo(rt: Runtime, clock: Clock, passwords: Passwords) -> DemoFacts:
    """Offices, the weekly release, five days released now at one office per zone, and the demo logins."""
    facts = DemoFacts()
    added, _ = await offices.import_offices(rt.uow(), offices.shipped_offices_csv())
    scheduled = await release.schedule_weekly_release(rt.uow(), clock.now())
    now = clock.now()
    for code in DEMO_OFFICES:
        office = await _office(rt, code)
        today = office.today(now)
        candidates = [today + timedelta(days=i) for i in range(1, 15)]
        closed = closures_between(candidates[0], candidates[-1], {})
        days = [d for d in candidates if office.is_working_day(d) and d not in closed][:5]
        await release.release_by_hand(rt.uow(), code, days, now)
    for username, name, role, codes in DEMO_STAFF:
        try:
            await staff.create_staff(
                rt.uow(),
                passwords,
                username=username,
                display_name=name,
                password=DEMO_PASSWORD,
                role=Role(role),
                office_codes=codes,
                now=now,
            )
        except InvalidStaffAccount as err:
            if err.reason != "taken":  # taken: made when the demo ran before on the same file
                raise
    facts.lines.append(f"{added} offices imported; weekly release scheduled for {len(scheduled)} offices")
    await quota.set_fair_opening(rt.uow(), FAIR_OFFICE, True, now=now)
    await fair_opening.prepare(rt.uow, now)
    fair = await _office(rt, FAIR_OFFICE)
    draw = await fair_opening.current(rt.reader(), fair, now)
    if draw is not None and draw.registering(now):
        until = f"{fair.local(draw.closes_at):%a %d %b %H:%M} {fair.zone_label}"
        facts.lines.append(f"{FAIR_OFFICE} opens by draw: register on its calendar until {until}")
    else:
        facts.lines.append(f"{FAIR_OFFICE} opens by draw: its next draw takes registrations once this window closes")
    for code in DEMO_OFFICES:
        office = await _office(rt, code)
        view = await calendar.month_calendar(rt.reader(), code, now.year, now.month, party=1, now=now)
        free = [d.day.isoformat() for d in view.days if d.state.value == "free"]
        facts.lines.append(f"{office.code} {office.name} ({office.zone_label}): free {', '.join(free) or 'next month'}")
    return facts


async def seed_today(settings: Settings, clock: Clock) -> list[str]:
    """A few families booked for today at the counter's office, so check-in can be tried at once.

    Today can never be released (nor booked) on the day itself, so the bookings are made as of yesterday, with
    a clock set to then: the same use cases an applicant's taps call, nothing written around them. A day the
    office is closed (a weekend, a holiday) has nobody to check in, and says so.
    """
    now = clock.now()
    async with open_runtime(settings, clock) as rt:
        office = await _office(rt, TODAY_OFFICE)
        today = office.today(now)
        yesterday = FixedClock(office.local(now).replace(hour=10, minute=0) - timedelta(days=1))
        closed = closures_between(today, today, {})
        if not office.is_working_day(today) or today in closed:
            return [f"{office.code} is closed today ({today}): check-in can be tried on a working day"]
    codes: list[str] = []
    async with open_runtime(settings, yesterday) as past:
        with contextlib.suppress(DomainError):  # released already when the demo ran earlier today
            await release.release_by_hand(past.uow(), office.code, [today], yesterday.now())
        async with past.reader() as uow:
            assert office.id is not None
            slots = (await uow.slots.in_range(office.id, today, today)).get(today, [])
        if not slots:
            return [f"{office.code} has no arrival slots today: check-in can be tried on a working day"]
        for i, (owner, members) in enumerate(TODAY_FAMILIES):
            user = 9_000_000_000 + today.toordinal() * 10 + i  # new accounts each day: last day's are frozen
            found = await accounts.account_by_telegram_user(past.reader(), user)
            if found is None:
                found = await _register_family(past, user, owner, members, today, i, yesterday.now())
                ids = [a.id for a in found.applicants]
                slot = slots[i % len(slots)].slot_id
                held = await past.desk.hold(found.id, slot, ids, ["new"] * len(ids), f"demo-{today}-{i}")
                await past.desk.confirm(found.id, held.booking_id)
            for b in await my_bookings.my_bookings(past.reader(), found.id, yesterday.now()):
                if b.day == today:
                    span = f"{b.start:%H:%M}–{b.end:%H:%M} {b.office.zone_label}"
                    people = f"{b.party_size} applicant{'s' if b.party_size > 1 else ''}"
                    codes.append(f"{format_booking_code(b.code)} ({owner[0]}, {people}, {span})")
    return [f"Check-in today at {office.code}, booking codes: " + "; ".join(codes)]


async def _register_family(
    rt: Runtime,
    user: int,
    owner: tuple[str, date],
    members: tuple[tuple[str, date], ...],
    today: date,
    family: int,
    now: datetime,
) -> accounts.AccountView:
    name, born = owner
    made = await accounts.register_owner(
        rt.uow(),
        rt.vault,
        telegram_user_id=user,
        full_name=name,
        nik=demo_nik(born, today, family, 0),
        birth_date=born,
        kk="3174010101200001",
        phone=None,
        language="id",
        now=now,
    )
    for position, (member, member_born) in enumerate(members, start=1):
        await accounts.add_family_member(
            rt.uow(),
            rt.vault,
            account_id=made.id,
            full_name=member,
            nik=demo_nik(member_born, today, family, position),
            birth_date=member_born,
            now=now,
        )
    found = await accounts.account_by_telegram_user(rt.reader(), user)
    assert found is not None
    return found


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
    standin = BotApiStandin(username=DEMO_BOT_USERNAME, token=DEMO_TOKEN)  # the demo's bot alone may use it
    standin_url = await standin.start(host, standin_port)
    async with contextlib.AsyncExitStack() as stack:
        stack.push_async_callback(standin.stop)
        bot_settings = settings.model_copy(update={"bot_token": DEMO_TOKEN, "telegram_api_url": standin_url})
        runtime = await stack.enter_async_context(open_runtime(bot_settings, clock))
        facts = await prepare_demo(runtime, clock, passwords)
        try:
            facts.lines.extend(await seed_today(bot_settings, clock))
        except DomainError as err:  # a demo database from long ago, say: the demo still runs, without them
            facts.lines.append(f"no bookings for today were made ({err.code}): check-in needs one")
        bot, dp = await stack.enter_async_context(bot_parts(runtime, bot_settings))
        # One process is the whole deployment here, so it is its own (only) worker.
        jobs_stop = asyncio.Event()
        courier = await stack.enter_async_context(outbox_courier(runtime))
        sender = outbox_sender(runtime, courier, gate=gate_of(bot))  # behind the bot's replies, in one process
        jobs = asyncio.create_task(run_jobs(worker_jobs(runtime, sender), jobs_stop))

        @asynccontextmanager
        async def attached(app: FastAPI) -> AsyncIterator[Runtime]:
            yield runtime

        # The web side gets the stand-in's bot too, so what staff send an applicant lands in the playground.
        playground = playground_router(standin_url, locales=LOCALES)
        app = web_app_with(bot_settings, attached, playground, passwords=passwords)
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
            standin.allow_origin(web)  # the playground's page, and no other, may play users on the stand-in
            demo = RunningDemo(web, web + PLAYGROUND_PATH, standin, runtime, bot, tuple(facts.lines))
            say(f"Antrean demo on {settings.database_url}")
            for line in facts.lines:
                say(f"  {line}")
            say(f"  Chat with the bot in a browser:  {demo.playground}")
            say(f"  Staff pages:                     {demo.web}/login")
            for username, name, role, codes in DEMO_STAFF:
                where = f" at {', '.join(codes)}" if codes else ""
                say(f"    {role:<8} login {username} / {DEMO_PASSWORD}  ({name}{where})")
            say(f"  Staff API (OpenAPI):             {demo.web}/docs")
            say(f"  Bot API stand-in:                {standin_url}")
            say("Stop with Ctrl-C.")
            yield demo
        finally:
            # Each part stops on its own, so that one that never started does not hide why the demo stopped.
            with contextlib.suppress(RuntimeError):  # polling had not started yet
                await dp.stop_polling()
            with contextlib.suppress(Exception):
                await polling
            server.should_exit = True
            with contextlib.suppress(Exception):
                await serving
            jobs_stop.set()
            await jobs


async def run_demo(settings: Settings, *, web_port: int, standin_port: int) -> None:
    """Runs until Ctrl-C or SIGTERM, then stops every part in order."""
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopped.set)
    async with running_demo(settings, web_port=web_port, standin_port=standin_port):
        await stopped.wait()
