"""Opening rush through the bot: thousands of registered applicants book at once via the real dispatcher.

Each simulated applicant has the menu open and, at the same moment as everyone else, taps Book, types the
city, picks the office, continues, picks the date and a time, and confirms; a time taken meanwhile makes
them take the next one offered. The Bot API stand-in answers at once, in the same process.

Prints updates handled per second, p50/p99 from a user's action to the bot's first answer, bookings made,
places oversold, double bookings, Bot API calls per completed booking and peak memory, and ends with one
JSON line of those figures.

    .venv/bin/python bench/bot_rush.py [--applicants 2000] [--places 1500]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import tempfile
import time
from datetime import time as dtime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text

from bench.engine_rush import NOW, SECRET, seed_accounts
from bot.app import build_dispatcher, make_bot
from bot.standin import BotApiStandin
from core.clock import FixedClock
from core.config import Settings
from core.domain.offices import Office, OfficeKind, SlotTime
from core.runtime import open_runtime, upgrade_database
from core.services import offices, release

DAY_LABEL = "30✅"
SLOTS = 10
TOKEN = "123456:BENCH-antrean"


class Rush:
    def __init__(self, telegram: BotApiStandin) -> None:
        self.telegram = telegram
        self.latencies: list[float] = []
        self.booked = 0
        self.turned_away = 0
        self.failed = 0

    async def act(self, user: int, do: object, calls: int) -> None:
        """A user action: time to the bot's first answer, then the rest of its answer."""
        started = time.perf_counter()
        await do  # type: ignore[misc]
        await self.telegram.wait_for_bot(user, calls=1, timeout=60)
        self.latencies.append(time.perf_counter() - started)
        if calls > 1:
            await self.telegram.wait_for_bot(user, calls=calls, timeout=60)

    async def tap(self, user: int, label: str, calls: int = 2) -> None:
        await self.act(user, self.telegram.user_taps_button(user, label), calls)

    async def applicant(self, user: int, start: asyncio.Event) -> None:
        tg = self.telegram
        try:
            await start.wait()
            await self.tap(user, "📅 Pesan antrean")
            await self.act(user, tg.user_sends_text(user, "Uji Beban"), 1)
            await self.tap(user, "Kantor Imigrasi Uji Beban (WIB)")
            await self.tap(user, "Lanjut ▶")
            for _ in range(SLOTS + 2):
                message = await tg.last_bot_message(user)
                assert message is not None
                labels = [b["text"] for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]
                if "✅ Konfirmasi pesanan" in labels:
                    await self.tap(user, "✅ Konfirmasi pesanan", calls=3)
                    self.booked += 1
                    return
                times = [label for label in labels if "· sisa" in label]
                if times:
                    await self.tap(user, times[0])
                elif DAY_LABEL in labels:
                    await self.tap(user, DAY_LABEL)
                else:
                    self.turned_away += 1  # the day is full for them
                    return
            self.failed += 1
        except Exception as exc:
            self.failed += 1
            print(f"applicant {user} failed: {exc!r}"[:300], file=sys.stderr)


def _office(capacity: int) -> Office:
    per = capacity // SLOTS
    return Office(
        code="RUSH", kind=OfficeKind.KANIM, name="Kantor Imigrasi Uji Beban", kanwil="Kanwil DKI Jakarta",
        province="DKI Jakarta", city="Uji Beban", address="Jalan Uji No. 1", timezone="Asia/Jakarta",
        slots=tuple(SlotTime(dtime(7 + i), dtime(8 + i), per) for i in range(SLOTS)),
    )  # fmt: skip


def _integrity(url: str) -> tuple[int, int]:
    """Places beyond capacity, and applicants (NIKs) in more than one confirmed booking."""
    engine = create_engine(url)
    with engine.connect() as conn:
        over = conn.execute(
            text(
                "SELECT COALESCE(SUM(CASE WHEN booked > capacity THEN booked - capacity ELSE 0 END), 0) FROM ("
                "SELECT s.capacity, COALESCE(SUM(b.party_size), 0) AS booked FROM slots s LEFT JOIN bookings b "
                "ON b.slot_id = s.id AND b.status = 'confirmed' GROUP BY s.id, s.capacity) AS t"
            )
        ).scalar_one()
        doubles = conn.execute(
            text(
                "SELECT COUNT(*) FROM (SELECT ba.applicant_id FROM booking_applicants ba JOIN bookings b "
                "ON b.id = ba.booking_id WHERE b.status = 'confirmed' GROUP BY ba.applicant_id HAVING COUNT(*) > 1) t"
            )
        ).scalar_one()
    engine.dispose()
    return int(over), int(doubles)


async def run(url: str, applicants: int, places: int) -> dict[str, object]:
    if True:
        clock = FixedClock(NOW)
        async with BotApiStandin() as telegram:
            settings = Settings(
                database_url=url, environment="test", secret_key=SECRET, bot_token=TOKEN,
                telegram_api_url=telegram.base_url,
            )  # fmt: skip
            async with open_runtime(settings, clock) as rt:
                await offices.save_office(rt.uow(), _office(places))
                await release.release_by_hand(rt.uow(), "RUSH", [NOW.date().replace(day=30)], clock.now())
                people = seed_accounts(url, [1] * applicants)
                users = [10_000 + i for i in range(len(people))]
                bot = make_bot(settings)
                dp = build_dispatcher(rt)
                polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=1))
                rush = Rush(telegram)
                for chunk in range(0, len(users), 200):  # everyone opens the menu beforehand
                    await asyncio.gather(
                        *(rush.act(u, telegram.user_sends_text(u, "/menu"), 1) for u in users[chunk : chunk + 200])
                    )
                rush.latencies.clear()
                calls_before = len(telegram.calls)
                updates_before = telegram._last_update_id
                start = asyncio.Event()
                tasks = [asyncio.create_task(rush.applicant(u, start)) for u in users]
                started = time.perf_counter()
                start.set()
                await asyncio.gather(*tasks)
                seconds = time.perf_counter() - started
                calls = len(telegram.calls) - calls_before
                updates = telegram._last_update_id - updates_before
                await dp.stop_polling()
                await polling
                await bot.session.close()
        over, doubles = _integrity(url)
    lat = sorted(rush.latencies)
    figures: dict[str, object] = {
        "applicants": applicants,
        "places": places,
        "seconds": round(seconds, 2),
        "updates_per_s": round(updates / seconds, 1),
        "p50_ms": round(lat[len(lat) // 2] * 1000, 1) if lat else None,
        "p99_ms": round(lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000, 1) if lat else None,
        "bookings": rush.booked,
        "turned_away": rush.turned_away,
        "failed": rush.failed,
        "oversold": over,
        "double_bookings": doubles,
        "api_calls_per_booking": round(calls / rush.booked, 2) if rush.booked else None,
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    return figures


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--applicants", type=int, default=2000)
    p.add_argument("--places", type=int, default=1500)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bot-rush.sqlite3"
        upgrade_database(url)  # Alembic runs its own event loop: before ours starts
        figures = asyncio.run(run(url, args.applicants, args.places))
    print(
        f"{figures['applicants']} applicants, {figures['places']} places: {figures['bookings']} booked, "
        f"{figures['turned_away']} turned away, {figures['failed']} failed in {figures['seconds']} s"
    )
    print(
        f"updates handled: {figures['updates_per_s']}/s; "
        f"first answer p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms"
    )
    print(
        f"oversold {figures['oversold']}, double bookings {figures['double_bookings']}, "
        f"Bot API calls per booking {figures['api_calls_per_booking']}, peak memory {figures['peak_memory_mb']} MB"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
