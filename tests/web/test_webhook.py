"""Webhook mode: the stand-in POSTs updates to the web app, which feeds the same dispatcher as polling."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.web.serving import HOOK_SECRET, Served, serving_webhook
from web.webhook import WEBHOOK_PATH


@pytest.fixture
async def served(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[Served]:
    path = tmp_path / "web.sqlite3"
    shutil.copy(sqlite_template, path)
    async with serving_webhook(path) as (served, _):
        yield served


async def test_an_update_posted_by_telegram_is_answered_by_the_bot(served: Served) -> None:
    await served.telegram.user_sends_text(7001, "/start")
    await served.telegram.wait_for_bot(7001, calls=2)
    message = await served.telegram.last_bot_message(7001)
    assert message is not None and "Apakah Anda setuju?" in message["text"]
    assert await served.telegram.updates_pending() == 0  # delivered, not waiting for a poll


@pytest.mark.parametrize("header", [None, "wrong-secret-0123456789"])
async def test_a_post_without_telegrams_secret_is_refused_and_not_handled(served: Served, header: str | None) -> None:
    update = {"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": {"id": 7002, "type": "private"},
              "from": {"id": 7002, "is_bot": False, "first_name": "X"}, "text": "/start"}}  # fmt: skip
    headers = {"X-Telegram-Bot-Api-Secret-Token": header} if header else {}
    async with httpx.AsyncClient(base_url=served.url) as client:
        response = await client.post(WEBHOOK_PATH, json=update, headers=headers)
    assert response.status_code == 401
    await asyncio.sleep(0.2)
    assert [c for c in served.telegram.calls if c[0] == "sendMessage"] == []


async def test_the_app_answers_a_health_check(served: Served) -> None:
    async with httpx.AsyncClient(base_url=served.url) as client:
        assert (await client.get("/healthz")).json() == {"status": "ok"}


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'{"update_id": 1, "message": ', id="malformed JSON"),
        pytest.param(b'{"update_id": 1, "text": "\xff\xfe"}', id="not UTF-8"),
        pytest.param(b"[" * 100_000 + b"]" * 100_000, id="nested 100,000 deep"),
        pytest.param(b'"just a string"', id="not an object"),
        pytest.param(b'{"update_id": "one"}', id="no update id"),
    ],
)
async def test_a_body_that_is_not_an_update_is_a_400_from_telegrams_own_address(served: Served, body: bytes) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": HOOK_SECRET, "Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=served.url) as client:
        response = await client.post(WEBHOOK_PATH, content=body, headers=headers)
    assert response.status_code == 400


async def test_a_body_larger_than_any_update_is_refused_before_it_is_read_whole(served: Served) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": HOOK_SECRET, "Content-Type": "application/json"}

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the limit holds while streaming too
        yield b'{"update_id": 1, "x": "'
        for _ in range(40):
            yield b"a" * (1 << 20)
        yield b'"}'

    async with httpx.AsyncClient(base_url=served.url) as client:
        declared = await client.post(WEBHOOK_PATH, content=b"{" + b" " * (2 << 20) + b"}", headers=headers)
        streamed = await client.post(WEBHOOK_PATH, content=chunks(), headers=headers)
    assert declared.status_code == 413 and streamed.status_code == 413


async def test_an_update_taken_in_is_answered_even_when_the_worker_stops_right_after(
    sqlite_template: Path, tmp_path: Path
) -> None:
    path = tmp_path / "web.sqlite3"
    shutil.copy(sqlite_template, path)
    # Every Bot API call takes a while: the answer comes after the worker was told to stop.
    async with serving_webhook(path, delay=0.3) as (served, server):
        telegram = served.telegram
        await telegram.user_sends_text(7010, "/start")
        for _ in range(500):  # until delivered: Telegram counts it done and will not send it again
            if not await telegram.updates_pending():
                break
            await asyncio.sleep(0.01)
        server.should_exit = True  # a deploy stops the worker now
    assert any(method == "sendMessage" and params["chat_id"] == 7010 for method, params in telegram.calls)


async def test_taps_that_wait_behind_a_rush_are_answered_at_once_and_handled_in_turn(
    sqlite_template: Path, tmp_path: Path
) -> None:
    path = tmp_path / "web.sqlite3"
    shutil.copy(sqlite_template, path)
    # One update at a time, and every Bot API call slow: taps pile up behind each other.
    async with serving_webhook(path, updates_in_flight=1, busy_answer_after=0.3) as (served, _):
        telegram = served.telegram
        users = list(range(7101, 7109))
        for user in users:
            await telegram.user_sends_text(user, "/start")
            await telegram.wait_for_bot(user, calls=2)
        firsts = {}
        for user in users:  # the consent's first button
            message = await telegram.last_bot_message(user)
            assert message is not None and "Apakah Anda setuju?" in message["text"]
            firsts[user] = message["reply_markup"]["inline_keyboard"][0][0]["text"]
        telegram.delay = 0.25
        queries = []
        for user in users:  # a tap every 0.25 s, and each takes longer than that to handle
            queries.append(await telegram.user_taps_button(user, firsts[user]))
            await asyncio.sleep(0.25)
        for _ in range(200):  # the later taps: answered at once, by the webhook's reply
            if len([q for q in queries if await telegram.answered(q)]) >= 3:
                break
            await asyncio.sleep(0.05)
        answers = [await telegram.answered(q) for q in queries]
        at_once = [a for a in answers if a is not None and (a["text"] or "").startswith("⏳")]
        assert len(at_once) >= 2 and "antrean" in at_once[0]["text"]
        for user in users:  # and every tap is handled, in turn
            await telegram.wait_for_bot(user, calls=2, timeout=30)
        telegram.delay = 0.0
    assert not [e for e in telegram.errors if e[0] == "answerCallbackQuery"]  # nobody answered a tap twice
