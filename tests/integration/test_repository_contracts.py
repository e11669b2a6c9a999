"""The repositories' contract, checked alike on the fakes, a SQLite file and PostgreSQL.

What the use cases rely on: records read back as they were written, and a unique value written twice is
refused with the domain error the use case passes on (a race between check and write ends the same way).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from core.clock import FixedClock
from core.config import Settings
from core.domain.accounts import Account, ApplicantAlreadySaved, NewAccount, NewApplicant, NikOwnsAnotherAccount
from core.domain.audit import NewAuditEntry
from core.domain.calendar import NewSlot
from core.domain.identity import Gender
from core.domain.staff import InvalidStaffAccount, NewStaff, Role
from core.runtime import open_runtime
from core.services.uow import UnitOfWork
from tests.conftest import FRIDAY_AFTERNOON, JAKARTA, SECRET, empty_database
from tests.factories import sample_office
from tests.fakes import ConstraintViolation, FakeStore, FakeUnitOfWork

Units = Callable[[], UnitOfWork]


@pytest.fixture(params=["fake", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def where(request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    """The database URL to check on, or None for the fakes."""
    if request.param == "fake":
        return None
    return empty_database(request.param, request, tmp_path)


@pytest.fixture
async def units(where: str | None) -> AsyncIterator[Units]:
    """Fresh units of work over one store: the fakes' dicts, or a real database."""
    if where is None:
        store = FakeStore()
        yield lambda: FakeUnitOfWork(store)
        return
    settings = Settings(database_url=where, environment="test", secret_key=SECRET)
    async with open_runtime(settings, FixedClock(FRIDAY_AFTERNOON)) as rt:
        yield rt.uow


def _account(telegram_user_id: int = 1, owner: str = "owner-1") -> NewAccount:
    return NewAccount(telegram_user_id, owner, "kk-hash", b"kk-encrypted", "3174********0001", None, "id",
                      FRIDAY_AFTERNOON, FRIDAY_AFTERNOON)  # fmt: skip


def _person(nik_hash: str, name: str = "SITI RAHAYU") -> NewApplicant:
    return NewApplicant(name, nik_hash, b"nik-encrypted", "3174********0001", date(1985, 3, 14), Gender.FEMALE,
                        FRIDAY_AFTERNOON)  # fmt: skip


async def _registered(units: Units, telegram_user_id: int = 1, owner: str = "owner-1") -> Account:
    async with units() as uow:
        account = await uow.accounts.add(_account(telegram_user_id, owner))
        await uow.accounts.add_applicant(account.id, _person(owner), is_owner=True)
        await uow.commit()
    return account


async def test_an_account_and_its_applicants_read_back_as_the_records_written(units: Units) -> None:
    async with units() as uow:
        account = await uow.accounts.add(_account())
        member = await uow.accounts.add_applicant(account.id, _person("child", "PUTRI RAHAYU"), is_owner=False)
        owner = await uow.accounts.add_applicant(account.id, _person("owner-1"), is_owner=True)
        await uow.commit()

    assert (account.telegram_user_id, account.frozen_until, account.created_at) == (1, None, FRIDAY_AFTERNOON)
    assert account.created_at.utcoffset() == timedelta(0)  # instants come back in UTC
    async with units() as uow:
        assert await uow.accounts.get(account.id) == account
        assert await uow.accounts.by_telegram_user(1) == account
        assert await uow.accounts.applicants(account.id) == [owner, member]  # the owner first
        assert await uow.accounts.with_people(1) == (account, [owner, member])  # in one query, the same
        assert await uow.accounts.with_people(2) is None
        assert await uow.accounts.owner_hash_taken("owner-1")
        assert not await uow.accounts.owner_hash_taken("child")
    assert owner.gender is Gender.FEMALE and owner.is_owner and not member.is_owner


async def test_an_account_without_saved_people_reads_back_with_none(units: Units) -> None:
    async with units() as uow:
        account = await uow.accounts.add(_account())
        await uow.commit()

    async with units() as uow:
        assert await uow.accounts.with_people(1) == (account, [])


async def test_a_second_account_of_the_same_owner_nik_is_refused_with_nik_owns_another_account(
    units: Units,
) -> None:
    await _registered(units)

    async with units() as uow:
        with pytest.raises(NikOwnsAnotherAccount):
            await uow.accounts.add(_account(telegram_user_id=2))


async def test_a_second_account_of_the_same_telegram_user_is_refused_the_same_way(units: Units) -> None:
    await _registered(units)

    async with units() as uow:
        with pytest.raises(NikOwnsAnotherAccount):
            await uow.accounts.add(_account(owner="owner-2"))


async def test_a_nik_saved_twice_on_one_account_is_refused_but_may_stand_on_another(units: Units) -> None:
    first = await _registered(units)
    second = await _registered(units, telegram_user_id=2, owner="owner-2")

    async with units() as uow:
        with pytest.raises(ApplicantAlreadySaved):
            await uow.accounts.add_applicant(first.id, _person("owner-1"), is_owner=False)
    async with units() as uow:
        cousin = await uow.accounts.add_applicant(second.id, _person("owner-1"), is_owner=False)
        await uow.commit()
    assert cousin.account_id == second.id


async def test_a_staff_account_reads_back_with_its_offices_and_a_taken_username_is_refused(units: Units) -> None:
    async with units() as uow:
        office = await uow.offices.save(sample_office())
        assert office.id is not None
        made = await uow.staff.add(
            NewStaff("petugas", "Petugas", "argon2-hash", Role.COUNTER, FRIDAY_AFTERNOON), [office.id]
        )
        await uow.commit()

    async with units() as uow:
        assert await uow.staff.by_username("petugas") == made == await uow.staff.get(made.id)
        assert await uow.staff.office_ids([made.id]) == {made.id: {office.id}}
        assert made.role is Role.COUNTER and made.active
        assert "argon2-hash" not in repr(made)
        with pytest.raises(InvalidStaffAccount) as err:
            await uow.staff.add(NewStaff("petugas", "Another", "another-hash", Role.ADMIN, FRIDAY_AFTERNOON), [])
    assert err.value.reason == "taken"


async def test_an_audit_entry_reads_back_newest_first_with_its_office_code_and_values_as_json_keeps_them(
    units: Units,
) -> None:
    async with units() as uow:
        office = await uow.offices.save(sample_office())
        for action in ("capacity_set", "date_closed"):
            await uow.audit.add(
                NewAuditEntry(
                    at=FRIDAY_AFTERNOON,
                    staff_id=None,
                    actor="command-line",
                    action=action,
                    subject="TST",
                    before={"day": date(2026, 11, 30)},
                    after={"capacity": 12},
                    office_id=office.id,
                    booking_code=None,
                    reason="rapat",
                )
            )
        await uow.commit()

    async with units() as uow:
        entries = await uow.audit.recent(limit=10)
    assert [e.action for e in entries] == ["date_closed", "capacity_set"]
    newest = entries[0]
    assert (newest.office_code, newest.before, newest.after) == ("TST", {"day": "2026-11-30"}, {"capacity": 12})
    assert newest.at == FRIDAY_AFTERNOON and newest.at.utcoffset() == timedelta(0)


async def test_a_second_slot_at_the_same_office_day_and_start_is_refused(units: Units) -> None:
    async with units() as uow:
        office = await uow.offices.save(sample_office())
        assert office.id is not None
        opens = datetime(2026, 11, 27, 14, 0, tzinfo=JAKARTA)
        slot = NewSlot(office.id, date(2026, 11, 30), time(8), time(9), 10, opens, opens + timedelta(days=2))
        await uow.slots.add([slot])
        await uow.commit()

    # No use case meets this (releases read the days already scheduled first): the database simply refuses it.
    async with units() as uow:
        with pytest.raises((ConstraintViolation, IntegrityError)):
            await uow.slots.add([slot])


async def test_an_offices_days_read_back_its_closures_and_its_slots_in_order_and_no_other_offices(
    units: Units,
) -> None:
    async with units() as uow:
        office = await uow.offices.save(sample_office())
        other = await uow.offices.save(replace(sample_office(), code="KANIM-LAIN", name="Kantor Lain"))
        assert office.id is not None and other.id is not None
        opens = datetime(2026, 11, 27, 14, 0, tzinfo=JAKARTA)
        until = opens + timedelta(days=2)
        monday, tuesday, wednesday = date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 2)
        await uow.slots.add([
            NewSlot(office.id, monday, time(10), time(11), 5, opens, until),
            NewSlot(office.id, monday, time(8), time(9), 10, opens, until),
            NewSlot(office.id, wednesday, time(8), time(9), 3, opens, until),
            NewSlot(other.id, monday, time(8), time(9), 7, opens, until),
        ])  # fmt: skip
        await uow.offices.add_closure(office.id, tuesday, "Cuti bersama")
        await uow.offices.add_closure(office.id, wednesday, "Listrik padam")
        await uow.offices.add_closure(other.id, monday, "Renovasi")
        await uow.commit()

    async with units() as uow:
        closed, by_day = await uow.slots.days(office.id, monday, wednesday)
        assert closed == {tuesday: "Cuti bersama", wednesday: "Listrik padam"}
        assert {d: [(s.start, s.capacity, s.taken) for s in day] for d, day in by_day.items()} == {
            monday: [(time(8), 10, 0), (time(10), 5, 0)],
            wednesday: [(time(8), 3, 0)],
        }
        assert by_day == await uow.slots.in_range(office.id, monday, wednesday)  # the same slots, read alone
        assert by_day[monday][0].bookable_from == opens and by_day[monday][0].bookable_until == until
        assert await uow.slots.days(office.id, tuesday, tuesday) == ({tuesday: "Cuti bersama"}, {})


async def test_a_kept_freeze_reads_back_keeps_the_later_end_and_goes_once_over(units: Units) -> None:
    later = FRIDAY_AFTERNOON + timedelta(days=30)
    async with units() as uow:
        assert await uow.accounts.freeze_of("owner-1") is None
        await uow.accounts.keep_freeze("owner-1", later)
        await uow.accounts.keep_freeze("owner-1", FRIDAY_AFTERNOON + timedelta(days=3))  # an earlier end: kept later
        await uow.commit()
    async with units() as uow:
        assert await uow.accounts.freeze_of("owner-1") == later
        assert await uow.accounts.drop_freezes(later - timedelta(seconds=1)) == 0
        assert await uow.accounts.drop_freezes(later) == 1
        assert await uow.accounts.freeze_of("owner-1") is None


async def test_an_account_made_with_a_kept_freeze_reads_it_back(units: Units) -> None:
    until = FRIDAY_AFTERNOON + timedelta(days=12)
    async with units() as uow:
        made = await uow.accounts.add(replace(_account(), frozen_until=until))
        await uow.commit()
    async with units() as uow:
        assert made.frozen_until == until
        assert await uow.accounts.get(made.id) == made
