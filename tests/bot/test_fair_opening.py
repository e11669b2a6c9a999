"""A fair opening in the chat: the calendar says the office draws its places, a family registers in two taps and
gets its token, My bookings follows the draw, and the place the draw gives it is offered and taken."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from core.crypto import Vault
from core.domain import draw as procedure
from core.domain.offices import Office
from core.services import accounts, announcements, fair_opening, release
from tests.bot.conftest import BotWorld
from tests.conftest import JAKARTA, SECRET
from tests.factories import add_office, register, sample_office

USER = 8601
RIVAL = 8602
MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=JAKARTA)
OPENS = datetime(2026, 12, 4, 14, 0, tzinfo=JAKARTA)


async def _fair_office(world: BotWorld) -> None:
    world.clock.set(MONDAY)
    await add_office(world.runtime, replace(sample_office(capacity=1, slots=1), fair_opening=True))
    await release.schedule_weekly_release(world.runtime.uow(), world.clock.now())
    await fair_opening.prepare(world.runtime.uow, world.clock.now())
    await register(world.runtime, Vault(SECRET), USER)


async def _calendar(world: BotWorld) -> str:
    await world.text(USER, "/menu")
    await world.tap(USER, "📅 Pesan antrean", calls=2)
    await world.tap(USER, "Jakarta Selatan · Kanim Uji TST", calls=2)
    return await world.last(USER)


async def test_a_family_registers_for_the_draw_from_the_calendar_and_keeps_its_token(world: BotWorld) -> None:
    await _fair_office(world)
    shown = await _calendar(world)
    assert "🎟 Kantor ini membagi tempatnya lewat undian pada Jum 4 Des 14:00 WIB" in shown
    assert "sebelum Jum 4 Des 12:00 WIB" in shown
    await world.tap(USER, "🎟 Daftar undian", calls=2)
    asked = await world.last(USER)
    draw = await fair_opening.current(world.runtime.reader(), await _office(world), world.clock.now())
    assert draw is not None and draw.commitment in asked  # the seed's fingerprint, before anyone registered
    await world.tap(USER, "📅 Tanggal mana saja Sen 7 Des sampai Jum 11 Des", calls=2)
    done = await world.last(USER)
    assert done.startswith("🎟 Terdaftar untuk undian di Kantor Imigrasi Uji TST: 1 pemohon")
    mine = await fair_opening.mine(world.runtime.reader(), await _account_id(world), world.clock.now())
    assert mine is not None and f"Token Anda: {mine.entry.token}" in done
    assert await world.state_of(USER) is None
    await world.tap(USER, "🧾 Pesanan saya", calls=2)
    assert (await world.last(USER)).startswith("🎟 Terdaftar untuk undian di Kantor Imigrasi Uji TST, Jum 4 Des")
    # Once registered, the calendar says so and offers no second registration.
    assert f"token Anda {mine.entry.token}" in await _calendar(world)
    calendar = await world.telegram.last_bot_message(USER)
    assert calendar is not None and "🎟 Daftar undian" not in str(calendar["reply_markup"])


async def test_the_draw_offers_the_registered_family_its_place_and_one_tap_books_it(world: BotWorld) -> None:
    await _fair_office(world)
    await _calendar(world)
    await world.tap(USER, "🎟 Daftar undian", calls=2)
    await world.tap(USER, "Sen 7 Des", calls=2)
    world.clock.set(OPENS - procedure.FREEZE_BEFORE)
    await fair_opening.run(world.runtime.uow, world.runtime.desk, world.clock)
    await world.tap(USER, "🧾 Pesanan saya", calls=2)
    assert "nomor 1 dari 1 dalam daftar" in await world.last(USER)
    world.clock.set(OPENS)
    await fair_opening.run(world.runtime.uow, world.runtime.desk, world.clock)
    await world.settled()  # the offer was written before run() returned: sent once nothing is left to send
    offer = await world.last(USER)
    assert offer.startswith("🎉 Ada tempat kosong di Kantor Imigrasi Uji TST: Senin, 7 Desember 2026")
    await world.tap(USER, "✅ Pesan tempat ini", calls=3)
    chat = await world.telegram.chat(USER)
    assert chat[-2]["text"].startswith("Pesanan berhasil ✅\nKode booking: ")
    assert chat[-1].get("document")
    await world.text(USER, "/menu")
    await world.tap(USER, "🧾 Pesanan saya", calls=2)
    assert "keluarga Anda mendapat urutan 1 dari 1" in await world.last(USER)


async def _office(world: BotWorld) -> Office:
    async with world.runtime.reader() as uow:
        found = await uow.offices.get("TST")
    assert found is not None
    return found


async def _account_id(world: BotWorld) -> int:
    found = await accounts.account_by_telegram_user(world.runtime.reader(), USER)
    assert found is not None
    return found.id


async def test_the_family_the_draw_gave_no_place_hears_where_it_came_and_that_it_waits(world: BotWorld) -> None:
    await _fair_office(world)  # one place a day: the two families want Monday only
    await register(world.runtime, Vault(SECRET), RIVAL)
    for user in (USER, RIVAL):
        await world.text(user, "/menu")
        await world.tap(user, "📅 Pesan antrean", calls=2)
        await world.tap(user, "Jakarta Selatan · Kanim Uji TST", calls=2)
        await world.tap(user, "🎟 Daftar undian", calls=2)
        await world.tap(user, "Sen 7 Des", calls=2)
    world.clock.set(OPENS - procedure.FREEZE_BEFORE)
    await fair_opening.run(world.runtime.uow, world.runtime.desk, world.clock)
    world.clock.set(OPENS)
    await fair_opening.run(world.runtime.uow, world.runtime.desk, world.clock)
    await world.settled()  # the offer and the notice, whichever chat each went to
    said = {user: await world.last(user) for user in (USER, RIVAL)}
    (offered,) = [u for u, text in said.items() if text.startswith("🎉 Ada tempat kosong")]
    (other,) = {USER, RIVAL} - {offered}
    assert said[other].startswith(
        "🎟 Undian di Kantor Imigrasi Uji TST selesai: keluarga Anda mendapat urutan 2 dari 2."
    )
    assert "Anda tetap di daftar tunggu, nomor 2" in said[other]


async def test_the_office_s_followers_hear_that_its_draw_takes_registrations(world: BotWorld) -> None:
    world.clock.set(MONDAY)
    office = await add_office(world.runtime, replace(sample_office(capacity=1, slots=1), fair_opening=True))
    assert office.id is not None
    await world.text(USER, "/start")  # the chat exists: the follower is someone who talked to the bot
    await announcements.subscribe(world.runtime.uow(), USER, office.id, "id", world.clock.now())
    await release.schedule_weekly_release(world.runtime.uow(), world.clock.now())
    await fair_opening.prepare(world.runtime.uow, world.clock.now())
    await world.settled()
    said = await world.last(USER)
    assert said.startswith("🎟 Kantor Imigrasi Uji TST: tempat untuk Sen 7 Des")
    assert "Daftarkan keluarga Anda sampai Jum 4 Des 12:00 WIB" in said
