"""The embedded demo's data: a SQLite database with the shipped offices, released days and demo staff logins."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from datetime import timedelta

from core.clock import Clock
from core.crypto import Passwords
from core.domain.offices import Office
from core.domain.staff import InvalidStaffAccount, Role
from core.runtime import Runtime, upgrade_database
from core.services import calendar, offices, release, staff
from core.services.closures import closures_between

DEMO_OFFICES = ("JKT-SEL", "DPS", "JYP")  # one office in each zone: WIB, WITA, WIT
# Printed by the demo so that a newcomer can sign in; a demo database only, never a real one.
DEMO_PASSWORD = "antrean-demo"
DEMO_STAFF = (
    ("admin", "Administrator Demo", Role.ADMIN, ()),
    ("kantor", "Petugas Kantor Demo", Role.OFFICE, ("JKT-SEL",)),
    ("loket", "Petugas Loket Demo", Role.COUNTER, ("JKT-SEL",)),
)


@dataclass
class DemoFacts:
    lines: list[str] = field(default_factory=list)  # what the demo prints about its data


async def migrate(url: str) -> None:
    # Alembic runs its own event loop; give it a thread of its own.
    await asyncio.to_thread(upgrade_database, url)


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
        # Made already when the demo ran before on the same file.
        with contextlib.suppress(InvalidStaffAccount):
            await staff.create_staff(
                rt.uow(),
                passwords,
                username=username,
                display_name=name,
                password=DEMO_PASSWORD,
                role=role,
                office_codes=codes,
                now=now,
            )
    facts.lines.append(f"{added} offices imported; weekly release scheduled for {len(scheduled)} offices")
    for code in DEMO_OFFICES:
        office = await _office(rt, code)
        view = await calendar.month_calendar(rt.reader(), code, now.year, now.month, party=1, now=now)
        free = [d.day.isoformat() for d in view.days if d.state.value == "free"]
        facts.lines.append(f"{office.code} {office.name} ({office.zone_label}): free {', '.join(free) or 'next month'}")
    return facts


async def _office(rt: Runtime, code: str) -> Office:
    async with rt.reader() as uow:
        office = await uow.offices.get(code)
    assert office is not None, code
    return office
