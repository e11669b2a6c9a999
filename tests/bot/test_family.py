"""Family members end to end: saved from the menu, or added in the middle of a booking."""

from __future__ import annotations

from datetime import date

from core.crypto import Vault
from core.services.accounts import account_by_telegram_user
from tests.bot.conftest import BotWorld
from tests.bot.test_booking import USER, _ready, _to_summary
from tests.conftest import SECRET
from tests.factories import make_nik, register

CHILD_NIK = make_nik(date(2016, 8, 9), female=True, serial=77)


async def test_a_member_is_saved_from_the_menu_and_listed_masked(world: BotWorld) -> None:
    await register(world.runtime, Vault(SECRET), USER)
    await world.text(USER, "/menu")
    await world.tap(USER, "👨‍👩‍👧 Anggota keluarga", calls=2)
    await world.tap(USER, "➕ Tambah anggota keluarga", calls=2)
    await world.text(USER, "Putri Ayu Lestari")
    await world.text(USER, CHILD_NIK, calls=2)  # the NIK's message deleted, the date asked
    assert "Menurut NIK, ia lahir pada Selasa, 9 Agustus 2016" in await world.last(USER)
    assert (await world.last(USER)).startswith("Pesan berisi NIK-nya sudah saya hapus dari obrolan ini.")
    assert CHILD_NIK not in [m.get("text") for m in await world.telegram.chat(USER)]
    await world.tap(USER, "✅ Ya, Selasa, 9 Agustus 2016", calls=4)
    listing = await world.last(USER)
    assert "PUTRI AYU LESTARI (" + CHILD_NIK[:4] + "********" + CHILD_NIK[-4:] + ")" in listing
    account = await account_by_telegram_user(world.runtime.reader(), USER)
    assert account is not None and len(account.applicants) == 2


async def test_a_member_added_during_a_booking_joins_the_party(world: BotWorld) -> None:
    await _ready(world)  # the owner and one saved relative
    await world.text(USER, "/menu")
    await world.tap(USER, "📅 Pesan antrean", calls=2)
    await world.tap(USER, "Jakarta Selatan · Kanim Uji TST", calls=2)
    await world.tap(USER, "➕ Tambah anggota keluarga", calls=2)
    await world.text(USER, "Putri Ayu Lestari")
    await world.text(USER, CHILD_NIK, calls=2)  # the NIK's message deleted, the date asked
    await world.tap(USER, "✅ Ya, Selasa, 9 Agustus 2016", calls=4)
    party = await world.telegram.last_bot_message(USER)
    assert party is not None
    labels = [b["text"] for row in party["reply_markup"]["inline_keyboard"] for b in row]
    assert "☑️ PUTRI AYU LESTARI" in labels and "⬜ ANGGOTA KELUARGA A" in labels
    await world.tap(USER, "Lanjut ▶", calls=2)
    assert "PEMOHON LVT (paspor baru), PUTRI AYU LESTARI (paspor baru)" in await world.last(USER)


async def test_a_wrong_member_nik_is_explained_and_asked_again(world: BotWorld) -> None:
    await register(world.runtime, Vault(SECRET), USER)
    await world.text(USER, "/menu")
    await world.tap(USER, "👨‍👩‍👧 Anggota keluarga", calls=2)
    await world.tap(USER, "➕ Tambah anggota keluarga", calls=2)
    await world.text(USER, "Putri Ayu Lestari")
    await world.text(USER, "3174010908160000")
    assert "nomor urut" in await world.last(USER)


async def test_a_member_saved_twice_is_told_so_in_a_sentence_and_sees_the_list(world: BotWorld) -> None:
    await register(world.runtime, Vault(SECRET), USER)
    for _ in range(2):
        await world.text(USER, "/menu")
        await world.tap(USER, "👨‍👩‍👧 Anggota keluarga", calls=2)
        await world.tap(USER, "➕ Tambah anggota keluarga", calls=2)
        await world.text(USER, "Putri Ayu Lestari")
        await world.text(USER, CHILD_NIK, calls=2)  # the NIK's message deleted, the date asked
        await world.tap(USER, "✅ Ya, Selasa, 9 Agustus 2016", calls=4)
    chat = await world.telegram.chat(USER)
    assert chat[-2]["text"] == "Orang ini sudah tersimpan di akun Anda; Anda bisa memilihnya saat memesan."
    assert "PUTRI AYU LESTARI" in chat[-1]["text"] and await world.state_of(USER) is None
    account = await account_by_telegram_user(world.runtime.reader(), USER)
    assert account is not None and len(account.applicants) == 2


async def test_a_member_is_removed_after_a_question_and_the_list_shows_the_rest(world: BotWorld) -> None:
    await register(world.runtime, Vault(SECRET), USER, family=2)
    await world.text(USER, "/menu")
    await world.tap(USER, "👨‍👩‍👧 Anggota keluarga", calls=2)
    await world.tap(USER, "🗑 Hapus ANGGOTA KELUARGA B", calls=2)
    assert (await world.last(USER)).startswith("Hapus ANGGOTA KELUARGA B dari akun Anda?")
    await world.tap(USER, "◀ Tidak, jangan dihapus", calls=2)  # back to the list, nothing removed
    assert "ANGGOTA KELUARGA B" in await world.last(USER)
    await world.tap(USER, "🗑 Hapus ANGGOTA KELUARGA B", calls=2)
    await world.tap(USER, "🗑 Ya, hapus", calls=2)
    listing = await world.last(USER)
    assert listing.startswith("ANGGOTA KELUARGA B sudah dihapus dari akun Anda.")
    assert "• ANGGOTA KELUARGA A" in listing and "• ANGGOTA KELUARGA B" not in listing
    account = await account_by_telegram_user(world.runtime.reader(), USER)
    assert account is not None and [a.full_name for a in account.applicants][1:] == ["ANGGOTA KELUARGA A"]
    message = await world.telegram.last_bot_message(USER)
    assert message is not None  # the owner has no remove button: the account is theirs
    assert not any("Hapus PEMOHON" in b["text"] for row in message["reply_markup"]["inline_keyboard"] for b in row)


async def test_a_member_in_a_booking_still_to_come_is_not_removed_and_told_until_when(world: BotWorld) -> None:
    await _ready(world)
    await _to_summary(world)  # the owner and ANGGOTA KELUARGA A, on Monday 30 November
    await world.tap(USER, "✅ Konfirmasi pesanan", calls=3)
    await world.text(USER, "/menu")
    await world.tap(USER, "👨‍👩‍👧 Anggota keluarga", calls=2)
    await world.tap(USER, "🗑 Hapus ANGGOTA KELUARGA A", calls=2)
    message = await world.telegram.last_bot_message(USER)
    assert message is not None
    (yes,) = [b for row in message["reply_markup"]["inline_keyboard"] for b in row if b["text"] == "🗑 Ya, hapus"]
    query = await world.telegram.user_taps(USER, message["message_id"], yes["callback_data"])
    await world.telegram.wait_for_bot(USER, calls=1)  # the alert alone: the question stays for another choice
    answer = await world.telegram.answered(query)
    assert answer is not None and answer.get("show_alert")
    assert answer["text"].startswith("Ia ada dalam pesanan Anda pada Senin, 30 November 2026")
    account = await account_by_telegram_user(world.runtime.reader(), USER)
    assert account is not None and len(account.applicants) == 2
