"""My data end to end: what is stored, masked, and erasing the account from the chat."""

from __future__ import annotations

from datetime import date

from core.crypto import Vault
from core.services import accounts
from core.services.accounts import account_by_telegram_user
from tests.bot.conftest import BotWorld
from tests.bot.test_booking import USER, _ready, _to_summary
from tests.conftest import SECRET
from tests.factories import make_nik

OWNER_NIK = make_nik(date(1985, 3, 14), serial=4321)


async def _owner(world: BotWorld) -> None:
    await accounts.register_owner(
        world.runtime.uow(), Vault(SECRET), telegram_user_id=USER, full_name="Budi Santoso", nik=OWNER_NIK,
        birth_date=date(1985, 3, 14), kk="3174010101200001", phone="081234567890", language="id",
        now=world.runtime.clock.now(),
    )  # fmt: skip


async def test_my_data_shows_what_is_stored_with_every_number_masked(world: BotWorld) -> None:
    await _owner(world)
    await world.text(USER, "/mydata")
    shown = await world.last(USER)
    assert "🔐 Data Anda yang disimpan Antrean" in shown
    assert f"• BUDI SANTOSO — NIK {OWNER_NIK[:4]}********{OWNER_NIK[-4:]}, lahir Kamis, 14 Maret 1985" in shown
    assert "Kartu Keluarga: 3174********0001" in shown and "Telepon: 0812****7890" in shown
    assert OWNER_NIK not in shown and "081234567890" not in shown and "3174010101200001" not in shown
    assert "selama 90 hari setelah tanggal kedatangannya" in shown
    assert "Persetujuan diberikan: Jumat, 27 November 2026, pukul 15:00 WIB" in shown


async def test_the_menu_leads_to_my_data_and_deleting_asks_first_then_erases_everything(world: BotWorld) -> None:
    await _owner(world)
    await world.text(USER, "/menu")
    await world.tap(USER, "🔐 Data saya", calls=2)
    await world.tap(USER, "🗑 Hapus akun dan data saya", calls=2)
    assert (await world.last(USER)).startswith("Hapus akun Anda? Semuanya dihapus sekarang")
    await world.tap(USER, "◀ Tidak, simpan akun saya", calls=2)  # changed their mind: nothing happened
    assert await account_by_telegram_user(world.runtime.reader(), USER) is not None
    await world.tap(USER, "🗑 Hapus akun dan data saya", calls=2)
    await world.tap(USER, "🗑 Ya, hapus semuanya", calls=2)
    assert (await world.last(USER)).startswith("Akun dan data Anda sudah dihapus.")
    assert await account_by_telegram_user(world.runtime.reader(), USER) is None
    assert await world.state_of(USER) is None
    await world.text(USER, "/menu")
    assert await world.last(USER) == "Kirim /start untuk memulai."


async def test_deleting_with_a_booking_to_come_says_it_stays_valid_and_that_it_can_no_longer_be_changed(
    world: BotWorld,
) -> None:
    await _ready(world)
    await _to_summary(world)
    await world.tap(USER, "✅ Konfirmasi pesanan", calls=3)
    await world.text(USER, "/mydata")
    assert "Pesanan yang akan datang: Senin, 30 November 2026." in await world.last(USER)
    await world.tap(USER, "🗑 Hapus akun dan data saya", calls=2)
    question = await world.last(USER)
    assert "Pesanan Anda pada Senin, 30 November 2026 tetap berlaku" in question
    assert "Masa tunggu 30 hari tetap melekat pada NIK Anda sampai Rabu, 30 Desember 2026" in question
    await world.tap(USER, "🗑 Ya, hapus semuanya", calls=2)
    assert "Pesanan pada Senin, 30 November 2026 menyimpan nama pemohonnya sampai hari itu." in await world.last(USER)


async def test_my_data_before_registering_says_nothing_is_stored(world: BotWorld) -> None:
    await world.text(USER, "/mydata")
    assert await world.last(USER) == "Tidak ada akun yang tersimpan untuk Anda. Kirim /start untuk memulai."
