"""Test data for the staff API made inside one test's transaction: offices, staff, and bookings written directly.

Everything here runs on units that join the test's open connection (a SAVEPOINT each), so the test's end rolls it
all back. Bookings cannot go through the booking desk: its ledger writes on a connection of its own, which could
neither see the test's uncommitted slots nor be rolled back with them.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

import httpx
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.crypto import Passwords, Vault
from core.domain.booking import hold_terms, new_booking_code
from core.domain.offices import Office
from core.domain.staff import Role, StaffMember
from core.persistence import tables as t
from core.services import offices, release, staff
from core.services.uow import SqlUnitOfWork, UnitOfWork
from tests.factories import register_family

PASSWORD = "kata-sandi-panjang"
# The same algorithm, cheaper, so that signing in takes milliseconds.
PASSWORDS = Passwords(time_cost=1, memory_kib=8192)

Units = Callable[[bool], UnitOfWork]

_users = itertools.count(9001)


def joined_units(conn: AsyncConnection) -> Units:
    """Units of work that run in savepoints of the test's connection (what WebContext.units expects)."""
    return lambda write: SqlUnitOfWork(None, joined=conn)


async def add_office(units: Units, office: Office) -> Office:
    return await offices.save_office(units(True), office)


async def release_days(units: Units, office: Office, days: Sequence[date], now: datetime) -> None:
    await release.release_by_hand(units(True), office.code, days, now)


async def add_member(units: Units, username: str, role: Role, *office_codes: str, now: datetime) -> StaffMember:
    return await staff.create_staff(
        units(True),
        PASSWORDS,
        username=username,
        display_name=username.title(),
        password=PASSWORD,
        role=role,
        office_codes=list(office_codes),
        now=now,
    )


@dataclass(frozen=True)
class Booked:
    code: str
    booking_id: int
    party: int


async def confirmed_booking(
    conn: AsyncConnection,
    units: Units,
    vault: Vault,
    office: Office,
    day: date,
    start: time,
    *,
    family: int = 1,
    now: datetime,
) -> Booked:
    """An account (owner and `family` members) with a confirmed booking for all of them at that slot.

    The rows are the ones the ledger writes for a hold and its confirmation: places taken in the slot, queue
    numbers, the NIKs marked active.
    """
    user = next(_users)
    account_id = await register_family(lambda: units(True), vault, user, "Pemohon Utama", family=family, now=now)
    people = (
        await conn.execute(
            select(t.applicants.c.id, t.applicants.c.nik_hash)
            .where(t.applicants.c.account_id == account_id)
            .order_by(t.applicants.c.is_owner.desc(), t.applicants.c.id)
        )
    ).all()
    n = len(people)
    assert office.id is not None
    slot_id, first = (
        await conn.execute(
            update(t.slots)
            .where(t.slots.c.office_id == office.id, t.slots.c.day == day, t.slots.c.start_time == start)
            .values(taken=t.slots.c.taken + n, queue_seq=t.slots.c.queue_seq + n)
            .returning(t.slots.c.id, t.slots.c.queue_seq - n + 1)
        )
    ).one()
    terms = hold_terms(office, day, now)
    code = new_booking_code()
    booking_id = (
        await conn.execute(
            insert(t.bookings)
            .values(
                code=code,
                account_id=account_id,
                office_id=office.id,
                slot_id=slot_id,
                day=day,
                party_size=n,
                queue_start=first,
                status="confirmed",
                idempotency_key=f"test-{code}",
                held_until=terms.held_until,
                cancel_until=terms.cancel_until,
                frozen_until=terms.frozen_until,
                ends_at=terms.ends_at,
                created_at=now,
                confirmed_at=now,
            )
            .returning(t.bookings.c.id)
        )
    ).scalar_one()
    await conn.execute(
        insert(t.booking_applicants),
        [
            {
                "booking_id": booking_id,
                "position": position,
                "applicant_id": person.id,
                "application_type": "new",
                "active_nik": person.nik_hash,
                "queue_no": first + position - 1,
            }
            for position, person in enumerate(people, start=1)
        ],
    )
    return Booked(code, booking_id, n)


async def login_form(client: httpx.AsyncClient) -> dict[str, str]:
    """Opens the login page as a browser does (its cookie stays in the client); the form's CSRF field."""
    page = (await client.get("/login")).text
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None
    return {"csrf": found.group(1)}


async def bearer(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    """Signs in through the OAuth2 password flow; the headers that carry the token."""
    response = await client.post("/api/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}
