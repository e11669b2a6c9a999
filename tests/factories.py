"""Builders of valid test data: NIKs, offices, registered accounts and released days."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, time

from core.crypto import Vault
from core.domain.offices import Office, OfficeKind, SlotTime
from core.runtime import Runtime
from core.services import accounts, offices, release
from core.services.accounts import AccountView
from core.services.uow import UnitOfWork

_serials = itertools.count(1)


def _letters(n: int) -> str:
    """A number spelled in letters, because names hold no digits: 0 -> 'A', 27 -> 'BB'."""
    out = ""
    while True:
        out = chr(65 + n % 26) + out
        n //= 26
        if n == 0:
            return out


def make_nik(born: date, *, female: bool = False, region: str = "317401", serial: int | None = None) -> str:
    """A NIK that passes every check: region, DDMMYY with +40 for women, a non-zero serial."""
    day = born.day + (40 if female else 0)
    number = serial if serial is not None else next(_serials) % 9999 + 1
    return f"{region}{day:02d}{born.month:02d}{born.year % 100:02d}{number:04d}"


def sample_office(code: str = "TST", *, capacity: int = 10, slots: int = 2, zone: str = "Asia/Jakarta") -> Office:
    return Office(
        code=code,
        kind=OfficeKind.KANIM,
        name=f"Kantor Imigrasi Uji {code}",
        kanwil="Kanwil DKI Jakarta",
        province="DKI Jakarta",
        city="Jakarta Selatan",
        address="Jalan Uji No. 1",
        timezone=zone,
        slots=tuple(SlotTime(time(8 + i), time(9 + i), capacity) for i in range(slots)),
    )


def shipped_office(code: str) -> Office:
    """A real office of the catalogue that ships with the project."""
    return next(o for o in offices.parse_offices_csv(offices.shipped_offices_csv()) if o.code == code)


async def add_office(rt: Runtime, office: Office) -> Office:
    return await offices.save_office(rt.uow(), office)


async def release_days(rt: Runtime, office: Office, days: list[date]) -> None:
    await release.release_by_hand(rt.uow(), office.code, days, rt.clock.now())


async def slot_ids(rt: Runtime, office: Office, day: date) -> list[int]:
    async with rt.reader() as uow:
        assert office.id is not None
        return [s.slot_id for s in (await uow.slots.in_range(office.id, day, day)).get(day, [])]


async def register(
    rt: Runtime, vault: Vault, telegram_user_id: int, *, family: int = 0, now: datetime | None = None
) -> AccountView:
    """An account with its owner and `family` saved members, all on one family card."""
    name = f"Pemohon {_letters(telegram_user_id)}"
    await register_family(rt.uow, vault, telegram_user_id, name, family=family, now=now or rt.clock.now())
    found = await accounts.account_by_telegram_user(rt.reader(), telegram_user_id)
    assert found is not None
    return replace(found)


async def register_family(
    make_uow: Callable[[], UnitOfWork], vault: Vault, telegram_user_id: int, owner_name: str, *, family: int,
    now: datetime,
) -> int:  # fmt: skip
    """Registers the owner and `family` members on one family card, each in a unit of its own; the account id."""
    owner_born = date(1985, 3, 14)
    account = await accounts.register_owner(
        make_uow(),
        vault,
        telegram_user_id=telegram_user_id,
        full_name=owner_name,
        nik=make_nik(owner_born),
        birth_date=owner_born,
        kk="3174010101200001",
        phone=None,
        language="id",
        now=now,
    )
    for i in range(family):
        born = date(2010 + i, 1 + i, 1 + i)
        await accounts.add_family_member(
            make_uow(),
            vault,
            account_id=account.id,
            full_name=f"Anggota Keluarga {chr(65 + i)}",
            nik=make_nik(born, female=i % 2 == 1),
            birth_date=born,
            now=now,
        )
    return account.id
