"""Two webhook workers in processes of their own on PostgreSQL and Redis, behind a load balancer the stand-in plays:
a chat's updates are handled in order whichever worker received them, a repeated update is handled once, and a
worker killed in the middle of an update leaves it to the other."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from antrean.bootstrap import register_webhook
from bench.bot_rush import BOOK, CONFIRM, DAY_LABEL, OFFICE, TOKEN, seed
from bench.engine_rush import NOW, SECRET
from bench.workers import Worker, ready, start_worker
from core.config import Settings
from devtools.standin import BotApiStandin
from tests.web.serving import free_port

pytestmark = pytest.mark.postgres

HOOK_SECRET = "hook-secret-0123456789"
USER = 10_000  # the first account seed() registers
QUESTIONS = ["/help kapan kuota dibuka", "/help berkas apa saja yang dibawa", "/help bisa batal tidak"]


def _rows(url: str, sql: str) -> list[Any]:
    engine = create_engine(make_url(url).set(drivername="postgresql+psycopg"))
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(sql)).all())
    finally:
        engine.dispose()


@asynccontextmanager
async def two_workers(url: str, redis_url: str, telegram: BotApiStandin) -> AsyncIterator[list[Worker]]:
    """Two workers with leases of two seconds, the webhook registered once, and updates spread over both."""
    ports = [free_port(), free_port()]
    env = {
        "ANTREAN_DATABASE_URL": url, "ANTREAN_REDIS_URL": redis_url, "ANTREAN_ENVIRONMENT": "test",
        "ANTREAN_SECRET_KEY": SECRET, "ANTREAN_BOT_TOKEN": TOKEN, "ANTREAN_TELEGRAM_API_URL": telegram.base_url,
        "ANTREAN_WEBHOOK_URL": f"http://127.0.0.1:{ports[0]}", "ANTREAN_WEBHOOK_SECRET": HOOK_SECRET,
        "ANTREAN_INBOX_LEASE_SECONDS": "2", "ANTREAN_PROOF_WORKERS": "0",
    }  # fmt: skip
    workers = [start_worker(env, port, NOW) for port in ports]
    try:
        await asyncio.gather(*(ready(w) for w in workers))
        settings = Settings(
            database_url=url, environment="test", secret_key=SECRET, bot_token=TOKEN,
            telegram_api_url=telegram.base_url, webhook_url=env["ANTREAN_WEBHOOK_URL"], webhook_secret=HOOK_SECRET,
        )  # fmt: skip
        await register_webhook(settings)
        telegram.spread_over([w.url for w in workers])
        yield workers
    finally:
        for worker in workers:
            await asyncio.to_thread(worker.stop)


@pytest.fixture
async def seeded(postgres_url: str) -> str:
    from tests.conftest import truncate_postgres

    truncate_postgres(postgres_url)
    await seed(postgres_url, applicants=3, places=20)
    return postgres_url


async def _texts_sent(telegram: BotApiStandin, user: int) -> list[str]:
    return [p["text"] for m, p in telegram.calls if m == "sendMessage" and p.get("chat_id") == user]


async def test_a_chats_updates_are_handled_in_order_when_they_land_on_different_workers(
    seeded: str, redis_url: str
) -> None:
    async with BotApiStandin() as telegram, two_workers(seeded, redis_url, telegram):
        answers = {}
        for question in QUESTIONS:  # one at a time: each question's own answer
            before = len(await _texts_sent(telegram, USER))
            await telegram.user_sends_text(USER, question)
            await telegram.wait_for_bot(USER, calls=1, timeout=20)
            answers[question] = (await _texts_sent(telegram, USER))[before]
        assert len(set(answers.values())) == len(QUESTIONS)
        asked = [QUESTIONS[i] for i in (0, 2, 1, 1, 0, 2, 0)]
        before = len(await _texts_sent(telegram, USER))
        sends_before = len(telegram.sends())
        telegram.delay = 0.4  # each answer takes a while: handled side by side, they would all go out at once
        for question in asked:  # typed faster than any worker answers
            await telegram.user_sends_text(USER, question)
        for _ in range(400):
            if len(await _texts_sent(telegram, USER)) - before >= len(asked):
                break
            await asyncio.sleep(0.05)
        assert (await _texts_sent(telegram, USER))[before:] == [answers[q] for q in asked]
        times = [s.at for s in telegram.sends()[sends_before:] if s.chat_id == USER]
        assert all(later - earlier >= 0.35 for earlier, later in itertools.pairwise(times))  # one after the other
    takers = {row[0].rsplit(":", 1)[1] for row in _rows(seeded, "SELECT taken_by FROM inbox")}
    assert len(takers) == 2  # both workers took part


async def test_an_update_delivered_twice_to_two_workers_is_handled_once_and_books_once(
    seeded: str, redis_url: str
) -> None:
    async with BotApiStandin() as telegram, two_workers(seeded, redis_url, telegram):
        telegram.repeat_deliveries = True  # each update again, to the other worker, as if the answer was lost
        await telegram.user_sends_text(USER, "/menu")
        await telegram.wait_for_bot(USER, calls=1, timeout=20)
        for label in (BOOK, OFFICE, DAY_LABEL, None, CONFIRM):
            if label is None:  # the first time offered
                message = await telegram.last_bot_message(USER)
                assert message is not None
                buttons = [b["text"] for row in message["reply_markup"]["inline_keyboard"] for b in row]
                label = next(b for b in buttons if "· sisa" in b)
            await telegram.user_taps_button(USER, label)
            await telegram.wait_for_bot(USER, calls=2, timeout=20)
        await asyncio.sleep(1.0)  # time for a second handling, if there were one
        assert [e for e in telegram.errors if "query" in e[2].lower() or "not modified" in e[2]] == []
    confirmed = _rows(seeded, "SELECT count(*) FROM bookings WHERE status = 'confirmed'")
    assert confirmed[0][0] == 1
    takes = _rows(seeded, "SELECT takes, done_at IS NOT NULL FROM inbox")
    assert takes and all(row == (1, True) for row in takes)


async def test_a_worker_killed_in_the_middle_of_an_update_leaves_it_to_the_other(seeded: str, redis_url: str) -> None:
    async with BotApiStandin() as telegram, two_workers(seeded, redis_url, telegram) as workers:
        await telegram.user_sends_text(USER, QUESTIONS[0])
        await telegram.wait_for_bot(USER, calls=1, timeout=20)
        answer = (await _texts_sent(telegram, USER))[-1]
        telegram.delay = 3.0  # every Bot API call now takes three seconds: the worker is killed inside one
        update_id = await telegram.user_sends_text(USER, QUESTIONS[0])
        holder = None
        for _ in range(200):
            taken = _rows(seeded, f"SELECT taken_by FROM inbox WHERE update_id = {update_id}")
            if taken and taken[0][0]:
                holder = int(taken[0][0].rsplit(":", 1)[1])
                break
            await asyncio.sleep(0.05)
        assert holder is not None
        await asyncio.sleep(0.5)  # inside its call to Telegram now
        victim = next(w for w in workers if w.pid == holder)
        await asyncio.to_thread(victim.kill)
        telegram.delay = 0.0
        for _ in range(300):  # the lease runs out after two seconds; then the other worker takes it
            if (await _texts_sent(telegram, USER)).count(answer) >= 2:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)
        assert (await _texts_sent(telegram, USER)).count(answer) == 2  # the first question's, and this one: once
    row = _rows(seeded, f"SELECT takes, done_at IS NOT NULL, taken_by FROM inbox WHERE update_id = {update_id}")
    assert row[0][0] == 2 and row[0][1] is True and not row[0][2].endswith(f":{holder}")
