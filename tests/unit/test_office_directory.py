"""The bot's office list: searched in memory, read from the database at most once per period."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from core.services.offices import OfficeDirectory
from tests.factories import sample_office
from tests.fakes import FakeUnitOfWork


def _world(ttl: float = 60.0) -> tuple[FakeUnitOfWork, OfficeDirectory]:
    uow = FakeUnitOfWork()
    uow.store.offices = {
        1: replace(sample_office("BDG"), id=1, name="Kantor Imigrasi Bandung", city="Bandung", province="Jawa Barat"),
        2: replace(sample_office("DPS"), id=2, name="Kantor Imigrasi Denpasar", city="Denpasar", province="Bali"),
    }
    return uow, OfficeDirectory(lambda: uow, ttl=ttl)


async def test_a_search_matches_city_province_name_or_code_in_any_case() -> None:
    _, directory = _world()
    assert [o.code for o in await directory.search("bandung")] == ["BDG"]
    assert [o.code for o in await directory.search(" BALI ")] == ["DPS"]
    assert [o.code for o in await directory.search("dps")] == ["DPS"]
    assert await directory.provinces() == ["Bali", "Jawa Barat"]
    assert (await directory.by_id(2)).code == "DPS"  # type: ignore[union-attr]


async def test_the_list_is_read_again_only_after_its_period() -> None:
    uow, directory = _world(ttl=0.5)
    await directory.all()
    del uow.store.offices[2]
    assert len(await directory.all()) == 2  # within the period: the list as read
    await asyncio.sleep(0.6)
    assert len(await directory.all()) == 1
