"""A fair opening on a real database (SQLite file and PostgreSQL): the commitment before anyone registers, one
registration per account and NIK, the list frozen before the opening, the draw in its documented order, the offers
in that order, and what is left opened to everyone."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select, update

from core.clock import FixedClock
from core.crypto import Vault
from core.domain import draw as procedure
from core.domain.booking import BookingWindowClosed
from core.domain.draw import (
    AlreadyRegistered,
    DrawState,
    NikAlreadyRegistered,
    RegisteredElsewhere,
    RegistrationClosed,
)
from core.domain.offices import Office
from core.domain.waitlist import AlreadyWaiting, WaitState
from core.persistence.tables import accounts as accounts_table
from core.persistence.tables import announcements, draw_niks, outbox
from core.runtime import Runtime
from core.services import accounts, fair_opening, release, waitlist
from core.services.accounts import AccountView
from tests.conftest import JAKARTA
from tests.factories import add_office, make_nik, register, sample_office, slot_ids

MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=JAKARTA)  # the week before the opening of Friday 4 December
OPENS = datetime(2026, 12, 4, 14, 0, tzinfo=JAKARTA)
FIRST_DAY = date(2026, 12, 7)  # the Monday the opening releases
SEED = "5eed" * 16


async def _fair_office(rt: Runtime, clock: FixedClock, capacity: int = 2) -> Office:
    clock.set(MONDAY)
    office = await add_office(rt, replace(sample_office(capacity=capacity, slots=1), fair_opening=True))
    await release.schedule_weekly_release(rt.uow(), clock.now())
    assert await fair_opening.prepare(rt.uow, clock.now(), seeds=lambda: SEED) == 1
    return office


async def _register(
    rt: Runtime, account: AccountView, office: Office, first: date = FIRST_DAY, last: date = FIRST_DAY
) -> fair_opening.Registered:
    assert office.id is not None
    ids = [a.id for a in account.applicants]
    token = f"T{account.applicants[0].full_name[-3:]}"  # known tokens: the list, its digest, the order known too
    return await fair_opening.register(
        rt.uow(), account.id, office.id, ids, ["new"] * len(ids), first, last, rt.clock.now(), tokens=lambda: token
    )


async def _account(rt: Runtime, user: int) -> AccountView:
    found = await accounts.account_by_telegram_user(rt.reader(), user)
    assert found is not None
    return found


async def _sent(rt: Runtime, kind: str) -> list[int]:
    """The chats written a message of this kind, in the order written."""
    async with rt.engine.connect() as conn:
        rows = await conn.execute(
            select(outbox.c.chat_id).join(announcements).where(announcements.c.kind == kind).order_by(outbox.c.id)
        )
        return [r.chat_id for r in rows]


async def _offers(rt: Runtime) -> list[int]:
    """The chats offered places, in the order the offers were written."""
    return await _sent(rt, "offer")


async def test_the_commitment_is_public_before_anyone_registers_and_the_seed_is_not(
    runtime: Runtime, clock: FixedClock
) -> None:
    office = await _fair_office(runtime, clock)
    assert office.id is not None
    draw = await fair_opening.current(runtime.reader(), office, clock.now())
    assert draw is not None and draw.state is DrawState.OPEN
    assert draw.commitment == procedure.commitment(SEED) and draw.seed is None
    assert draw.opens_at == OPENS and draw.closes_at == OPENS - procedure.FREEZE_BEFORE
    assert draw.days == tuple(FIRST_DAY + timedelta(days=i) for i in range(5))
    assert await fair_opening.prepare(runtime.uow, clock.now()) == 0  # one draw per opening, whoever asks again


async def test_one_registration_per_account_and_each_nik_once(
    runtime: Runtime, clock: FixedClock, vault: Vault
) -> None:
    office = await _fair_office(runtime, clock)
    first = await register(runtime, vault, 1)
    made = await _register(runtime, first, office)
    assert made.count == 1 and made.entry.number is None
    with pytest.raises(AlreadyRegistered):
        await _register(runtime, first, office)
    # Grandmother is on two family cards' accounts: she is in one party only.
    grandmother = make_nik(date(1950, 2, 3), female=True)
    second, third = await register(runtime, vault, 2), await register(runtime, vault, 3)
    for account in (second, third):
        await accounts.add_family_member(
            runtime.uow(), vault, account_id=account.id, full_name="Nenek", nik=grandmother,
            birth_date=date(1950, 2, 3), now=clock.now(),
        )  # fmt: skip
    second, third = [await _account(runtime, user) for user in (2, 3)]  # read again, with her
    await _register(runtime, second, office)
    with pytest.raises(NikAlreadyRegistered) as refused:
        await _register(runtime, third, office)
    assert refused.value.position == 2


async def test_registrations_close_before_the_opening_with_the_list_and_its_digest_published(
    runtime: Runtime, clock: FixedClock, vault: Vault
) -> None:
    office = await _fair_office(runtime, clock)
    for user in (1, 2, 3):
        await _register(runtime, await register(runtime, vault, user), office, last=FIRST_DAY + timedelta(days=1))
    clock.set(OPENS - procedure.FREEZE_BEFORE)
    with pytest.raises(RegistrationClosed):
        await _register(runtime, await register(runtime, vault, 4), office)
    assert await fair_opening.freeze_due(runtime.uow, clock.now()) == 1
    draw = await fair_opening.current(runtime.reader(), office, clock.now())
    assert draw is not None and draw.state is DrawState.FROZEN and draw.listed is not None
    lines = draw.listed.split("\n")
    assert [line.split("|")[0] for line in lines] == ["1", "2", "3"]  # numbered in the order they came
    assert lines[0].endswith("|1|2026-12-07,2026-12-08")
    assert draw.digest == procedure.digest_of(draw.listed) and draw.seed is None


async def test_the_draw_gives_the_documented_order_offers_in_it_and_opens_what_is_left(
    runtime: Runtime, clock: FixedClock, vault: Vault
) -> None:
    office = await _fair_office(runtime, clock, capacity=3)  # 3 places a day, Monday to Friday
    users = list(range(11, 19))
    for user in users:  # eight parties of one, all for Monday only: three are placed, five wait
        await _register(runtime, await register(runtime, vault, user), office)
    clock.set(OPENS - procedure.FREEZE_BEFORE)
    await fair_opening.freeze_due(runtime.uow, clock.now())
    clock.set(OPENS)
    (monday,) = await slot_ids(runtime, office, FIRST_DAY)
    rival = await register(runtime, vault, 99)
    with pytest.raises(BookingWindowClosed):  # the dates stay shut to everyone until the draw is made
        await runtime.desk.hold(rival.id, monday, [rival.applicants[0].id], ["new"], "early")
    (done,) = await fair_opening.draw_due(runtime.uow, runtime.desk, clock.now())
    assert (done.parties, done.placed, done.offered) == (8, 3, 3)
    draw = await fair_opening.current(runtime.reader(), office, clock.now())
    assert draw is not None and draw.seed == SEED and draw.order is not None
    published = draw.published()
    assert published is not None and procedure.verify(published) == []
    # The documented shuffle of this list by this seed: whoever repeats it gets the same order.
    assert draw.order == procedure.order(published.registrations, SEED)
    assert draw.order == (5, 7, 3, 6, 4, 2, 8, 1)
    by_number = {n: users[n - 1] for n in range(1, 9)}
    assert await _offers(runtime) == [by_number[n] for n in draw.order[:3]]
    async with runtime.reader() as uow:
        line = await uow.waitlist.live_at(office.id or 0)
    assert [e.state for e in line] == [WaitState.OFFERED] * 3 + [WaitState.WAITING] * 5
    async with runtime.engine.connect() as conn:  # each NIK once mattered while registering: the hashes are gone
        assert (await conn.execute(select(func.count()).select_from(draw_niks))).scalar_one() == 0
    # The five the draw gave no place at once hear where they came, once, after the offers.
    assert sorted(await _sent(runtime, "drawn")) == sorted(by_number[n] for n in draw.order[3:])
    # What is left opens to everyone at once: Tuesday's places, first come, first served.
    (tuesday,) = await slot_ids(runtime, office, FIRST_DAY + timedelta(days=1))
    hold = await runtime.desk.hold(rival.id, tuesday, [rival.applicants[0].id], ["new"], "after")
    assert hold.booking_id > 0
    assert await fair_opening.draw_due(runtime.uow, runtime.desk, clock.now()) == []  # drawn once


async def _drawn_order(rt: Runtime, office: Office) -> tuple[int, ...]:
    """The order the draw will give, as anyone can work it out once the seed is known (here: the test's)."""
    draw = await fair_opening.current(rt.reader(), office, rt.clock.now())
    assert draw is not None and draw.listed is not None
    return procedure.order([procedure.parse_line(x) for x in draw.listed.split("\n")], SEED)


async def test_places_a_drawn_family_cannot_take_go_to_the_next_drawn_family_before_anyone_else(
    runtime: Runtime, clock: FixedClock, vault: Vault
) -> None:
    office = await _fair_office(runtime, clock, capacity=1)  # one place on Monday, two families want it
    families = [await register(runtime, vault, user) for user in (21, 22)]
    for account in families:
        await _register(runtime, account, office)
    clock.set(OPENS - procedure.FREEZE_BEFORE)
    await fair_opening.freeze_due(runtime.uow, clock.now())
    first, second = (families[n - 1] for n in await _drawn_order(runtime, office))
    async with runtime.engine.begin() as conn:  # the first drawn booked elsewhere since: its 30-day wait runs
        await conn.execute(
            update(accounts_table)
            .where(accounts_table.c.id == first.id)
            .values(frozen_until=OPENS + timedelta(days=30))
        )
    clock.set(OPENS)
    (done,) = await fair_opening.draw_due(runtime.uow, runtime.desk, clock.now())
    assert (done.placed, done.offered) == (2, 1)
    assert await _offers(runtime) == [22 if second.id == families[1].id else 21]


async def test_a_registration_erased_after_the_list_was_published_leaves_the_draw_verifiable(
    runtime: Runtime, clock: FixedClock, vault: Vault
) -> None:
    office = await _fair_office(runtime, clock, capacity=3)
    families = [await register(runtime, vault, user) for user in (31, 32, 33, 34)]
    for account in families:
        await _register(runtime, account, office)
    clock.set(OPENS - procedure.FREEZE_BEFORE)
    await fair_opening.freeze_due(runtime.uow, clock.now())
    async with runtime.engine.begin() as conn:  # the second family erased its account (its registration goes too)
        await conn.execute(delete(accounts_table).where(accounts_table.c.id == families[1].id))
    clock.set(OPENS)
    (done,) = await fair_opening.draw_due(runtime.uow, runtime.desk, clock.now())
    draw = await fair_opening.current(runtime.reader(), office, clock.now())
    assert draw is not None and (published := draw.published()) is not None
    assert procedure.verify(published) == [] and len(published.order) == 4  # its line keeps its turn
    assert (done.parties, done.offered) == (3, 3)


async def test_a_family_waits_in_one_place_at_a_time_registered_or_on_a_list(
    runtime: Runtime, clock: FixedClock, vault: Vault
) -> None:
    office = await _fair_office(runtime, clock)
    other = await add_office(runtime, sample_office("OTH", capacity=1, slots=1))
    await release.release_by_hand(runtime.uow(), "OTH", [date(2026, 12, 3)], clock.now())
    (slot,) = await slot_ids(runtime, other, date(2026, 12, 3))
    rival = await register(runtime, vault, 40)
    hold = await runtime.desk.hold(rival.id, slot, [rival.applicants[0].id], ["new"], "k")
    await runtime.desk.confirm(rival.id, hold.booking_id)  # Thursday at the other office is full
    registered, waiting = await register(runtime, vault, 41), await register(runtime, vault, 42)
    await _register(runtime, registered, office)
    assert other.id is not None
    with pytest.raises(RegisteredElsewhere):
        await waitlist.join(
            runtime.uow(), registered.id, other.id, [registered.applicants[0].id], ["new"], date(2026, 12, 3),
            date(2026, 12, 3), clock.now(),
        )  # fmt: skip
    await waitlist.join(
        runtime.uow(), waiting.id, other.id, [waiting.applicants[0].id], ["new"], date(2026, 12, 3),
        date(2026, 12, 3), clock.now(),
    )  # fmt: skip
    with pytest.raises(AlreadyWaiting):
        await _register(runtime, waiting, office)
