"""`antrean worker`: every background job in one process, exactly one active per deployment.

The processes here are real `python -m antrean` processes on a real database; the one active worker is the one
holding the lock (an advisory lock on PostgreSQL, a file lock beside a SQLite database).
"""

from __future__ import annotations

import asyncio
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from antrean.worker import run_worker
from core.clock import FixedClock
from core.config import Settings
from core.crypto import Vault
from core.persistence.leadership import LOCK_KEY
from core.runtime import Runtime, open_runtime
from core.services import announcements, broadcasts
from core.services.broadcasts import Audience, Draft
from devtools.standin import BotApiStandin
from tests.conftest import FRIDAY_AFTERNOON, NEXT_MONDAY, SECRET
from tests.factories import add_office, register, release_days, sample_office, slot_ids

ROOT = Path(__file__).resolve().parents[2]
ACTIVE = "worker active"
# Advisory locks are per database but pg_locks shows the whole server's: other test runs hold the same key.
THIS_DATABASE = "objid = :low AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"


class Process:
    """A `python -m antrean ...` child whose output is read line by line in the background."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "antrean", *args],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self.lines.put(line)

    def wait_for(self, needle: str, seconds: float, *, times: int = 1) -> bool:
        """True once `times` lines holding `needle` were printed, False after `seconds` without them."""
        deadline = time.monotonic() + seconds
        while sum(needle in line for line in self.seen) < times:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            try:
                self.seen.append(self.lines.get(timeout=left))
            except queue.Empty:
                return False
        return True

    def output(self) -> str:
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return "".join(self.seen)

    def stop(self) -> int:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            return self.popen.wait()


@pytest.fixture
def processes() -> Iterator[list[Process]]:
    started: list[Process] = []
    yield started
    for p in started:
        p.stop()


def _env(database_url: str, **more: str) -> dict[str, str]:
    return {"ANTREAN_DATABASE_URL": database_url, "ANTREAN_ENVIRONMENT": "test", "ANTREAN_SECRET_KEY": SECRET, **more}


def _lock_holders(database_url: str) -> int:
    """How many sessions hold the workers' advisory lock."""
    engine = create_engine(make_url(database_url).set(drivername="postgresql+psycopg"))
    with engine.connect() as conn:
        count = conn.execute(
            text(f"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND {THIS_DATABASE}"),
            {"low": LOCK_KEY & 0xFFFFFFFF},
        ).scalar_one()
    engine.dispose()
    return int(count)


async def _lapsed_hold(runtime: Runtime, vault: Vault, clock: FixedClock) -> None:
    """Two places held at NEXT_MONDAY's first slot by a hold whose time is over."""
    office = await add_office(runtime, sample_office(capacity=3, slots=1))
    await release_days(runtime, office, [NEXT_MONDAY])
    (slot,) = await slot_ids(runtime, office, NEXT_MONDAY)
    account = await register(runtime, vault, 1, family=1)
    await runtime.desk.hold(account.id, slot, [a.id for a in account.applicants], ["new", "new"], "k")
    clock.advance(timedelta(minutes=6))


async def _taken(runtime: Runtime) -> int:
    async with runtime.reader() as uow:
        (state,) = (await uow.slots.in_range(1, NEXT_MONDAY, NEXT_MONDAY))[NEXT_MONDAY]
    return state.taken


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_of_two_workers_one_runs_the_jobs_and_the_other_takes_over_within_seconds_of_a_kill_9(
    database: str, request: pytest.FixtureRequest, tmp_path: Path, processes: list[Process]
) -> None:
    if database == "sqlite":
        url = f"sqlite:///{tmp_path / 'antrean.sqlite3'}"
        subprocess.run([sys.executable, "-m", "antrean", "db", "upgrade"], cwd=ROOT, env={**os.environ, **_env(url)})
    else:
        url = request.getfixturevalue("postgres_url")
    first = Process(["worker"], _env(url))
    processes.append(first)
    assert first.wait_for(ACTIVE, 30), first.output()
    second = Process(["worker"], _env(url))
    processes.append(second)
    assert second.wait_for("waiting to become the active one", 30), second.output()
    assert not second.wait_for(ACTIVE, 4), "two workers active at once:\n" + second.output()
    if database == "postgres":
        assert _lock_holders(url) == 1

    killed_at = time.monotonic()
    first.popen.send_signal(signal.SIGKILL)
    first.popen.wait()
    assert second.wait_for(ACTIVE, 15), second.output()
    took = time.monotonic() - killed_at
    assert took < 10, f"the standby took {took:.1f} s to take over"
    if database == "postgres":
        assert _lock_holders(url) == 1
    assert second.stop() == 0, second.output()


async def test_the_worker_gives_lapsed_holds_back_and_schedules_the_weekly_release_without_cron(
    runtime: Runtime, vault: Vault, clock: FixedClock, database_url: str
) -> None:
    await _lapsed_hold(runtime, vault, clock)
    clock.advance(timedelta(days=2, hours=18))  # Monday 30 Nov, 09:06: the next window opens Friday 4 Dec
    async with runtime.reader() as uow:
        (office,) = await uow.offices.list()
        assert office.id is not None
        before = await uow.slots.existing_days(office.id, [date(2026, 12, 7) + timedelta(days=i) for i in range(5)])
    assert before == set() and await _taken(runtime) == 2

    stop = asyncio.Event()
    settings = Settings(database_url=database_url, environment="test", secret_key=SECRET)
    working = asyncio.create_task(run_worker(settings, clock, stop, retry=0.05))
    try:
        for _ in range(400):
            async with runtime.reader() as uow:
                week = [date(2026, 12, 7) + timedelta(days=i) for i in range(5)]
                released = await uow.slots.existing_days(office.id, week)
            if released and await _taken(runtime) == 0:
                break
            await asyncio.sleep(0.025)
    finally:
        stop.set()
        await asyncio.wait_for(working, 10)
    # The days the next window (Friday 4 Dec 14:00 WIB) will open: the working week after it.
    assert released == {date(2026, 12, 7) + timedelta(days=i) for i in range(5)}
    assert await _taken(runtime) == 0


@pytest.mark.postgres
async def test_a_worker_whose_database_session_ends_stops_its_jobs_and_takes_the_lock_again(
    postgres_url: str, clock: FixedClock
) -> None:
    stop = asyncio.Event()
    settings = Settings(database_url=postgres_url, environment="test", secret_key=SECRET)
    working = asyncio.create_task(run_worker(settings, clock, stop, retry=0.1))
    try:
        for _ in range(100):
            if _lock_holders(postgres_url) == 1:
                break
            await asyncio.sleep(0.05)
        assert _lock_holders(postgres_url) == 1
        engine = create_engine(make_url(postgres_url).set(drivername="postgresql+psycopg"))
        with engine.connect() as conn:
            conn.execute(
                text(f"SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND {THIS_DATABASE}"),
                {"low": LOCK_KEY & 0xFFFFFFFF},
            )
        engine.dispose()
        await asyncio.sleep(0.3)
        for _ in range(100):
            if _lock_holders(postgres_url) == 1:
                break
            await asyncio.sleep(0.05)
        assert _lock_holders(postgres_url) == 1, "the worker did not take the lock again"
        assert not working.done()
    finally:
        stop.set()
        await asyncio.wait_for(working, 10)


@pytest.mark.redis
async def test_four_web_workers_run_no_background_job_and_the_worker_does(
    runtime: Runtime, vault: Vault, clock: FixedClock, database_url: str, redis_url: str, processes: list[Process]
) -> None:
    await _lapsed_hold(runtime, vault, clock)
    env = _env(database_url, ANTREAN_WEB_WORKERS="4", ANTREAN_REDIS_URL=redis_url, ANTREAN_WEB_PORT=str(_free_port()))
    web = Process(["web"], env)
    processes.append(web)
    # Every one of the four processes up, then longer than the sweep's interval (5 s) for a sweep to show.
    assert await asyncio.to_thread(web.wait_for, "Application startup complete", 90, times=4), web.output()
    await asyncio.sleep(7)
    assert await _taken(runtime) == 2, "a web worker swept the holds"

    worker = Process(["worker"], env)
    processes.append(worker)
    for _ in range(300):
        if await _taken(runtime) == 0:
            break
        await asyncio.sleep(0.1)
    assert await _taken(runtime) == 0, worker.output()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_a_worker_killed_mid_broadcast_and_restarted_reaches_everyone_and_sends_a_proof_written_while_down(
    database_url: str, redis_url: str, processes: list[Process], vault: Vault
) -> None:
    """kill -9 in the middle of a broadcast, then a restart: every recipient gets it, nobody twice but the rows that
    were in flight; and a proof whose confirmation came while no worker ran (the bot killed right after
    "Pesanan berhasil ✅") arrives once a worker runs."""
    url = database_url  # migrated and empty
    settings = Settings(database_url=url, environment="test", secret_key=SECRET)
    chats = list(range(70_001, 70_061))  # 60 subscribers: two seconds at 30 a second
    async with BotApiStandin() as telegram, open_runtime(settings, FixedClock(FRIDAY_AFTERNOON)) as rt:
        office = await add_office(rt, sample_office())
        await release_days(rt, office, [NEXT_MONDAY])
        for chat in chats:
            telegram.meet(chat)
            await announcements.subscribe(rt.uow(), chat, office.id or 0, "id", rt.clock.now())
        booker = await register(rt, vault, 70_100)
        telegram.meet(70_100)
        first_slot = (await slot_ids(rt, office, NEXT_MONDAY))[0]
        hold = await rt.desk.hold(booker.id, first_slot, [booker.applicants[0].id], ["new"], "k")
        await rt.desk.confirm(booker.id, hold.booking_id)  # its proof waits in the outbox: no worker runs yet
        sent = await broadcasts.send(rt.uow(), Draft("TST", Audience.SUBSCRIBERS, "Halo semua"), rt.clock.now())
        # With Redis, as a deployment of several processes runs: the pace is kept in the shared window.
        env = _env(
            url, ANTREAN_BOT_TOKEN="123456:WORKER-test", ANTREAN_TELEGRAM_API_URL=telegram.base_url,
            ANTREAN_REDIS_URL=redis_url,
        )  # fmt: skip

        first = Process(["worker"], env)
        processes.append(first)
        for _ in range(400):
            if telegram.sent_count() >= 25:
                break
            await asyncio.sleep(0.05)
        first.popen.send_signal(signal.SIGKILL)
        first.popen.wait()
        at_kill = telegram.sent_count()
        assert 25 <= at_kill < len(chats) + 1, first.output()

        second = Process(["worker"], env)
        processes.append(second)
        for _ in range(600):
            done = await broadcasts.progress(rt.reader(), sent.id)
            if done.finished:
                break
            await asyncio.sleep(0.05)
        assert done.finished and done.sent == len(chats), second.output()
        # (The worker's own weekly release alerts the same subscribers too: the real clock is inside a window.)
        received = Counter(
            {chat: sum("Halo semua" in str(m.get("text")) for m in await telegram.chat(chat)) for chat in chats}
        )
        assert min(received.values()) == 1  # nobody missed it
        twice = sum(n - 1 for n in received.values())
        assert twice <= 4, received  # at most the rows in flight at the kill (two chunks of 2 at 30 a second)
        documents = [s for s in telegram.sends() if s.method == "sendDocument"]
        assert [d.chat_id for d in documents] == [70_100]  # the proof, once, first in line
        assert second.stop() == 0, second.output()
        assert "Redis cannot keep the shared pace" not in first.output() + second.output()
        times = sorted(s.at for s in telegram.sends())
        assert max(sum(1 for t in times if a <= t < a + 1.0) for a in times) <= 31  # the stand-in's own jitter: 1
