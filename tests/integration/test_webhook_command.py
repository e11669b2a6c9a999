"""`antrean webhook set|info|delete`: the webhook registered once at deploy time, against the stand-in playing
Telegram (in a thread of its own: the command runs its own event loop)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest

from antrean.cli import main
from devtools.standin import BotApiStandin

TOKEN = "123456:TEST-antrean"
HOOK_SECRET = "hook-secret-0123456789"


@pytest.fixture
def telegram(monkeypatch: pytest.MonkeyPatch) -> Iterator[BotApiStandin]:
    loop = asyncio.new_event_loop()
    standin = BotApiStandin()
    started = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(standin.start())
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(10)
    monkeypatch.setenv("ANTREAN_ENVIRONMENT", "test")
    monkeypatch.setenv("ANTREAN_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("ANTREAN_TELEGRAM_API_URL", standin.base_url)
    monkeypatch.setenv("ANTREAN_WEBHOOK_URL", "https://127.0.0.1:8443/")
    monkeypatch.setenv("ANTREAN_WEBHOOK_SECRET", HOOK_SECRET)
    monkeypatch.setenv("ANTREAN_WEBHOOK_MAX_CONNECTIONS", "12")
    yield standin
    asyncio.run_coroutine_threadsafe(standin.stop(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


def test_set_registers_the_address_secret_update_kinds_and_connections_and_the_commands(
    telegram: BotApiStandin, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["webhook", "set"]) == 0
    out = capsys.readouterr().out
    assert "https://127.0.0.1:8443/telegram/webhook" in out and "12" in out
    set_webhook = next(params for method, params in telegram.calls if method == "setWebhook")
    assert set_webhook["secret_token"] == HOOK_SECRET and set_webhook["max_connections"] == 12
    assert set(set_webhook["allowed_updates"]) >= {"message", "callback_query"}
    assert any(method == "setMyCommands" for method, _ in telegram.calls)


def test_info_shows_what_telegram_says_and_delete_goes_back_to_polling(
    telegram: BotApiStandin, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["webhook", "set"]) == 0
    capsys.readouterr()
    assert main(["webhook", "info"]) == 0
    assert "pending_update_count" in capsys.readouterr().out
    assert main(["webhook", "delete"]) == 0
    assert main(["webhook", "info", "--json"]) == 0
    assert '"url": ""' in capsys.readouterr().out.splitlines()[-1]


def test_set_without_a_secret_is_one_line_and_exit_two(
    telegram: BotApiStandin, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("ANTREAN_WEBHOOK_SECRET")
    monkeypatch.delenv("ANTREAN_WEBHOOK_URL")
    assert main(["webhook", "set"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "ANTREAN_WEBHOOK_URL" in err


def test_a_bot_api_that_refuses_is_one_line_and_exit_one(
    telegram: BotApiStandin, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ANTREAN_WEBHOOK_URL", "https://example.com")  # the stand-in delivers only to loopback
    assert main(["webhook", "set"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Telegram refused" in err and "bad webhook" in err


def test_an_unreachable_bot_api_is_one_line_and_exit_one(
    telegram: BotApiStandin, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ANTREAN_TELEGRAM_API_URL", "http://127.0.0.1:9")
    assert main(["webhook", "info"]) == 1
    assert capsys.readouterr().err.count("\n") == 1
