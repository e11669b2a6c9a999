"""The applicant's data rights on a real database: see it, erase it, and bookings anonymised after the retention."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from core.clock import FixedClock
from core.crypto import Vault
from core.domain.booking import AccountFrozen
from core.persistence.tables import announcements as announcements_table
from core.persistence.tables import outbox
from core.runtime import Runtime
from core.services import accounts, announcements, privacy
from core.services.errors import AccountNotFound
from tests.conftest import NEXT_MONDAY
from tests.factories import add_office, make_nik, register, release_days, sample_office, slot_ids
from tests.integration.test_privacy_support import counts, office_day_counts

RETENTION = timedelta(days=90)
OWNER_BORN = date(1985, 3, 14)
OWNER_NIK = make_nik(OWNER_BORN, serial=77)


async def _booked(rt: Runtime, vault: Vault, user: int, family: int = 1) -> tuple[accounts.AccountView, int]:
    office = await add_office(rt, sample_office(code=f"T{user % 100:02d}"))
    await release_days(rt, office, [NEXT_MONDAY])
    slot = (await slot_ids(rt, office, NEXT_MONDAY))[0]
    account = await register(rt, vault, user, family=family)
    ids = [a.id for a in account.applicants]
    hold = await rt.desk.hold(account.id, slot, ids, ["new"] * len(ids), "k")
    await rt.desk.confirm(account.id, hold.booking_id)
    return account, hold.booking_id


async def test_my_data_shows_the_account_and_its_people_masked(runtime: Runtime, vault: Vault) -> None:
    account, _ = await _booked(runtime, vault, 1)
    mine = await privacy.my_data(runtime.uow(), account.id, runtime.clock.now(), RETENTION)
    assert [p.is_owner for p in mine.people] == [True, False]
    assert all(len(p.nik_masked) == 16 and "********" in p.nik_masked for p in mine.people)
    assert "********" in mine.kk_masked
    assert mine.upcoming == (NEXT_MONDAY,) and mine.past == 0
    assert mine.frozen_until is not None and mine.retention == RETENTION


async def _outbox_chats(rt: Runtime) -> list[int]:
    async with rt.engine.connect() as conn:
        return sorted((await conn.execute(select(outbox.c.chat_id))).scalars())


async def test_erasing_an_account_stops_the_alerts_its_chat_followed_and_forgets_what_was_sent_to_it(
    runtime: Runtime, vault: Vault
) -> None:
    account, _ = await _booked(runtime, vault, 3)  # its proof waits in the outbox for chat 3
    office = await add_office(runtime, sample_office(code="ALR"))
    await announcements.subscribe(runtime.uow(), 3, office.id or 0, "id", runtime.clock.now())
    await announcements.subscribe(runtime.uow(), 4, office.id or 0, "id", runtime.clock.now())
    await release_days(runtime, office, [NEXT_MONDAY])  # an opening alert for chats 3 and 4
    assert await _outbox_chats(runtime) == [3, 3, 4]
    await privacy.erase_account(runtime.uow(), account.id, runtime.clock.now())
    assert await announcements.subscriptions_of(runtime.reader(), 3) == []
    assert await _outbox_chats(runtime) == [4]


async def test_whom_each_message_reached_is_forgotten_after_the_retention(
    runtime: Runtime, vault: Vault, clock: FixedClock
) -> None:
    await _booked(runtime, vault, 5)
    async with runtime.engine.begin() as conn:
        await conn.execute(update(outbox).values(state="sent", sent_at=clock.now()))
    clock.advance(RETENTION - timedelta(minutes=1))
    await privacy.anonymise_ended(runtime.uow(), clock.now(), RETENTION)
    assert await _outbox_chats(runtime) == [5]
    clock.advance(timedelta(minutes=2))
    await privacy.anonymise_ended(runtime.uow(), clock.now(), RETENTION)
    assert await _outbox_chats(runtime) == []
    async with runtime.engine.connect() as conn:
        kinds = list((await conn.execute(select(announcements_table.c.kind))).scalars())
    assert "proof" not in kinds  # its announcement went with its last row; scheduled ones stay


async def test_erasing_with_a_booking_to_come_keeps_its_people_until_the_day_and_nothing_else(
    runtime: Runtime, vault: Vault, clock: FixedClock
) -> None:
    account, booking_id = await _booked(runtime, vault, 1, family=1)
    stays_home = date(1999, 5, 1)
    await accounts.add_family_member(
        runtime.uow(), vault, account_id=account.id, full_name="Tidak Ikut", nik=make_nik(stays_home),
        birth_date=stays_home, now=clock.now(),
    )  # fmt: skip
    erased = await privacy.erase_account(runtime.uow(), account.id, clock.now())
    assert erased.kept_until == NEXT_MONDAY and erased.frozen_until is not None
    assert await accounts.account_by_telegram_user(runtime.reader(), 1) is None  # the chat is a stranger now
    async with runtime.reader() as uow:
        party = await uow.bookings.party(booking_id)
    assert len(party) == 2  # the office's list still names who comes on Monday
    assert await counts(runtime) == {"accounts": 1, "applicants": 2, "kept_account_fields": 0}
    with pytest.raises(AccountNotFound):
        await privacy.erase_account(runtime.uow(), account.id, clock.now())

    clock.set(clock.now() + timedelta(days=4))  # Monday is over
    assert await privacy.anonymise_ended(runtime.uow(), clock.now(), RETENTION) == 1
    assert await counts(runtime) == {"accounts": 0, "applicants": 0, "kept_account_fields": 0}
    assert await office_day_counts(runtime, booking_id) == {"party_size": 2, "people": 0, "anonymised": True}


async def test_erasing_without_bookings_to_come_removes_everything_at_once(
    runtime: Runtime, vault: Vault, clock: FixedClock
) -> None:
    account, booking_id = await _booked(runtime, vault, 1)
    await runtime.desk.cancel(account.id, booking_id)
    erased = await privacy.erase_account(runtime.uow(), account.id, clock.now())
    assert erased.kept_until is None
    assert await counts(runtime) == {"accounts": 0, "applicants": 0, "kept_account_fields": 0}
    assert await office_day_counts(runtime, booking_id) == {"party_size": 2, "people": 0, "anonymised": True}


async def test_the_30_day_wait_outlives_an_erased_account_and_comes_back_with_its_nik(
    runtime: Runtime, vault: Vault, clock: FixedClock
) -> None:
    office = await add_office(runtime, sample_office())
    await release_days(runtime, office, [NEXT_MONDAY])
    slot = (await slot_ids(runtime, office, NEXT_MONDAY))[0]
    first = await _owner(runtime, vault)
    hold = await runtime.desk.hold(first.id, slot, [first.applicants[0].id], ["new"], "k")
    await runtime.desk.confirm(first.id, hold.booking_id)
    await runtime.desk.cancel(first.id, hold.booking_id)
    erased = await privacy.erase_account(runtime.uow(), first.id, clock.now())
    again = await _owner(runtime, vault)  # the same person registers anew
    assert again.frozen_until == erased.frozen_until == hold.frozen_until
    with pytest.raises(AccountFrozen):
        await runtime.desk.hold(again.id, slot, [again.applicants[0].id], ["new"], "again")


async def _owner(rt: Runtime, vault: Vault) -> accounts.AccountView:
    return await accounts.register_owner(
        rt.uow(), vault, telegram_user_id=1, full_name="Budi Santoso", nik=OWNER_NIK, birth_date=OWNER_BORN,
        kk="3174010101200001", phone="081234567890", language="id", now=rt.clock.now(),
    )  # fmt: skip


async def test_the_worker_anonymises_bookings_over_for_longer_than_the_retention_and_keeps_the_counts(
    runtime: Runtime, vault: Vault, clock: FixedClock
) -> None:
    _, booking_id = await _booked(runtime, vault, 1)
    clock.set(clock.now() + timedelta(days=3) + RETENTION)  # Monday ended 89 days and some hours ago
    assert await privacy.anonymise_ended(runtime.uow(), clock.now(), RETENTION) == 0
    clock.advance(timedelta(days=1))
    assert await privacy.anonymise_ended(runtime.uow(), clock.now(), RETENTION) == 1
    assert await office_day_counts(runtime, booking_id) == {"party_size": 2, "people": 0, "anonymised": True}
    # The account itself is the applicant's to keep or erase: it stays, with its people, and books on.
    view = await accounts.account_by_telegram_user(runtime.reader(), 1)
    assert view is not None and len(view.applicants) == 2
    assert await privacy.anonymise_ended(runtime.uow(), clock.now(), RETENTION) == 0  # once


async def test_a_removed_family_member_leaves_their_past_bookings_which_keep_their_size(
    runtime: Runtime, vault: Vault, clock: FixedClock
) -> None:
    account, booking_id = await _booked(runtime, vault, 1, family=1)
    relative = account.applicants[1]
    with pytest.raises(accounts.MemberBookedAhead):  # Monday's list still names them
        await accounts.remove_family_member(runtime.uow(), account.id, relative.id, clock.now())
    with pytest.raises(accounts.NotAFamilyMember):  # the owner is the account, not a member
        await accounts.remove_family_member(runtime.uow(), account.id, account.applicants[0].id, clock.now())
    clock.set(clock.now() + timedelta(days=4))  # Monday is over
    removed = await accounts.remove_family_member(runtime.uow(), account.id, relative.id, clock.now())
    assert removed.id == relative.id
    view = await accounts.account_by_telegram_user(runtime.reader(), 1)
    assert view is not None and [a.id for a in view.applicants] == [account.applicants[0].id]
    async with runtime.reader() as uow:
        assert [m.applicant_id for m in await uow.bookings.party(booking_id)] == [account.applicants[0].id]
    assert (await office_day_counts(runtime, booking_id))["party_size"] == 2
