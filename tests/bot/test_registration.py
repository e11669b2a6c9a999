"""A new applicant registers through the real dispatcher and the stand-in Telegram, in both languages."""

from __future__ import annotations

from datetime import date

from bot.states import Registration
from core.services import accounts
from core.services.accounts import account_by_telegram_user
from tests.bot.conftest import BotWorld
from tests.factories import make_nik

USER = 7001
NIK = make_nik(date(1985, 3, 14), female=True, serial=12)  # encodes 54-03-85: a woman born 14 March 1985


async def _register(world: BotWorld, user: int = USER, language: str = "id") -> None:
    await world.text(user, "/start", calls=2, language=language)  # welcome, consent question
    label = "✅ Saya setuju" if language == "id" else "✅ I agree"
    await world.tap(user, label, calls=3)  # answer, keyboard off, name question
    await world.text(user, "Siti  Rahmawati", calls=1, language=language)
    await world.text(user, NIK, calls=2, language=language)  # the NIK's message deleted, the date asked
    day = "Kamis, 14 Maret 1985" if language == "id" else "Thursday, 14 March 1985"
    await world.tap(user, ("✅ Ya, " if language == "id" else "✅ Yes, ") + day, calls=3)
    await world.text(user, "3174 0101 0120 0001", calls=2, language=language)
    await world.telegram.user_shares_contact(user, "+6281234567890")
    await world.telegram.wait_for_bot(user, calls=2)


async def test_a_new_applicant_consents_registers_and_gets_the_menu(world: BotWorld) -> None:
    await _register(world)
    assert "Apa yang ingin Anda lakukan?" in await world.last(USER)
    account = await account_by_telegram_user(world.runtime.reader(), USER)
    assert account is not None and account.language == "id"
    (owner,) = account.applicants
    assert owner.full_name == "SITI RAHMAWATI" and owner.nik_masked == NIK[:4] + "********" + NIK[-4:]
    assert owner.gender == "female" and owner.birth_date == date(1985, 3, 14)
    # Nothing the bot sent to Telegram carried the full NIK.
    assert not any(NIK in repr(params) for _, params in world.telegram.calls)


async def test_an_english_telegram_gets_english(world: BotWorld) -> None:
    await _register(world, language="en")
    assert "What would you like to do?" in await world.last(USER)
    account = await account_by_telegram_user(world.runtime.reader(), USER)
    assert account is not None and account.language == "en"


async def test_a_wrong_nik_says_which_digits_are_wrong_and_asks_again(world: BotWorld) -> None:
    await world.text(USER, "/start", calls=2)
    await world.tap(USER, "✅ Saya setuju", calls=3)
    await world.text(USER, "Budi Santoso")
    await world.text(USER, "3174013207850001")
    assert "Angka ke-7 sampai ke-12" in await world.last(USER) and "320785" in await world.last(USER)
    await world.text(USER, "99740101078500012")
    assert "16 angka" in await world.last(USER)
    await world.text(USER, "9974010107850001")
    assert "kode provinsi" in await world.last(USER)
    await world.text(USER, "3174010107850001", calls=2)
    assert "Menurut NIK, Anda lahir pada Senin, 1 Juli 1985" in await world.last(USER)


async def test_a_date_of_birth_that_disagrees_with_the_nik_is_explained(world: BotWorld) -> None:
    await world.text(USER, "/start", calls=2)
    await world.tap(USER, "✅ Saya setuju", calls=3)
    await world.text(USER, "Budi Santoso")
    await world.text(USER, "3174010107850001", calls=2)
    await world.text(USER, "02-07-1985", calls=2)  # the explanation, and the question again
    chat = await world.telegram.chat(USER)
    assert "memuat tanggal lahir Senin, 1 Juli 1985, bukan Selasa, 2 Juli 1985" in chat[-2]["text"]


async def test_the_typed_nik_and_family_card_number_are_deleted_from_the_chat_and_the_bot_says_so(
    world: BotWorld,
) -> None:
    await _register(world)
    chat = await world.telegram.chat(USER)
    typed = [m.get("text", "") for m in chat if not m["from"]["is_bot"]]
    assert NIK not in typed and "3174 0101 0120 0001" not in typed and "Siti  Rahmawati" in typed
    deleted = [params for method, params in world.telegram.calls if method == "deleteMessage"]
    assert len(deleted) == 2
    said = [m.get("text", "") for m in chat if m["from"]["is_bot"]]
    assert any(t.startswith("Pesan berisi NIK Anda sudah saya hapus dari obrolan ini. Menurut NIK") for t in said)
    assert any(t.startswith("Pesan berisi nomor KK Anda sudah saya hapus dari obrolan ini.") for t in said)


async def test_a_nik_message_that_cannot_be_deleted_is_left_and_the_step_goes_on(world: BotWorld) -> None:
    await world.text(USER, "/start", calls=2)
    await world.tap(USER, "✅ Saya setuju", calls=3)
    await world.text(USER, "Budi Santoso")
    # A message Telegram no longer lets the bot delete (fed past the stand-in, which refuses to delete it).
    calls = await world.feed(USER, {"text": "3174010107850001"})
    assert [method for method, _ in calls] == ["deleteMessage", "sendMessage"]
    assert world.errors == [] and world.telegram.errors[-1][0] == "deleteMessage"
    said = await world.last(USER)
    assert said.startswith("Menurut NIK, Anda lahir pada Senin, 1 Juli 1985") and "hapus" not in said


async def _someone_else_owns(world: BotWorld, nik: str) -> None:
    await accounts.register_owner(
        world.runtime.uow(), world.runtime.vault, telegram_user_id=7999, full_name="Siti Rahmawati", nik=nik,
        birth_date=date(1985, 3, 14), kk="3174010101200001", phone=None, language="id", now=world.clock.now(),
    )  # fmt: skip


async def test_a_nik_that_owns_an_account_already_is_refused_at_the_nik_step_with_what_to_do(world: BotWorld) -> None:
    await _someone_else_owns(world, NIK)
    await world.text(USER, "/start", calls=2)
    await world.tap(USER, "✅ Saya setuju", calls=3)
    await world.text(USER, "Siti Rahmawati")
    await world.text(USER, NIK, calls=2)  # the NIK's message deleted, and the refusal
    said = await world.last(USER)
    assert "sudah menjadi pemilik akun Antrean lain" in said and "kerabat dalam satu Kartu Keluarga" in said
    assert await world.state_of(USER) == Registration.nik.state  # another NIK may be typed
    await world.text(USER, "3174010107850001", calls=2)
    assert "Menurut NIK, Anda lahir pada Senin, 1 Juli 1985" in await world.last(USER)


async def test_a_nik_registered_elsewhere_meanwhile_is_still_refused_at_the_last_step(world: BotWorld) -> None:
    await world.text(USER, "/start", calls=2)
    await world.tap(USER, "✅ Saya setuju", calls=3)
    await world.text(USER, "Siti Rahmawati")
    await world.text(USER, NIK, calls=2)
    await world.tap(USER, "✅ Ya, Kamis, 14 Maret 1985", calls=3)
    await world.text(USER, "3174 0101 0120 0001", calls=2)
    await _someone_else_owns(world, NIK)  # a race: registered from another Telegram account in between
    await world.telegram.user_shares_contact(USER, "+6281234567890")
    await world.telegram.wait_for_bot(USER)
    assert "sudah menjadi pemilik akun Antrean lain" in await world.last(USER)
    assert await account_by_telegram_user(world.runtime.reader(), USER) is None


async def test_a_date_in_the_right_shape_that_does_not_exist_is_called_so(world: BotWorld) -> None:
    await world.text(USER, "/start", calls=2)
    await world.tap(USER, "✅ Saya setuju", calls=3)
    await world.text(USER, "Budi Santoso")
    await world.text(USER, "3174010107850001", calls=2)
    await world.text(USER, "31-02-1985")
    assert await world.last(USER) == (
        "Tanggal itu tidak ada: Februari 1985 hanya punya 28 hari. Silakan kirim lagi tanggal lahir."
    )
    await world.text(USER, "01-13-1985")
    assert (await world.last(USER)).startswith("Tidak ada bulan ke-13")
    await world.text(USER, "1 Juli 1985")  # another shape: the hint on the shape
    assert "TT-BB-TTTT" in await world.last(USER)


async def test_a_sticker_in_the_middle_gets_the_question_again(world: BotWorld) -> None:
    await world.text(USER, "/start", calls=2)
    await world.tap(USER, "✅ Saya setuju", calls=3)
    await world.telegram.user_sends_sticker(USER)
    await world.telegram.wait_for_bot(USER, calls=2)
    chat = await world.telegram.chat(USER)
    assert chat[-2]["text"] == "Itu bukan yang diperlukan pada langkah ini."
    assert chat[-1]["text"] == "Nama lengkap Anda, persis seperti di e-KTP:"


async def test_cancel_leaves_the_flow_and_nothing_is_stored(world: BotWorld) -> None:
    await world.text(USER, "/start", calls=2)
    await world.tap(USER, "✅ Saya setuju", calls=3)
    await world.text(USER, "Budi Santoso")
    await world.text(USER, "/cancel")
    assert "Dihentikan" in await world.last(USER)
    await world.text(USER, NIK)  # no longer in the NIK step
    assert await world.last(USER) == "Kirim /start untuk memulai."
    assert await account_by_telegram_user(world.runtime.reader(), USER) is None


async def test_an_old_button_is_answered_never_left_spinning(world: BotWorld) -> None:
    await world.text(USER, "/start", calls=2)
    await world.tap(USER, "✅ Saya setuju", calls=3)
    consent = next(m for m in await world.telegram.chat(USER) if "Apakah Anda setuju?" in m.get("text", ""))
    query = await world.telegram.user_taps(USER, consent["message_id"], "consent:1")
    await world.telegram.wait_for_bot(USER)
    answer = await world.telegram.answered(query)
    assert answer is not None and "tidak berlaku" in answer.get("text", "")
    assert await world.telegram.unanswered() == []


async def test_the_language_can_be_switched_and_is_kept(world: BotWorld) -> None:
    await _register(world)
    await world.tap(USER, "🌐 Bahasa", calls=2)
    await world.tap(USER, "English", calls=2)
    assert await world.last(USER) == "Language set. What would you like to do?"
    account = await account_by_telegram_user(world.runtime.reader(), USER)
    assert account is not None and account.language == "en"
    await world.text(USER, "/menu")
    assert await world.last(USER) == "What would you like to do?"
