"""The office, release, calendar and account use cases on an in-memory unit of work."""

from __future__ import annotations

import inspect
from dataclasses import fields, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from core.crypto import Vault
from core.domain.accounts import Account, SavedApplicant
from core.domain.booking import DateNotBookable
from core.domain.calendar import Closure, ClosureKind, DayState, NewSlot
from core.domain.identity import KkWrongLength, NikBirthDateMismatch, NikUnknownProvince, NikWrongLength
from core.domain.offices import (
    InvalidOffice,
    Office,
    OfficeKind,
    SlotTime,
    default_slot_template,
    parse_working_days,
)
from core.persistence import repositories
from core.services import accounts, calendar, offices, release
from core.services.accounts import (
    AlreadyRegistered,
    ApplicantAlreadySaved,
    InvalidName,
    NikOwnsAnotherAccount,
    TooManyApplicants,
)
from core.services.errors import AccountNotFound, OfficeNotFound
from tests.conftest import FRIDAY_AFTERNOON
from tests.factories import make_nik, sample_office
from tests.fakes import (
    ConstraintViolation,
    FakeAccountRepository,
    FakeAuditRepository,
    FakeOfficeRepository,
    FakeSlotRepository,
    FakeStaffRepository,
    FakeUnitOfWork,
)

JAKARTA = ZoneInfo("Asia/Jakarta")
SHIPPED = offices.shipped_offices_csv()
CATALOGUE = offices.parse_offices_csv(SHIPPED)

# The week released by the window that opens on Friday 27 November 2026 (FRIDAY_AFTERNOON is 15:00 WIB).
FRIDAY = date(2026, 11, 27)
SUNDAY = date(2026, 11, 29)
RELEASED_WEEK = tuple(date(2026, 11, 30) + timedelta(days=i) for i in range(5))
MONDAY_MORNING = datetime(2026, 11, 30, 9, 0, tzinfo=JAKARTA)
NEXT_FRIDAY = date(2026, 12, 4)
NEXT_SUNDAY = date(2026, 12, 6)
WEEK_AFTER = tuple(date(2026, 12, 7) + timedelta(days=i) for i in range(5))

OWNER_BORN = date(1985, 3, 14)
OWNER_NIK = make_nik(OWNER_BORN, serial=1)
KK = "3174010101200001"


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


async def add_office(uow: FakeUnitOfWork, office: Office | None = None) -> Office:
    return await offices.save_office(uow, office or sample_office())


async def slots_of(uow: FakeUnitOfWork, office: Office, first: date, last: date) -> dict[date, list[Any]]:
    assert office.id is not None
    async with uow:
        return dict(await uow.slots.in_range(office.id, first, last))


# --- The fake itself --------------------------------------------------------------------------------------

FAKED: dict[tuple[type[Any], type[Any]], tuple[str, ...]] = {
    (FakeOfficeRepository, repositories.OfficeRepository): (
        "get",
        "get_by_id",
        "list",
        "save",
        "closures",
        "add_closure",
        "capacity_overrides",
        "set_capacity_override",
    ),
    (FakeSlotRepository, repositories.SlotRepository): (
        "in_range",
        "get",
        "existing_days",
        "add",
        "open_now",
        "set_capacity",
    ),
    (FakeAccountRepository, repositories.AccountRepository): (
        "by_telegram_user",
        "with_people",
        "get",
        "owner_hash_taken",
        "add",
        "set_language",
        "add_applicant",
        "applicants",
    ),
    (FakeStaffRepository, repositories.StaffRepository): (
        "by_username",
        "get",
        "list",
        "office_ids",
        "add",
        "set_offices",
        "set_active",
    ),
    (FakeAuditRepository, repositories.AuditRepository): ("add", "recent"),
}


@pytest.mark.parametrize(("fake", "real"), list(FAKED))
def test_every_faked_query_has_the_real_repositorys_name_and_signature(fake: type[Any], real: type[Any]) -> None:
    for name in FAKED[(fake, real)]:
        assert name in vars(fake), f"{fake.__name__} does not fake {name}"
        assert inspect.signature(vars(fake)[name]) == inspect.signature(vars(real)[name]), name
        assert inspect.iscoroutinefunction(vars(fake)[name])


async def test_a_query_the_fake_lacks_fails_loudly(uow: FakeUnitOfWork) -> None:
    async with uow:
        with pytest.raises(NotImplementedError):
            await uow.bookings.by_code("K7PMQ3XA")


async def test_the_fake_forgets_what_was_written_without_a_commit(uow: FakeUnitOfWork) -> None:
    async with uow:
        await uow.offices.save(sample_office())

    assert not uow.committed
    assert await offices.search_offices(uow) == []


async def test_the_fake_refuses_a_second_slot_at_the_same_start_like_the_database(uow: FakeUnitOfWork) -> None:
    office = await add_office(uow)
    assert office.id is not None
    await release.release_by_hand(uow, office.code, [RELEASED_WEEK[0]], FRIDAY_AFTERNOON)
    again = NewSlot(office.id, RELEASED_WEEK[0], time(8), time(9), 10, FRIDAY_AFTERNOON, FRIDAY_AFTERNOON)

    async with uow:
        with pytest.raises(ConstraintViolation, match="UNIQUE"):
            await uow.slots.add([again])


# --- The shipped catalogue --------------------------------------------------------------------------------


def test_the_shipped_catalogue_covers_every_kind_and_zone_with_unique_codes() -> None:
    codes = [o.code for o in CATALOGUE]

    assert len(CATALOGUE) >= 40
    assert {o.kind for o in CATALOGUE} == set(OfficeKind)
    assert {o.timezone for o in CATALOGUE} == {"Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"}
    assert len(set(codes)) == len(codes)
    assert all(code == code.upper() and code.strip() == code for code in codes)
    assert all(o.name and o.city and o.province and o.address and o.kanwil for o in CATALOGUE)


# --- Importing, exporting and searching offices -----------------------------------------------------------


async def test_importing_the_shipped_catalogue_adds_every_office(uow: FakeUnitOfWork) -> None:
    added, updated = await offices.import_offices(uow, SHIPPED)

    assert (added, updated) == (len(CATALOGUE), 0)
    assert uow.committed
    found = await offices.search_offices(uow)
    assert sorted(o.code for o in found) == sorted(o.code for o in CATALOGUE)
    assert all(o.id is not None for o in found)


async def test_a_new_office_gets_the_default_slot_template_and_release_window(uow: FakeUnitOfWork) -> None:
    await offices.import_offices(uow, SHIPPED)

    async with uow:
        office = await uow.offices.get("JKT-SEL")

    assert office is not None
    assert office.slots == default_slot_template()
    assert office.working_days == frozenset(range(5))
    assert office.release.opens_at == time(14)


async def test_importing_again_updates_every_office_and_duplicates_none(uow: FakeUnitOfWork) -> None:
    await offices.import_offices(uow, SHIPPED)
    ids_before = {o.code: o.id for o in await offices.search_offices(uow)}

    added, updated = await offices.import_offices(uow, SHIPPED)

    assert (added, updated) == (0, len(CATALOGUE))
    assert uow.committed
    assert {o.code: o.id for o in await offices.search_offices(uow)} == ids_before


async def test_a_reimport_changes_the_address_but_keeps_the_offices_own_slots_and_days(
    uow: FakeUnitOfWork,
) -> None:
    await offices.import_offices(uow, SHIPPED)
    async with uow:
        jkt = await uow.offices.get("JKT-SEL")
    assert jkt is not None
    own_slots = (SlotTime(time(7, 30), time(9), 40),)
    await offices.save_office(uow, replace(jkt, slots=own_slots, working_days=parse_working_days("mon-sat")))
    moved = SHIPPED.replace("Jalan Warung Buncit Raya No. 207", "Jalan Baru No. 1")

    assert await offices.import_offices(uow, moved) == (0, len(CATALOGUE))

    async with uow:
        jkt = await uow.offices.get("JKT-SEL")
    assert jkt is not None
    assert jkt.address.startswith("Jalan Baru No. 1")
    assert jkt.slots == own_slots
    assert jkt.working_days == frozenset(range(6))


async def test_an_import_with_a_bad_zone_saves_nothing_and_does_not_commit(uow: FakeUnitOfWork) -> None:
    broken = SHIPPED.replace("Asia/Jayapura", "Asia/Tokyo", 1)

    with pytest.raises(InvalidOffice) as caught:
        await offices.import_offices(uow, broken)

    assert caught.value.value == "Asia/Tokyo"
    assert not uow.committed
    assert await offices.search_offices(uow) == []


async def test_an_import_lacking_a_column_is_refused_naming_it(uow: FakeUnitOfWork) -> None:
    without_zone = "\n".join(line.rsplit(",", 1)[0] for line in SHIPPED.splitlines())

    with pytest.raises(ValueError, match="timezone"):
        await offices.import_offices(uow, without_zone)

    assert not uow.committed


async def test_an_exported_catalogue_reads_back_as_the_same_offices(uow: FakeUnitOfWork) -> None:
    await offices.import_offices(uow, SHIPPED)

    exported = await offices.export_offices(uow)

    assert not uow.committed  # a read commits nothing
    assert exported.splitlines()[0] == ",".join(offices.CSV_FIELDS)
    by_code = sorted(offices.parse_offices_csv(exported), key=lambda o: o.code)
    assert by_code == sorted(CATALOGUE, key=lambda o: o.code)


async def test_an_exported_catalogue_imports_into_an_empty_system_unchanged(uow: FakeUnitOfWork) -> None:
    await offices.import_offices(uow, SHIPPED)
    exported = await offices.export_offices(uow)
    elsewhere = FakeUnitOfWork()

    assert await offices.import_offices(elsewhere, exported) == (len(CATALOGUE), 0)

    assert await offices.export_offices(elsewhere) == exported


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ("denpasar", {"DPS", "MPP-DPS"}),
        ("Surabaya", {"SBY", "TPK", "ULP-ATOM"}),
        ("  BATAM ", {"BTM", "ULP-HBY", "MPP-BTM", "BPD"}),  # Belakang Padang is an island of Batam
        ("kalimantan timur", {"BPN", "MPP-BPN", "SRI", "BEJ"}),
        ("Papua", {"JYP", "MKQ", "MKW", "TIM", "BIK", "SOQ"}),  # Sorong is in Papua Barat Daya
        ("jyp", {"JYP"}),
        ("atlantis", set()),
    ],
)
async def test_offices_are_found_by_city_province_name_or_code(
    uow: FakeUnitOfWork, query: str, codes: set[str]
) -> None:
    await offices.import_offices(uow, SHIPPED)

    found = await offices.search_offices(uow, query)

    assert {o.code for o in found} == codes
    assert not uow.committed


async def test_searching_a_province_finds_every_office_in_it(uow: FakeUnitOfWork) -> None:
    await offices.import_offices(uow, SHIPPED)

    found = await offices.search_offices(uow, "bali")

    assert {o.code for o in CATALOGUE if o.province == "Bali"} <= {o.code for o in found}


async def test_search_results_are_ordered_by_province_then_name(uow: FakeUnitOfWork) -> None:
    await offices.import_offices(uow, SHIPPED)

    found = await offices.search_offices(uow)

    assert [(o.province, o.name) for o in found] == sorted((o.province, o.name) for o in CATALOGUE)


# --- The weekly release -----------------------------------------------------------------------------------


async def test_the_weekly_release_schedules_next_weeks_working_days_in_the_window(uow: FakeUnitOfWork) -> None:
    office = await add_office(uow)

    released = await release.schedule_weekly_release(uow, FRIDAY_AFTERNOON)

    assert uow.committed
    assert released == [
        release.Released("TST", RELEASED_WEEK, office.at(FRIDAY, time(14)), office.at(SUNDAY, time(16)))
    ]
    by_day = await slots_of(uow, office, RELEASED_WEEK[0], RELEASED_WEEK[-1])
    assert sorted(by_day) == list(RELEASED_WEEK)
    for day_slots in by_day.values():
        assert [(s.start, s.capacity, s.taken) for s in day_slots] == [(time(8), 10, 0), (time(9), 10, 0)]
        assert {(s.bookable_from, s.bookable_until) for s in day_slots} == {
            (office.at(FRIDAY, time(14)), office.at(SUNDAY, time(16)))
        }


async def test_the_weekly_release_is_idempotent(uow: FakeUnitOfWork) -> None:
    office = await add_office(uow)
    await release.schedule_weekly_release(uow, FRIDAY_AFTERNOON)
    before = await slots_of(uow, office, RELEASED_WEEK[0], RELEASED_WEEK[-1])

    again = await release.schedule_weekly_release(uow, FRIDAY_AFTERNOON + timedelta(hours=1))

    assert again == []
    assert uow.committed
    assert await slots_of(uow, office, RELEASED_WEEK[0], RELEASED_WEEK[-1]) == before


async def test_a_rerun_releases_only_the_office_added_since(uow: FakeUnitOfWork) -> None:
    await add_office(uow)
    await release.schedule_weekly_release(uow, FRIDAY_AFTERNOON)
    await add_office(uow, sample_office("NEW"))

    again = await release.schedule_weekly_release(uow, FRIDAY_AFTERNOON)

    assert [(r.office_code, r.days) for r in again] == [("NEW", RELEASED_WEEK)]


async def test_the_christmas_week_releases_monday_to_wednesday_only(uow: FakeUnitOfWork) -> None:
    office = await add_office(uow)
    friday_before_christmas = datetime(2026, 12, 18, 15, 0, tzinfo=JAKARTA)

    released = await release.schedule_weekly_release(uow, friday_before_christmas)

    assert released[0].days == (date(2026, 12, 21), date(2026, 12, 22), date(2026, 12, 23))
    assert released[0].bookable_from == office.at(date(2026, 12, 18), time(14))
    assert sorted(await slots_of(uow, office, date(2026, 12, 21), date(2026, 12, 27))) == list(released[0].days)


async def test_an_office_closure_is_not_released(uow: FakeUnitOfWork) -> None:
    office = await add_office(uow)
    assert office.id is not None
    async with uow:
        await uow.offices.add_closure(office.id, RELEASED_WEEK[2], "Pemeliharaan gedung")
        await uow.commit()

    released = await release.schedule_weekly_release(uow, FRIDAY_AFTERNOON)

    assert released[0].days == RELEASED_WEEK[:2] + RELEASED_WEEK[3:]


async def test_the_window_opens_at_each_offices_local_time(uow: FakeUnitOfWork) -> None:
    zones = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}
    made = {label: await add_office(uow, sample_office(label, zone=zone)) for label, zone in zones.items()}
    thursday_noon_utc = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)

    released = {r.office_code: r for r in await release.schedule_weekly_release(uow, thursday_noon_utc)}

    for label, office in made.items():
        assert released[label].days == RELEASED_WEEK
        assert released[label].bookable_from == office.at(FRIDAY, time(14))
        assert released[label].bookable_until == office.at(SUNDAY, time(16))
    assert [released[label].bookable_from.astimezone(UTC).hour for label in ("WIB", "WITA", "WIT")] == [7, 6, 5]


async def test_one_instant_finds_jayapura_open_and_jakarta_not_yet(uow: FakeUnitOfWork) -> None:
    wib = await add_office(uow, sample_office("WIB", zone="Asia/Jakarta"))
    wit = await add_office(uow, sample_office("WIT", zone="Asia/Jayapura"))
    await release.schedule_weekly_release(uow, datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    instant = datetime(2026, 11, 27, 5, 30, tzinfo=UTC)  # 12:30 WIB, 14:30 WIT

    in_wit = await calendar.day_view(uow, wit.code, RELEASED_WEEK[2], party=1, now=instant)
    in_wib = await calendar.day_view(uow, wib.code, RELEASED_WEEK[2], party=1, now=instant)

    assert (in_wit.state, in_wit.open_now) == (DayState.FREE, True)
    assert (in_wib.state, in_wib.open_now) == (DayState.NOT_RELEASED, False)
    assert in_wib.opens_at == datetime(2026, 11, 27, 7, 0, tzinfo=UTC)


async def test_after_sunday_16_00_the_release_schedules_the_next_window(uow: FakeUnitOfWork) -> None:
    office = await add_office(uow)

    released = await release.schedule_weekly_release(uow, office.at(SUNDAY, time(16)))

    assert released[0].days == WEEK_AFTER
    assert released[0].bookable_from == office.at(NEXT_FRIDAY, time(14))
    assert released[0].bookable_until == office.at(NEXT_SUNDAY, time(16))


async def test_capacity_set_ahead_for_a_date_is_used_and_zero_removes_the_slot(uow: FakeUnitOfWork) -> None:
    office = await add_office(uow)
    assert office.id is not None
    tuesday = RELEASED_WEEK[1]
    async with uow:
        await uow.offices.set_capacity_override(office.id, tuesday, time(8), 0)
        await uow.offices.set_capacity_override(office.id, tuesday, time(9), 4)
        await uow.commit()

    await release.schedule_weekly_release(uow, FRIDAY_AFTERNOON)

    by_day = await slots_of(uow, office, tuesday, tuesday + timedelta(days=1))
    assert [(s.start, s.capacity) for s in by_day[tuesday]] == [(time(9), 4)]
    assert [(s.start, s.capacity) for s in by_day[tuesday + timedelta(days=1)]] == [(time(8), 10), (time(9), 10)]


async def test_every_shipped_office_releases_the_same_five_dates(uow: FakeUnitOfWork) -> None:
    await offices.import_offices(uow, SHIPPED)

    released = await release.schedule_weekly_release(uow, datetime(2026, 11, 26, 12, 0, tzinfo=UTC))

    assert len(released) == len(CATALOGUE)
    assert {r.days for r in released} == {RELEASED_WEEK}
    assert len(uow.store.slots) == len(CATALOGUE) * len(RELEASED_WEEK) * 6


# --- Releasing by hand ------------------------------------------------------------------------------------


async def test_a_date_released_by_hand_is_open_from_now_until_it_begins(uow: FakeUnitOfWork) -> None:
    office = await add_office(uow)
    tuesday = date(2026, 12, 8)

    released = await release.release_by_hand(uow, "TST", [tuesday], FRIDAY_AFTERNOON)

    assert uow.committed
    assert released == release.Released("TST", (tuesday,), FRIDAY_AFTERNOON, office.at(tuesday, time(0)))
    day = await calendar.day_view(uow, "TST", tuesday, party=1, now=FRIDAY_AFTERNOON)
    assert (day.state, day.open_now) == (DayState.FREE, True)
    assert [s.bookable_until for s in day.slots] == [office.at(tuesday, time(0))] * 2


@pytest.mark.parametrize("day", [FRIDAY, FRIDAY - timedelta(days=1), date(2026, 1, 5)])
async def test_today_and_past_dates_cannot_be_released_by_hand(uow: FakeUnitOfWork, day: date) -> None:
    await add_office(uow)

    with pytest.raises(DateNotBookable) as caught:
        await release.release_by_hand(uow, "TST", [date(2026, 12, 8), day], FRIDAY_AFTERNOON)

    assert (caught.value.day, caught.value.reason) == (day, "past")
    assert not uow.committed
    assert uow.store.slots == {}


@pytest.mark.parametrize(
    "day",
    [date(2026, 12, 5), date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 9)],
    ids=["saturday", "collective leave", "christmas", "office closure"],
)
async def test_closed_dates_cannot_be_released_by_hand(uow: FakeUnitOfWork, day: date) -> None:
    office = await add_office(uow)
    assert office.id is not None
    async with uow:
        await uow.offices.add_closure(office.id, date(2026, 12, 9), "Rapat kerja")
        await uow.commit()

    with pytest.raises(DateNotBookable) as caught:
        await release.release_by_hand(uow, "TST", [date(2026, 12, 8), day], FRIDAY_AFTERNOON)

    assert (caught.value.day, caught.value.reason) == (day, "closed")
    assert not uow.committed
    assert uow.store.slots == {}


async def test_a_date_scheduled_for_the_next_window_is_opened_now_by_hand(uow: FakeUnitOfWork) -> None:
    office = await add_office(uow)
    await release.schedule_weekly_release(uow, MONDAY_MORNING)  # schedules 7–11 December for Friday
    wednesday, thursday = WEEK_AFTER[2], WEEK_AFTER[3]

    await release.release_by_hand(uow, "TST", [wednesday], MONDAY_MORNING)

    assert uow.committed
    opened = await calendar.day_view(uow, "TST", wednesday, party=1, now=MONDAY_MORNING)
    waiting = await calendar.day_view(uow, "TST", thursday, party=1, now=MONDAY_MORNING)
    assert (opened.state, opened.open_now) == (DayState.FREE, True)
    assert {s.bookable_from for s in opened.slots} == {MONDAY_MORNING}
    assert (waiting.state, waiting.opens_at) == (DayState.NOT_RELEASED, office.at(NEXT_FRIDAY, time(14)))
    assert len((await slots_of(uow, office, wednesday, wednesday))[wednesday]) == 2  # opened, not doubled


async def test_a_date_whose_window_has_closed_is_reopened_by_hand(uow: FakeUnitOfWork) -> None:
    await add_office(uow)
    await release.schedule_weekly_release(uow, FRIDAY_AFTERNOON)  # 30 Nov – 4 Dec, until Sunday 16:00
    thursday = RELEASED_WEEK[3]

    released = await release.release_by_hand(uow, "TST", [thursday], MONDAY_MORNING)

    assert released.bookable_from == MONDAY_MORNING
    day = await calendar.day_view(uow, "TST", thursday, party=1, now=MONDAY_MORNING)
    assert day.open_now


async def test_releasing_by_hand_at_an_unknown_office_is_refused(uow: FakeUnitOfWork) -> None:
    with pytest.raises(OfficeNotFound) as caught:
        await release.release_by_hand(uow, "NOPE", [date(2026, 12, 8)], FRIDAY_AFTERNOON)

    assert caught.value.office_code == "NOPE"
    assert not uow.committed


# --- The month calendar -----------------------------------------------------------------------------------


async def _december_scene(uow: FakeUnitOfWork) -> Office:
    """2 slots of 10; Wednesday 2 December has one place left in each; Friday 4 December is closed."""
    office = await add_office(uow)
    assert office.id is not None
    async with uow:
        await uow.offices.set_capacity_override(office.id, date(2026, 12, 2), time(8), 1)
        await uow.offices.set_capacity_override(office.id, date(2026, 12, 2), time(9), 1)
        await uow.offices.add_closure(office.id, NEXT_FRIDAY, "Pemeliharaan sistem")
        await uow.commit()
    await release.schedule_weekly_release(uow, FRIDAY_AFTERNOON)
    return office


async def test_the_month_shows_free_full_not_released_and_closed_dates(uow: FakeUnitOfWork) -> None:
    office = await _december_scene(uow)

    view = await calendar.month_calendar(uow, "TST", 2026, 12, party=2, now=FRIDAY_AFTERNOON)

    assert not uow.committed
    assert (view.year, view.month, view.party, len(view.days)) == (2026, 12, 2, 31)
    assert view.next_window == (office.at(FRIDAY, time(14)), office.at(SUNDAY, time(16)))
    states = {d.day.day: d.state for d in view.days}
    closed = {d.day.day for d in view.days if d.day.weekday() >= 5} | {4, 24, 25}
    expected = {
        n: DayState.CLOSED
        if n in closed
        else {1: DayState.FREE, 2: DayState.FULL, 3: DayState.FREE}.get(n, DayState.NOT_RELEASED)
        for n in range(1, 32)
    }
    assert states == expected
    closures = {d.day.day: d.closure for d in view.days if d.closure}
    assert closures[4] == Closure(ClosureKind.OFFICE, "Pemeliharaan sistem")
    assert closures[5] == Closure(ClosureKind.WEEKEND)
    assert closures[24] is not None and closures[24].kind is ClosureKind.COLLECTIVE_LEAVE
    assert closures[25] is not None and closures[25].kind is ClosureKind.HOLIDAY
    assert all(d.open_now == (d.state in (DayState.FREE, DayState.FULL)) for d in view.days)


async def test_a_date_full_for_a_couple_is_free_for_one_person(uow: FakeUnitOfWork) -> None:
    await _december_scene(uow)

    view = await calendar.month_calendar(uow, "TST", 2026, 12, party=1, now=FRIDAY_AFTERNOON)

    assert view.days[1].state is DayState.FREE


async def test_the_month_marks_today_and_earlier_as_past(uow: FakeUnitOfWork) -> None:
    await _december_scene(uow)

    view = await calendar.month_calendar(uow, "TST", 2026, 11, party=1, now=FRIDAY_AFTERNOON)

    assert [d.state for d in view.days[:27]] == [DayState.PAST] * 27
    assert [d.state for d in view.days[27:]] == [DayState.CLOSED, DayState.CLOSED, DayState.FREE]


async def test_a_days_view_lists_the_slots_that_take_the_party(uow: FakeUnitOfWork) -> None:
    await _december_scene(uow)

    wednesday = await calendar.day_view(uow, "TST", date(2026, 12, 2), party=1, now=FRIDAY_AFTERNOON)

    assert [(s.start, s.remaining) for s in wednesday.free_slots(1)] == [(time(8), 1), (time(9), 1)]
    assert wednesday.free_slots(2) == []


async def test_the_calendar_of_an_unknown_office_is_refused(uow: FakeUnitOfWork) -> None:
    with pytest.raises(OfficeNotFound):
        await calendar.month_calendar(uow, "NOPE", 2026, 12, party=1, now=FRIDAY_AFTERNOON)
    with pytest.raises(OfficeNotFound):
        await calendar.day_view(uow, "NOPE", date(2026, 12, 2), party=1, now=FRIDAY_AFTERNOON)


# --- Accounts ---------------------------------------------------------------------------------------------


async def register(
    uow: FakeUnitOfWork,
    vault: Vault,
    *,
    telegram_user_id: int = 1001,
    nik: str = OWNER_NIK,
    name: str = "Siti Rahayu",
    born: date = OWNER_BORN,
    kk: str = KK,
    now: datetime = FRIDAY_AFTERNOON,
) -> accounts.AccountView:
    return await accounts.register_owner(
        uow,
        vault,
        telegram_user_id=telegram_user_id,
        full_name=name,
        nik=nik,
        birth_date=born,
        kk=kk,
        phone="+6281234567890",
        language="id",
        now=now,
    )


def _stored_values(uow: FakeUnitOfWork) -> list[object]:
    records: list[Account | SavedApplicant] = [*uow.store.accounts.values(), *uow.store.applicants.values()]
    return [getattr(r, f.name) for r in records for f in fields(r)]


async def test_registering_creates_the_account_with_its_owner_as_first_applicant(
    uow: FakeUnitOfWork, vault: Vault
) -> None:
    view = await register(uow, vault, name="  siti   rahayu ")

    assert uow.committed
    assert view.telegram_user_id == 1001
    assert view.kk_masked == "3174********0001"
    assert view.language == "id"
    assert view.frozen_until is None
    [owner] = view.applicants
    assert (owner.full_name, owner.nik_masked, owner.birth_date, owner.is_owner) == (
        "SITI RAHAYU",
        "3174********0001",
        OWNER_BORN,
        True,
    )
    assert owner.gender == "male"


async def test_the_nik_and_kk_are_stored_encrypted_and_hashed_and_never_in_clear(
    uow: FakeUnitOfWork, vault: Vault
) -> None:
    view = await register(uow, vault)

    [account] = uow.store.accounts.values()
    [applicant] = uow.store.applicants.values()
    assert vault.decrypt(applicant.nik_enc) == OWNER_NIK
    assert applicant.nik_hash == account.owner_nik_hash == vault.lookup_hash(OWNER_NIK)
    assert vault.decrypt(account.kk_enc) == KK
    assert account.kk_hash == vault.lookup_hash(KK)
    for number in (OWNER_NIK, KK):
        for value in _stored_values(uow):
            assert number not in str(value)
            assert not (isinstance(value, bytes) and number.encode() in value)
        assert number not in repr(view)
        assert number not in repr(account) and number not in repr(applicant)


async def test_a_lookup_hash_is_keyed_so_another_secret_gives_another_hash(uow: FakeUnitOfWork, vault: Vault) -> None:
    await register(uow, vault)

    [applicant] = uow.store.applicants.values()
    assert applicant.nik_hash != Vault("another-secret-0123456789abcdef").lookup_hash(OWNER_NIK)
    assert applicant.nik_enc != vault.encrypt(OWNER_NIK)  # a fresh nonce every time


async def test_a_telegram_account_registers_only_once(uow: FakeUnitOfWork, vault: Vault) -> None:
    await register(uow, vault)

    with pytest.raises(AlreadyRegistered):
        await register(uow, vault, nik=make_nik(date(1990, 5, 6), serial=2), born=date(1990, 5, 6))

    assert not uow.committed
    assert len(uow.store.accounts) == 1


async def test_a_nik_may_own_only_one_account(uow: FakeUnitOfWork, vault: Vault) -> None:
    await register(uow, vault)

    with pytest.raises(NikOwnsAnotherAccount):
        await register(uow, vault, telegram_user_id=2002)

    assert not uow.committed
    assert len(uow.store.accounts) == 1


async def test_a_nik_owning_an_account_is_refused_before_the_rest_is_asked(uow: FakeUnitOfWork, vault: Vault) -> None:
    await register(uow, vault)

    with pytest.raises(NikOwnsAnotherAccount):
        await accounts.check_owner_nik_free(uow, vault, OWNER_NIK)
    await accounts.check_owner_nik_free(uow, vault, make_nik(date(1990, 5, 6), serial=2))  # a free one passes


class RacingAccountRepository(FakeAccountRepository):
    """Another registration of the same NIK commits between this one's check and its insert."""

    async def owner_hash_taken(self, nik_hash: str) -> bool:
        return False


async def test_a_nik_registered_concurrently_loses_to_the_unique_index_cleanly(
    uow: FakeUnitOfWork, vault: Vault
) -> None:
    await register(uow, vault)
    uow.accounts = RacingAccountRepository(uow.store)

    with pytest.raises(NikOwnsAnotherAccount):
        await register(uow, vault, telegram_user_id=2002)

    assert not uow.committed
    assert len(uow.store.accounts) == 1
    assert len(uow.store.applicants) == 1


@pytest.mark.parametrize("name", ["Budi 123", "B", "", "Budi; DROP TABLE", "Budi_Santoso", "x" * 101])
async def test_a_name_unlike_one_on_an_e_ktp_is_refused(uow: FakeUnitOfWork, vault: Vault, name: str) -> None:
    with pytest.raises(InvalidName):
        await register(uow, vault, name=name)

    assert not uow.committed
    assert uow.store.accounts == {}


@pytest.mark.parametrize("name", ["Ni Made Ayu", "Maria O'Neil", "I Gusti Ngurah Rai", "Abdul-Rahman", "Dr. Siti"])
async def test_real_names_with_apostrophes_dots_and_hyphens_are_accepted(
    uow: FakeUnitOfWork, vault: Vault, name: str
) -> None:
    view = await register(uow, vault, name=name)

    assert view.applicants[0].full_name == name.upper()


@pytest.mark.parametrize(
    ("nik", "born", "error"),
    [
        ("3174", OWNER_BORN, NikWrongLength),
        ("9974011403850001", OWNER_BORN, NikUnknownProvince),
        (OWNER_NIK, date(1985, 3, 15), NikBirthDateMismatch),
    ],
)
async def test_what_is_wrong_with_a_nik_reaches_the_caller(
    uow: FakeUnitOfWork, vault: Vault, nik: str, born: date, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await register(uow, vault, nik=nik, born=born)

    assert not uow.committed
    assert uow.store.accounts == {}


async def test_a_bad_family_card_number_is_refused_before_anything_is_written(
    uow: FakeUnitOfWork, vault: Vault
) -> None:
    with pytest.raises(KkWrongLength):
        await register(uow, vault, kk="317401010120")

    assert not uow.committed
    assert uow.store.accounts == {}


async def test_a_family_member_is_saved_after_the_owner(uow: FakeUnitOfWork, vault: Vault) -> None:
    account = await register(uow, vault)
    born = date(2012, 7, 9)

    member = await accounts.add_family_member(
        uow,
        vault,
        account_id=account.id,
        full_name="Putri Rahayu",
        nik=make_nik(born, female=True, serial=2),
        birth_date=born,
        now=FRIDAY_AFTERNOON,
    )

    assert uow.committed
    assert (member.full_name, member.nik_masked, member.gender, member.is_owner) == (
        "PUTRI RAHAYU",
        "3174********0002",
        "female",
        False,
    )
    found = await accounts.account_by_telegram_user(uow, 1001)
    assert found is not None
    assert [(a.full_name, a.is_owner) for a in found.applicants] == [("SITI RAHAYU", True), ("PUTRI RAHAYU", False)]
    stored = uow.store.applicants[member.id]
    assert vault.decrypt(stored.nik_enc) == make_nik(born, female=True, serial=2)


async def test_the_same_family_member_cannot_be_saved_twice(uow: FakeUnitOfWork, vault: Vault) -> None:
    account = await register(uow, vault)
    born = date(2012, 7, 9)
    nik = make_nik(born, serial=3)
    await accounts.add_family_member(
        uow, vault, account_id=account.id, full_name="Adi", nik=nik, birth_date=born, now=FRIDAY_AFTERNOON
    )

    with pytest.raises(ApplicantAlreadySaved):
        await accounts.add_family_member(
            uow, vault, account_id=account.id, full_name="Adi", nik=nik, birth_date=born, now=FRIDAY_AFTERNOON
        )

    assert not uow.committed
    assert len(uow.store.applicants) == 2


async def test_the_owner_cannot_be_saved_again_as_a_family_member(uow: FakeUnitOfWork, vault: Vault) -> None:
    account = await register(uow, vault)

    with pytest.raises(ApplicantAlreadySaved):
        await accounts.add_family_member(
            uow,
            vault,
            account_id=account.id,
            full_name="Siti Rahayu",
            nik=OWNER_NIK,
            birth_date=OWNER_BORN,
            now=FRIDAY_AFTERNOON,
        )

    assert not uow.committed


async def test_an_account_keeps_at_most_ten_saved_applicants(uow: FakeUnitOfWork, vault: Vault) -> None:
    account = await register(uow, vault)
    for i in range(accounts.MAX_SAVED_APPLICANTS - 1):
        born = date(2000 + i, 1 + i, 1 + i)
        await accounts.add_family_member(
            uow,
            vault,
            account_id=account.id,
            full_name=f"Anggota {chr(65 + i)}",
            nik=make_nik(born, serial=100 + i),
            birth_date=born,
            now=FRIDAY_AFTERNOON,
        )

    with pytest.raises(TooManyApplicants):
        await accounts.add_family_member(
            uow,
            vault,
            account_id=account.id,
            full_name="Anggota Terakhir",
            nik=make_nik(date(2015, 2, 2), serial=200),
            birth_date=date(2015, 2, 2),
            now=FRIDAY_AFTERNOON,
        )

    assert not uow.committed
    assert len(uow.store.applicants) == accounts.MAX_SAVED_APPLICANTS


async def test_a_family_member_of_an_unknown_account_is_refused(uow: FakeUnitOfWork, vault: Vault) -> None:
    with pytest.raises(AccountNotFound):
        await accounts.add_family_member(
            uow, vault, account_id=99, full_name="Adi", nik=OWNER_NIK, birth_date=OWNER_BORN, now=FRIDAY_AFTERNOON
        )

    assert not uow.committed


async def test_an_unknown_telegram_user_has_no_account(uow: FakeUnitOfWork) -> None:
    assert await accounts.account_by_telegram_user(uow, 404) is None


async def test_a_baby_born_today_in_indonesia_can_be_saved_early_in_the_morning(
    uow: FakeUnitOfWork, vault: Vault
) -> None:
    account = await register(uow, vault)
    six_in_the_morning_wib = datetime(2026, 11, 22, 23, 0, tzinfo=UTC)  # 23 November 06:00 WIB
    born = date(2026, 11, 23)

    member = await accounts.add_family_member(
        uow,
        vault,
        account_id=account.id,
        full_name="Bayi Rahayu",
        nik=make_nik(born, serial=9),
        birth_date=born,
        now=six_in_the_morning_wib,
    )

    assert member.birth_date == born
