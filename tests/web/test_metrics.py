"""/metrics: off without a token, refused without the right one, and with it what a rush needs watched: updates
handled and their time, refusals by kind, the inbox's and the outbox's depths."""

from __future__ import annotations

import asyncio
import re
import shutil
from pathlib import Path

import httpx

from tests.web.serving import serving_webhook

METRICS_TOKEN = "metrics-token-0123456789"


def value(text: str, name: str) -> float:
    """A sample's value in Prometheus's text format (0 when it is not there yet)."""
    found = re.search(rf"^{re.escape(name)} ([0-9.e+-]+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def refusals(text: str) -> dict[str, float]:
    return {
        m[1]: float(m[2]) for m in re.finditer(r'^antrean_refusals_total\{code="([^"]+)"\} ([0-9.e+-]+)$', text, re.M)
    }


async def test_metrics_are_off_without_a_token(sqlite_template: Path, tmp_path: Path) -> None:
    shutil.copy(sqlite_template, tmp_path / "m.sqlite3")
    async with serving_webhook(tmp_path / "m.sqlite3") as (served, _), httpx.AsyncClient(base_url=served.url) as c:
        assert (await c.get("/metrics")).status_code == 404


async def test_metrics_count_updates_and_refusals_and_show_the_queues_depths(
    sqlite_template: Path, tmp_path: Path
) -> None:
    shutil.copy(sqlite_template, tmp_path / "m.sqlite3")
    async with serving_webhook(tmp_path / "m.sqlite3", metrics_token=METRICS_TOKEN) as (served, _):
        auth = {"Authorization": f"Bearer {METRICS_TOKEN}"}
        async with httpx.AsyncClient(base_url=served.url) as client:
            assert (await client.get("/metrics")).status_code == 401
            assert (await client.get("/metrics", headers={"Authorization": "Bearer wrong"})).status_code == 401
            before = (await client.get("/metrics", headers=auth)).text
            telegram = served.telegram
            await telegram.user_sends_text(7301, "/start")
            await telegram.wait_for_bot(7301, calls=2)
            message = await telegram.last_bot_message(7301)
            assert message is not None
            await telegram.user_taps_button(7301, message["reply_markup"]["inline_keyboard"][0][0]["text"])  # agree
            await telegram.wait_for_bot(7301, calls=2)
            await telegram.user_sends_text(7301, "1234")  # a name without a letter: refused
            await telegram.wait_for_bot(7301, calls=1)
            handled = 'antrean_updates_total{kind="message"}'
            for _ in range(100):  # counted as the update ends, a moment after its answer went out
                after = await client.get("/metrics", headers=auth)
                # and marked handled in the inbox, at the worker's next turn
                if value(after.text, handled) - value(before, handled) == 2 and "antrean_inbox_depth 0.0" in after.text:
                    break
                await asyncio.sleep(0.02)
    assert after.status_code == 200 and after.headers["content-type"].startswith("text/plain")
    text = after.text
    assert value(text, handled) - value(before, handled) == 2
    assert value(text, 'antrean_updates_total{kind="callback_query"}') >= 1
    assert value(text, "antrean_update_seconds_count") - value(before, "antrean_update_seconds_count") == 3
    gained = {code: n - refusals(before).get(code, 0) for code, n in refusals(text).items()}
    assert [code for code, n in gained.items() if n > 0] == ["invalid_name"], gained
    assert value(text, "antrean_inbox_depth") == 0 and "antrean_outbox_depth" in text
    assert "antrean_update_wait_seconds_bucket" in text and "antrean_bookings_total" in text
