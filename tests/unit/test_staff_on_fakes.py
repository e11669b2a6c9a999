"""Staff accounts and the audit log on the fake unit of work, and races the unique indexes decide."""

from __future__ import annotations

from datetime import date

import pytest

from core.crypto import Passwords, Vault
from core.domain.accounts import ApplicantAlreadySaved, SavedApplicant
from core.domain.staff import SESSION_LENGTH, InvalidStaffAccount, Role, StaffMember, StaffRecord
from core.services import accounts, audit, offices, staff
from tests.conftest import FRIDAY_AFTERNOON
from tests.factories import make_nik, sample_office
from tests.fakes import FakeAccountRepository, FakeStaffRepository, FakeUnitOfWork


@pytest.fixture(scope="module")
def passwords() -> Passwords:
    return Passwords(time_cost=1, memory_kib=8192)  # the same algorithm, cheaper, so the tests stay quick


@pytest.fixture
async def uow() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    await offices.save_office(uow, sample_office("TST"))
    return uow


async def _create(uow: FakeUnitOfWork, passwords: Passwords, name: str = "petugas") -> StaffMember:
    return await staff.create_staff(
        uow,
        passwords,
        username=name,
        display_name="",
        password="kata-sandi-panjang",
        role=Role.OFFICE,
        office_codes=["tst"],
        now=FRIDAY_AFTERNOON,
    )


async def test_a_staff_account_is_made_signs_in_and_is_audited(uow: FakeUnitOfWork, passwords: Passwords) -> None:
    made = await _create(uow, passwords, " Petugas ")

    assert uow.committed
    assert (made.username, made.display_name, made.role, made.office_ids) == (
        "petugas",
        "petugas",
        Role.OFFICE,
        frozenset({1}),
    )
    assert await staff.authenticate(uow, passwords, "PETUGAS", "kata-sandi-panjang") == made
    assert await staff.authenticate(uow, passwords, "petugas", "salah-kata-sandi") is None
    [entry] = await audit.recent(uow)
    assert (entry.action, entry.actor, entry.subject) == ("staff_created", "command-line", "staff petugas")
    assert entry.after == {"offices": ["TST"], "role": "office"}


async def test_a_taken_username_is_refused(uow: FakeUnitOfWork, passwords: Passwords) -> None:
    await _create(uow, passwords)

    with pytest.raises(InvalidStaffAccount) as err:
        await _create(uow, passwords)

    assert err.value.reason == "taken" and not uow.committed
    assert len(uow.store.staff) == 1


class RacingStaffRepository(FakeStaffRepository):
    """Another administrator makes the same username between this one's check and its insert."""

    async def by_username(self, username: str) -> StaffRecord | None:
        return None


async def test_a_username_made_concurrently_loses_to_the_unique_index_as_taken(
    uow: FakeUnitOfWork, passwords: Passwords
) -> None:
    await _create(uow, passwords)
    uow.staff = RacingStaffRepository(uow.store)

    with pytest.raises(InvalidStaffAccount) as err:
        await _create(uow, passwords)

    assert err.value.reason == "taken" and not uow.committed


async def test_a_deactivated_member_cannot_sign_in_and_the_change_is_audited(
    uow: FakeUnitOfWork, passwords: Passwords
) -> None:
    admin = await staff.create_staff(
        uow,
        passwords,
        username="admin",
        display_name="Admin",
        password="kata-sandi-admin",
        role=Role.ADMIN,
        office_codes=[],
        now=FRIDAY_AFTERNOON,
    )
    member = await _create(uow, passwords)

    await staff.set_active(uow, member.id, False, FRIDAY_AFTERNOON, admin)

    assert await staff.authenticate(uow, passwords, "petugas", "kata-sandi-panjang") is None
    assert [(m.username, m.active) for m in await staff.list_staff(uow)] == [("admin", True), ("petugas", False)]
    newest = (await audit.recent(uow, limit=1))[0]
    assert (newest.action, newest.actor, newest.before, newest.after) == (
        "staff_deactivated",
        "admin",
        {"active": True},
        {"active": False},
    )


class RacingAccountRepository(FakeAccountRepository):
    """The same relative is saved from another chat between this one's check and its insert."""

    async def applicants(self, account_id: int) -> list[SavedApplicant]:
        return []


async def test_a_family_member_saved_concurrently_loses_to_the_unique_index_cleanly(
    uow: FakeUnitOfWork, vault: Vault
) -> None:
    born = date(2012, 7, 9)
    nik = make_nik(born, serial=3)
    owner_born = date(1985, 3, 14)
    account = await accounts.register_owner(
        uow,
        vault,
        telegram_user_id=1001,
        full_name="Siti Rahayu",
        nik=make_nik(owner_born, serial=1),
        birth_date=owner_born,
        kk="3174010101200001",
        phone=None,
        language="id",
        now=FRIDAY_AFTERNOON,
    )
    await accounts.add_family_member(
        uow, vault, account_id=account.id, full_name="Adi", nik=nik, birth_date=born, now=FRIDAY_AFTERNOON
    )
    uow.accounts = RacingAccountRepository(uow.store)

    with pytest.raises(ApplicantAlreadySaved):
        await accounts.add_family_member(
            uow, vault, account_id=account.id, full_name="Adi", nik=nik, birth_date=born, now=FRIDAY_AFTERNOON
        )

    assert not uow.committed
    assert len(uow.store.applicants) == 2


async def test_a_session_lasts_until_it_is_signed_out_expires_or_the_password_changes(
    uow: FakeUnitOfWork, passwords: Passwords
) -> None:
    made = await _create(uow, passwords)
    token = await staff.start_session(uow, made.id, FRIDAY_AFTERNOON)
    assert token not in uow.store.staff_sessions and len(uow.store.staff_sessions) == 1  # only its hash is kept
    assert await staff.session_member(uow, token, FRIDAY_AFTERNOON) == made
    assert await staff.session_member(uow, token, FRIDAY_AFTERNOON + SESSION_LENGTH) is None
    await staff.end_session(uow, token)
    assert await staff.session_member(uow, token, FRIDAY_AFTERNOON) is None

    again = await staff.start_session(uow, made.id, FRIDAY_AFTERNOON)
    await staff.change_password(uow, passwords, made.id, "kata-sandi-yang-baru-9", FRIDAY_AFTERNOON, None)
    assert uow.committed
    assert await staff.session_member(uow, again, FRIDAY_AFTERNOON) is None
    assert await staff.authenticate(uow, passwords, "petugas", "kata-sandi-yang-baru-9") is not None
    entry = (await audit.recent(uow))[0]
    assert (entry.action, entry.after) == ("staff_password_changed", {"sessions": 1})


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("aaaaaaaaaa", "password_repeats"),
        ("ababababab12", "password_repeats"),
        ("1234567890", "password_common"),
        ("abcdefghijkl", "password_pattern"),
        ("qwertyuiop[]", "password_pattern"),
        ("Jakarta2026!", "password_common"),
        ("01-01-2000-01", "password_guessable"),
        ("Bismillah2026", "password_common"),
        ("petugas2026!", "password_name"),
        ("kantor-petugas-1", None),
        ("Password123!", "password_common"),
        ("k4ta-s4ndi", "password_common"),  # "kata sandi" is Indonesian for "password"
        ("kopi-hujan-zebra-7", None),
        ("kata sandi yang panjang", None),
    ],
)
async def test_weak_passwords_are_refused_by_the_use_case_with_their_reason(
    uow: FakeUnitOfWork, passwords: Passwords, password: str, reason: str | None
) -> None:
    made = staff.create_staff(
        uow, passwords, username="petugas", display_name="", password=password, role=Role.ADMIN,
        office_codes=[], now=FRIDAY_AFTERNOON,
    )  # fmt: skip
    if reason is None:
        assert (await made).username == "petugas"
        return
    with pytest.raises(InvalidStaffAccount) as err:
        await made
    assert err.value.reason == reason and not uow.store.staff
    member = await _create(uow, passwords)
    with pytest.raises(InvalidStaffAccount):  # a new password meets the same rules
        await staff.change_password(uow, passwords, member.id, password, FRIDAY_AFTERNOON, None)
