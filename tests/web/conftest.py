"""Browser fixtures: Debian's Chromium driven by Playwright, a phone and a desktop screen, screenshots to look at.

Playwright's async objects belong to the event loop that made them, and the browser is started once per session,
so a browser test runs in the session's loop: mark its module `pytest.mark.asyncio(loop_scope="session")`. The
fixtures it uses that are async are session-loop ones too (`page`, `playground`).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, async_playwright

from core.clock import FixedClock
from core.languages import LOCALES
from devtools.playground import PLAYGROUND_PATH, playground_router
from tests.bot.conftest import BotWorld, running_world
from tests.conftest import IN_CI
from tests.web.serving import serving
from web.app import create_app

# Playwright's own Chromium download needs its CDN, which our machines cannot reach; Debian's package can be had
# everywhere apt works (scripts/setup installs it).
CHROMIUM = Path(os.environ.get("ANTREAN_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",  # containers run the tests as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Nothing but the pages under test goes over the network: no updates, no sync, no field trials.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"  # var/ is git-ignored


@dataclass(frozen=True)
class Screen:
    """A device the page is looked at on: Playwright's context options for it."""

    name: str
    options: dict[str, Any]


PHONE = Screen("phone", {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
                         "device_scale_factor": 2})  # fmt: skip
DESKTOP = Screen("desktop", {"viewport": {"width": 1280, "height": 800}})

Shoot = Callable[[Page, str], Awaitable[Path]]
_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    """Notes a failed test, so its page can be photographed before it closes."""
    report = yield
    if report.when == "call" and report.failed:
        item.stash[_FAILED] = True
    return report


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    """Headless Chromium for the whole session; skipped without it, except in CI, which must run these tests."""
    if not os.access(CHROMIUM, os.X_OK):
        reason = f"no Chromium at {CHROMIUM} (scripts/setup installs it; ANTREAN_TEST_CHROMIUM names another)"
        if IN_CI:
            pytest.fail(f"{reason}; CI must run the browser tests")
        pytest.skip(reason)
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


def _file_stem(request: pytest.FixtureRequest) -> str:
    # "test_x[phone]" becomes "test_x-phone": a name every file system and image viewer takes.
    return re.sub(r"[^\w.-]+", "-", request.node.name).strip("-")


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Shoot:
    """`await screenshot(page, "03-consent")` saves var/screenshots/<test-name>-03-consent.png for a person."""
    stem = _file_stem(request)

    async def shoot(page: Page, step: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{stem}-{step}.png"
        await page.screenshot(path=path)
        return path

    return shoot


@pytest.fixture(params=[PHONE, DESKTOP], ids=lambda screen: screen.name)
def screen(request: pytest.FixtureRequest) -> Screen:
    """Each test that asks for it runs twice: on a phone (390×844, touch) and on a desktop (1280×800)."""
    screen: Screen = request.param
    return screen


@pytest_asyncio.fixture(loop_scope="session")
async def page(
    browser: Browser, screen: Screen, request: pytest.FixtureRequest, screenshot: Shoot
) -> AsyncIterator[Page]:
    """A fresh tab on its own profile, in Jakarta time; a script error or a refused policy fails the test."""
    context = await browser.new_context(**screen.options, locale="id-ID", timezone_id="Asia/Jakarta")
    context.set_default_timeout(10_000)
    tab = await context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    # Failed fetches are the page's business (it shows them); a Content-Security-Policy refusal is ours.
    tab.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    try:
        yield tab
        if request.node.stash.get(_FAILED, False):
            await screenshot(tab, "failed")
    finally:
        await context.close()
    assert not problems, problems


@dataclass
class Playground:
    """The bot polling a stand-in Telegram, and the web app serving the playground page for that stand-in."""

    world: BotWorld
    url: str  # the web app's base URL

    @property
    def page_url(self) -> str:
        return self.url + PLAYGROUND_PATH


@pytest_asyncio.fixture(loop_scope="session")
async def playground(sqlite_template: Path, tmp_path: Path, clock: FixedClock) -> AsyncIterator[Playground]:
    """The same running bot as the bot tests' `world`, in the browser's loop, with the playground served beside it."""
    path = tmp_path / "playground.sqlite3"
    shutil.copy(sqlite_template, path)
    async with running_world(path, clock) as world:
        app = create_app(playground_router(world.telegram.base_url, locales=LOCALES))
        async with serving(app) as (url, _):
            world.telegram.allow_origin(url)
            yield Playground(world, url)
