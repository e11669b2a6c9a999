"""The embedded demo: a SQLite database with the shipped offices and released days, ready to look at."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from core.clock import SystemClock
from core.config import Settings
from core.domain.offices import Office
from core.runtime import Runtime, open_runtime, upgrade_database
from core.services import calendar, offices, release
from core.services.closures import closures_between

DEMO_OFFICES = ("JKT-SEL", "DPS", "JYP")  # one office in each zone: WIB, WITA, WIT


async def run_demo(settings: Settings) -> int:
    # Alembic runs its own event loop; give it a thread of its own.
    await asyncio.to_thread(upgrade_database, settings.database_url)
    clock = SystemClock()
    async with open_runtime(settings, clock) as rt:
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
        print(f"Antrean demo database at {settings.database_url}")
        print(f"  {added} offices imported; weekly release scheduled for {len(scheduled)} offices")
        print(f"  released by hand for booking now: {', '.join(DEMO_OFFICES)}")
        for code in DEMO_OFFICES:
            office = await _office(rt, code)
            view = await calendar.month_calendar(rt.reader(), code, now.year, now.month, party=1, now=now)
            free = [d.day.isoformat() for d in view.days if d.state.value == "free"]
            print(f"  {office.code} {office.name} ({office.zone_label}): free dates {', '.join(free) or 'next month'}")
        print("Try: antrean calendar JKT-SEL --day <date>   |   antrean nik check 3174014107900001")
    return 0


async def _office(rt: Runtime, code: str) -> Office:
    async with rt.reader() as uow:
        office = await uow.offices.get(code)
    assert office is not None, code
    return office
