"""The offices' side of the engine on a real database: staff accounts, the live day, the daily list, check-in."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from core.clock import FixedClock
from core.crypto import Passwords, Vault
from core.documents.signing import ProofClaim, sign_proof
from core.domain.booking import ApplicationType
from core.domain.offices import Office
from core.domain.staff import InvalidStaffAccount, NotAllowed, Role, StaffMember
from core.runtime import Runtime
from core.services import audit, checkin, office_day, quota, staff
from core.services.checkin import CheckInRefused, Problem
from tests.conftest import JAKARTA, NEXT_MONDAY
from tests.factories import add_office, register, release_days, sample_office, slot_ids

MONDAY_MORNING = datetime(2026, 11, 30, 8, 5, tzinfo=JAKARTA)


@pytest.fixture(scope="module")
def passwords() -> Passwords:
    return Passwords(time_cost=1, memory_kib=8192)  # the same algorithm, cheaper, so the tests stay quick


async def _member(rt: Runtime, passwords: Passwords, role: Role, *offices: str, name: str = "petugas") -> StaffMember:
    return await staff.create_staff(
        rt.uow(),
        passwords,
        username=name,
        display_name=name.title(),
        password="kata-sandi-panjang",
        role=role,
        office_codes=list(offices),
        now=rt.clock.now(),
    )


async def _booked(rt: Runtime, vault: Vault, user: int = 1, family: int = 1) -> tuple[str, int]:
    """A confirmed booking at TST on next Monday's first slot: (code, booking id)."""
    account = await register(rt, vault, user, family=family)
    slot = (await slot_ids(rt, (await _office(rt)), NEXT_MONDAY))[0]
    ids = [a.id for a in account.applicants]
    hold = await rt.desk.hold(account.id, slot, ids, ["new"] * len(ids), f"k{user}")
    await rt.desk.confirm(account.id, hold.booking_id)
    return hold.code, hold.booking_id


async def _office(rt: Runtime) -> Office:
    async with rt.reader() as uow:
        office = await uow.offices.get("TST")
    assert office is not None
    return office


@pytest.fixture
async def tst(runtime: Runtime) -> None:
    office = await add_office(runtime, sample_office(capacity=10))
    await add_office(runtime, sample_office("OTH"))
    await release_days(runtime, office, [NEXT_MONDAY])


async def test_a_staff_member_signs_in_with_the_right_password_only(
    runtime: Runtime, passwords: Passwords, tst: None
) -> None:
    made = await _member(runtime, passwords, Role.OFFICE, "TST", name="Budi.Santoso")
    assert made.username == "budi.santoso"
    found = await staff.authenticate(runtime.reader(), passwords, "BUDI.SANTOSO ", "kata-sandi-panjang")
    assert found is not None and found.role is Role.OFFICE and found.office_ids == made.office_ids
    assert await staff.authenticate(runtime.reader(), passwords, "budi.santoso", "salah-kata-sandi") is None
    assert await staff.authenticate(runtime.reader(), passwords, "nobody", "kata-sandi-panjang") is None


async def test_an_account_needs_a_long_password_a_free_username_and_offices_for_office_roles(
    runtime: Runtime, passwords: Passwords, tst: None
) -> None:
    with pytest.raises(InvalidStaffAccount) as err:
        await _member(runtime, passwords, Role.COUNTER)
    assert err.value.reason == "offices"
    await _member(runtime, passwords, Role.ADMIN, name="admin")
    with pytest.raises(InvalidStaffAccount) as err:
        await _member(runtime, passwords, Role.ADMIN, name="ADMIN")
    assert err.value.reason == "taken"
    with pytest.raises(InvalidStaffAccount) as err:
        await staff.create_staff(
            runtime.uow(),
            passwords,
            username="pendek",
            display_name="",
            password="short",
            role=Role.ADMIN,
            office_codes=[],
            now=runtime.clock.now(),
        )
    assert err.value.reason == "password"


async def test_a_deactivated_account_can_no_longer_sign_in(runtime: Runtime, passwords: Passwords, tst: None) -> None:
    admin = await _member(runtime, passwords, Role.ADMIN, name="admin")
    clerk = await _member(runtime, passwords, Role.OFFICE, "TST", name="clerk")
    await staff.set_active(runtime.uow(), clerk.id, False, runtime.clock.now(), admin)
    assert await staff.authenticate(runtime.reader(), passwords, "clerk", "kata-sandi-panjang") is None
    with pytest.raises(InvalidStaffAccount):
        await staff.set_active(runtime.uow(), admin.id, False, runtime.clock.now(), admin)


async def test_the_live_view_counts_held_booked_and_free_per_slot(
    runtime: Runtime, vault: Vault, passwords: Passwords, tst: None
) -> None:
    member = await _member(runtime, passwords, Role.OFFICE, "TST")
    await _booked(runtime, vault, 1, family=2)
    other = await register(runtime, vault, 2)
    slot = (await slot_ids(runtime, await _office(runtime), NEXT_MONDAY))[0]
    await runtime.desk.hold(other.id, slot, [other.applicants[0].id], ["new"], "held")
    board = await office_day.day_board(runtime.reader(), member, "TST", NEXT_MONDAY, runtime.clock.now())
    first = board.slots[0]
    assert (first.capacity, first.held, first.booked, first.free) == (10, 1, 3, 6)
    assert board.totals.free == 16 and board.closed is None


async def test_a_date_not_released_yet_shows_the_capacity_it_will_open_with(
    runtime: Runtime, passwords: Passwords, tst: None
) -> None:
    member = await _member(runtime, passwords, Role.OFFICE, "TST")
    tuesday = NEXT_MONDAY + timedelta(days=1)
    await quota.set_capacity(runtime.uow(), "TST", tuesday, time(8), 4, runtime.clock.now(), actor=member)
    board = await office_day.day_board(runtime.reader(), member, "TST", tuesday, runtime.clock.now())
    assert [(s.capacity, s.released) for s in board.slots] == [(4, False), (10, False)]
    assert board.bookable_from is None


async def test_staff_of_one_office_cannot_see_or_change_another(
    runtime: Runtime, passwords: Passwords, tst: None
) -> None:
    member = await _member(runtime, passwords, Role.OFFICE, "OTH")
    with pytest.raises(NotAllowed):
        await office_day.day_board(runtime.reader(), member, "TST", NEXT_MONDAY, runtime.clock.now())
    with pytest.raises(NotAllowed):
        await quota.set_capacity(runtime.uow(), "TST", NEXT_MONDAY, time(8), 4, runtime.clock.now(), actor=member)


async def test_the_daily_list_masks_niks_except_for_the_counter(
    runtime: Runtime, vault: Vault, passwords: Passwords, tst: None
) -> None:
    code, _ = await _booked(runtime, vault, 1, family=1)
    office = await _member(runtime, passwords, Role.OFFICE, "TST", name="kantor")
    counter = await _member(runtime, passwords, Role.COUNTER, "TST", name="loket")
    masked = await office_day.daily_list(runtime.reader(), vault, office, "TST", NEXT_MONDAY, runtime.clock.now())
    whole = await office_day.daily_list(runtime.reader(), vault, counter, "TST", NEXT_MONDAY, runtime.clock.now())
    [booking] = masked.slots[0].bookings
    assert booking.code == code and [p.position for p in booking.applicants] == [1, 2]
    assert "*" in booking.applicants[0].nik and not masked.full_nik
    assert whole.full_nik and whole.slots[0].bookings[0].applicants[0].nik.isdigit()
    assert masked.slots[1].bookings == ()


async def test_a_signed_proof_checks_in_on_its_day_once_and_is_refused_the_second_time(
    runtime: Runtime, vault: Vault, passwords: Passwords, tst: None, clock: FixedClock
) -> None:
    code, _ = await _booked(runtime, vault, 1, family=1)
    counter = await _member(runtime, passwords, Role.COUNTER, "TST")
    payload = sign_proof(vault.signing_key, ProofClaim(code, "TST", NEXT_MONDAY, time(8), 2))

    early = await checkin.inspect(runtime.reader(), vault, counter, "TST", payload, runtime.clock.now())
    assert early.signed and early.problems == (Problem.NOT_TODAY,)

    clock.set(MONDAY_MORNING)
    verdict = await checkin.inspect(runtime.reader(), vault, counter, "TST", payload.lower(), MONDAY_MORNING)
    assert verdict.valid and verdict.booking is not None and len(verdict.booking.applicants) == 2
    done = await checkin.mark_arrived(runtime.uow(), vault, counter, "TST", code, [1, 2], MONDAY_MORNING)
    assert done.booking is not None and all(p.checked_in_at == MONDAY_MORNING for p in done.booking.applicants)

    again = await checkin.inspect(runtime.reader(), vault, counter, "TST", payload, MONDAY_MORNING)
    assert again.problems == (Problem.USED,)
    with pytest.raises(CheckInRefused):
        await checkin.mark_arrived(runtime.uow(), vault, counter, "TST", code, [1], MONDAY_MORNING)
    entries = await audit.recent(runtime.reader(), booking_code=code)
    assert [e.action for e in entries] == ["checked_in"] and entries[0].actor == "petugas"


async def test_an_edited_or_foreign_proof_is_refused(
    runtime: Runtime, vault: Vault, passwords: Passwords, tst: None
) -> None:
    code, _ = await _booked(runtime, vault)
    counter = await _member(runtime, passwords, Role.COUNTER, "TST")
    payload = sign_proof(vault.signing_key, ProofClaim(code, "TST", NEXT_MONDAY, time(8), 2))
    edited = payload.replace(".2.", ".3.")
    forged = await checkin.inspect(runtime.reader(), vault, counter, "TST", edited, MONDAY_MORNING)
    assert forged.problems == (Problem.FORGED,) and forged.booking is None
    other_key = sign_proof(
        Vault("another-secret-entirely").signing_key, ProofClaim(code, "TST", NEXT_MONDAY, time(8), 2)
    )
    assert (await checkin.inspect(runtime.reader(), vault, counter, "TST", other_key, MONDAY_MORNING)).problems == (
        Problem.FORGED,
    )
    unknown = await checkin.inspect(runtime.reader(), vault, counter, "TST", "ZZZZ-ZZZZ", MONDAY_MORNING)
    assert unknown.problems == (Problem.UNKNOWN,)
    assert (await checkin.inspect(runtime.reader(), vault, counter, "TST", "hello", MONDAY_MORNING)).problems == (
        Problem.MALFORMED,
    )


async def test_the_old_proof_of_a_moved_booking_is_refused_at_the_counter_and_the_new_one_lets_them_in(
    runtime: Runtime, vault: Vault, passwords: Passwords, tst: None, clock: FixedClock
) -> None:
    account = await register(runtime, vault, 1, family=1)
    first, later = await slot_ids(runtime, await _office(runtime), NEXT_MONDAY)
    ids = [a.id for a in account.applicants]
    hold = await runtime.desk.hold(account.id, first, ids, ["new", "new"], "k")
    await runtime.desk.confirm(account.id, hold.booking_id)
    moved = await runtime.desk.move(account.id, hold.booking_id, later)
    counter = await _member(runtime, passwords, Role.COUNTER, "TST")
    clock.set(MONDAY_MORNING)
    old = await checkin.inspect(runtime.reader(), vault, counter, "TST", hold.code, MONDAY_MORNING)
    assert old.problems == (Problem.MOVED,)
    new = await checkin.inspect(runtime.reader(), vault, counter, "TST", moved.code, MONDAY_MORNING)
    assert new.valid and new.booking is not None and len(new.booking.applicants) == 2


async def test_a_booking_of_another_office_is_named_but_its_people_are_not_shown(
    runtime: Runtime, vault: Vault, passwords: Passwords, tst: None
) -> None:
    code, _ = await _booked(runtime, vault)
    elsewhere = await _member(runtime, passwords, Role.COUNTER, "OTH")
    verdict = await checkin.inspect(runtime.reader(), vault, elsewhere, "OTH", code, MONDAY_MORNING)
    assert Problem.OTHER_OFFICE in verdict.problems and verdict.booking is None


async def test_corrections_need_a_reason_and_are_written_to_the_audit_log_with_the_nik_masked(
    runtime: Runtime, vault: Vault, passwords: Passwords, tst: None
) -> None:
    code, booking_id = await _booked(runtime, vault)
    counter = await _member(runtime, passwords, Role.COUNTER, "TST")
    with pytest.raises(checkin.ReasonRequired):
        await checkin.correct_name(runtime.uow(), counter, vault, code, 1, "Pemohon Benar", " ", MONDAY_MORNING)
    await checkin.correct_name(
        runtime.uow(), counter, vault, code, 1, "pemohon  benar", "salah ketik, sesuai e-KTP", MONDAY_MORNING
    )
    await checkin.revise_type(
        runtime.uow(), counter, vault, code, 2, ApplicationType.REPLACEMENT, "paspor lama dibawa", MONDAY_MORNING
    )
    async with runtime.reader() as uow:
        party = await uow.bookings.party(booking_id)
    assert party[0].full_name == "PEMOHON BENAR" and party[1].application_type == "replacement"
    entries = await audit.recent(runtime.reader(), booking_code=code)
    assert [e.action for e in entries] == ["application_type_revised", "name_corrected"]
    renamed = entries[1]
    assert renamed.before["full_name"] != renamed.after["full_name"] == "PEMOHON BENAR"
    assert renamed.reason == "salah ketik, sesuai e-KTP" and "*" in renamed.subject


async def test_quota_changes_by_staff_and_by_the_command_line_are_audited(
    runtime: Runtime, passwords: Passwords, tst: None
) -> None:
    member = await _member(runtime, passwords, Role.OFFICE, "TST")
    await quota.set_capacity(runtime.uow(), "TST", NEXT_MONDAY, time(8), 12, runtime.clock.now(), actor=member)
    await quota.close_date(runtime.uow(), "TST", NEXT_MONDAY + timedelta(days=1), "rapat", runtime.clock.now())
    entries = await audit.recent(runtime.reader())
    assert [(e.action, e.actor) for e in entries[:2]] == [("date_closed", "command-line"), ("capacity_set", "petugas")]
    assert entries[1].before == {"capacity": 10} and entries[1].after == {"capacity": 12}


async def test_the_live_view_of_today_counts_who_has_come(
    runtime: Runtime, vault: Vault, passwords: Passwords, tst: None, clock: FixedClock
) -> None:
    code, _ = await _booked(runtime, vault, 1, family=2)
    counter = await _member(runtime, passwords, Role.COUNTER, "TST")
    clock.set(MONDAY_MORNING)
    await checkin.mark_arrived(runtime.uow(), vault, counter, "TST", code, [1], MONDAY_MORNING)
    board = await office_day.day_board(runtime.reader(), counter, "TST", NEXT_MONDAY, MONDAY_MORNING)
    assert [(s.booked, s.arrived) for s in board.slots] == [(3, 1), (0, 0)]
    assert board.totals.arrived == 1
