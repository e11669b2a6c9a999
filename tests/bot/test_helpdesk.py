"""Asking a person: a question the help did not answer goes to staff as a ticket with its context, their answer
arrives in the chat (through the outbox), the applicant's next words join the ticket, and a reply reopens it."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

from core.crypto import Passwords, Vault
from core.domain.helpdesk import TicketState
from core.domain.staff import Role, StaffMember
from core.services import helpdesk, staff
from tests.bot.conftest import BotWorld
from tests.conftest import SECRET
from tests.factories import register

USER = 8601


async def _delivered(world: BotWorld, before: int) -> dict[str, object]:
    """The next message the outbox's sender puts in USER's chat (it runs beside the bot), once it is there."""
    for _ in range(250):
        chat = await world.telegram.chat(USER)
        if len(chat) > before:
            return chat[-1]
        await asyncio.sleep(0.02)
    raise AssertionError("nothing came through the outbox")


async def _support(world: BotWorld) -> StaffMember:
    return await staff.create_staff(
        world.runtime.uow(), Passwords(time_cost=1, memory_kib=8192), username="bantuan", display_name="Bu Rina",
        password="kata-sandi-panjang", role=Role.SUPPORT, office_codes=[], now=world.clock.now(),
    )  # fmt: skip


async def test_a_question_goes_to_staff_and_their_answer_arrives_in_the_chat(world: BotWorld) -> None:
    await register(world.runtime, Vault(SECRET), USER)
    await world.text(USER, "nik saya 3174014107900001 kok ditolak terus?", calls=3)  # deleted, told, answered
    assert (await world.last(USER)).endswith("Apakah ini membantu?")
    await world.tap(USER, "👎 Tidak, tanya petugas", calls=2)
    told = await world.last(USER)
    assert told.startswith("📨 Pertanyaan Anda sudah diteruskan ke petugas sebagai tiket #")
    ticket = await helpdesk.active_ticket(world.runtime.uow(), USER)
    assert ticket is not None and ticket.state is TicketState.OPEN
    assert ticket.question == "nik saya 3174********0001 kok ditolak terus?"  # the NIK masked, as everywhere
    assert ticket.context["account"]["nik"].count("*") == 8 and ticket.context["step"] is None

    support = await _support(world)
    before = len(await world.telegram.chat(USER))
    await helpdesk.answer(
        world.runtime.uow(), support, ticket.id, "Coba cek digit tanggal lahirnya.", world.clock.now()
    )
    answer = str((await _delivered(world, before))["text"])
    assert answer.startswith(f"💬 Jawaban petugas (tiket #{ticket.id}):") and "Coba cek digit" in answer

    await world.text(USER, "sudah saya cek, tetap ditolak")  # words with no step open: to the ticket, not the FAQ
    assert (await world.last(USER)).startswith(f"📨 Ditambahkan ke pertanyaan Anda #{ticket.id}")
    talk = await helpdesk.conversation(world.runtime.uow(), support, ticket.id)
    assert [m.author.value for m in talk.messages] == ["applicant", "staff", "applicant"]
    assert talk.ticket.state is TicketState.OPEN and world.errors == []


async def test_a_closed_ticket_reopens_when_the_applicant_replies_within_days_and_not_after(world: BotWorld) -> None:
    await register(world.runtime, Vault(SECRET), USER)
    await world.text(USER, "/help")
    await world.tap(USER, "Saya ingin bicara dengan petugas.", calls=2)
    await world.tap(USER, "🙋 Tanya petugas", calls=2)  # no question typed before: it is asked for
    assert await world.last(USER) == "Tulis pertanyaan Anda untuk petugas kami, dengan kata-kata Anda sendiri:"
    await world.text(USER, "Apakah bisa datang bersama anak yang belum punya KTP?", calls=2)  # told, then the menu
    ticket = await helpdesk.active_ticket(world.runtime.uow(), USER)
    assert ticket is not None and ticket.question.startswith("Apakah bisa datang")
    assert await world.state_of(USER) is None

    support = await _support(world)
    before = len(await world.telegram.chat(USER))
    await helpdesk.close(world.runtime.uow(), support, ticket.id, world.clock.now())
    closing = await _delivered(world, before)
    assert "Balas pesan ini dalam 3 hari" in str(closing["text"])

    await world.text(USER, "kapan kuota dibuka?")  # not a reply: a new question, answered from the help
    assert (await world.last(USER)).startswith("❓ ")
    menu = next(m for m in await world.telegram.chat(USER) if str(m.get("text", "")).startswith("Silakan pilih"))
    await world.telegram.user_sends_text(USER, "masih bingung ya", reply_to=int(menu["message_id"]))
    await world.telegram.wait_for_bot(USER)  # a reply to another message of the bot does not reopen it
    assert not (await world.last(USER)).startswith("📨")
    assert (await helpdesk.active_ticket(world.runtime.uow(), USER)) is None
    await world.telegram.user_sends_text(USER, "masih bingung", reply_to=int(closing["message_id"]))
    await world.telegram.wait_for_bot(USER)
    assert (await world.last(USER)).startswith(f"📨 Ditambahkan ke pertanyaan Anda #{ticket.id}")
    assert (await helpdesk.active_ticket(world.runtime.uow(), USER)) is not None

    before = len(await world.telegram.chat(USER))
    await helpdesk.close(world.runtime.uow(), support, ticket.id, world.clock.now())
    later = await _delivered(world, before)
    world.clock.advance(timedelta(days=4))
    await world.telegram.user_sends_text(USER, "halo lagi, nik ditolak", reply_to=int(later["message_id"]))
    await world.telegram.wait_for_bot(USER)
    assert (await world.last(USER)).startswith("❓ Mengapa NIK saya ditolak?")  # too late to reopen: the help
    assert world.errors == []


async def test_asking_a_person_from_a_booking_step_comes_back_to_the_step(world: BotWorld) -> None:
    from tests.bot.test_every_state import STEPS

    calendar = next(s for s in STEPS if s.state.state == "Booking:calendar")
    await calendar.reach(world)
    user = 8301  # the user of tests/bot/test_every_state.py
    await world.text(user, "/help")
    await world.tap(user, "Saya ingin bicara dengan petugas.", calls=2)
    await world.tap(user, "🙋 Tanya petugas", calls=2)
    await world.text(user, "Boleh datang lebih awal dari jam yang dipilih?", calls=2)  # told, then the step again
    chat = await world.telegram.chat(user)
    assert (
        chat[-2]["text"].startswith("📨 Pertanyaan Anda sudah diteruskan")
        and "Pilih tanggal kedatangan." in chat[-1]["text"]
    )
    assert await world.state_of(user) == "Booking:calendar" and world.errors == []


async def test_a_question_typed_earlier_is_not_sent_when_a_person_is_asked_from_the_help_list(world: BotWorld) -> None:
    await register(world.runtime, Vault(SECRET), USER)
    await world.text(USER, "kapan kuota dibuka?")  # answered, and it helped: nothing more
    await world.text(USER, "/help")
    await world.tap(USER, "Mengapa NIK saya ditolak?", calls=2)
    await world.tap(USER, "👎 Tidak, tanya petugas", calls=2)  # about the NIK, not the quota: asked for afresh
    assert await world.last(USER) == "Tulis pertanyaan Anda untuk petugas kami, dengan kata-kata Anda sendiri:"
    assert await helpdesk.active_ticket(world.runtime.uow(), USER) is None


async def test_an_open_ticket_does_not_swallow_thanks_or_questions_the_help_answers(world: BotWorld) -> None:
    await register(world.runtime, Vault(SECRET), USER)
    await world.text(USER, "nik saya kok ditolak terus?")
    nik_answer = await world.telegram.last_bot_message(USER)
    await world.text(USER, "terima kasih")  # greeted back; not the question a person would be asked
    assert (await world.last(USER)).startswith("Halo! 👋")
    assert nik_answer is not None
    await world.telegram.user_taps(USER, int(nik_answer["message_id"]), "askstaff")  # 👎 under the NIK answer
    await world.telegram.wait_for_bot(USER, calls=2)
    ticket = await helpdesk.active_ticket(world.runtime.uow(), USER)
    assert ticket is not None and ticket.question == "nik saya kok ditolak terus?"
    support = await _support(world)
    before = len(await world.telegram.chat(USER))
    await helpdesk.answer(world.runtime.uow(), support, ticket.id, "Cek digit tanggal lahir.", world.clock.now())
    await _delivered(world, before)
    await world.text(USER, "makasih ya")
    assert (await world.last(USER)).startswith("Halo! 👋")
    await world.text(USER, "kapan kuota dibuka?")
    assert (await world.last(USER)).startswith("❓ Kapan kuota baru dibuka?")
    still = await helpdesk.active_ticket(world.runtime.uow(), USER)
    assert still is not None and still.state is TicketState.ANSWERED  # nothing joined it


async def test_tapping_ask_a_person_twice_keeps_the_step_to_come_back_to(world: BotWorld) -> None:
    from tests.bot.test_every_state import STEPS

    calendar = next(s for s in STEPS if s.state.state == "Booking:calendar")
    await calendar.reach(world)
    user = 8301
    await world.text(user, "/help")
    await world.tap(user, "Saya ingin bicara dengan petugas.", calls=2)
    await world.tap(user, "🙋 Tanya petugas", calls=2)
    await world.tap(user, "🙋 Tanya petugas", calls=2)  # again, impatiently
    await world.text(user, "Boleh datang lebih awal?", calls=2)
    assert "Pilih tanggal kedatangan." in await world.last(user)
    assert await world.state_of(user) == "Booking:calendar"


async def test_invisible_characters_for_staff_are_asked_for_again_and_a_thanks_with_a_question_goes_to_them(
    world: BotWorld,
) -> None:
    await register(world.runtime, Vault(SECRET), USER)
    await world.text(USER, "/help")
    await world.tap(USER, "Saya ingin bicara dengan petugas.", calls=2)
    await world.tap(USER, "🙋 Tanya petugas", calls=2)
    await world.text(USER, "\x85 \u2028")
    assert await world.last(USER) == "Tulis pertanyaan Anda untuk petugas kami, dengan kata-kata Anda sendiri:"
    await world.text(USER, "Akta anak dari kedutaan bisa dipakai?", calls=2)
    await world.text(USER, "terima kasih, terjemahannya harus dari penerjemah tersumpah?")
    assert (await world.last(USER)).startswith("📨 Ditambahkan ke pertanyaan Anda")
    assert world.errors == []


async def test_staff_see_the_last_refusal_the_applicant_read_even_after_they_left_the_step(world: BotWorld) -> None:
    await world.text(USER, "/start", calls=2)
    await world.tap(USER, "✅ Saya setuju", calls=3)
    await world.text(USER, "Budi Santoso")
    await world.text(USER, "3174013207850001")  # a day 32 in the NIK: refused, the step stays
    refused = await world.last(USER)
    await world.text(USER, "/cancel")  # leaving the step does not lose what they were told
    await world.text(USER, "/help")
    await world.tap(USER, "Saya ingin bicara dengan petugas.", calls=2)
    await world.tap(USER, "🙋 Tanya petugas", calls=2)
    await world.text(USER, "nik saya ditolak terus, padahal benar", calls=2)  # told, and the way on
    ticket = await helpdesk.active_ticket(world.runtime.uow(), USER)
    assert ticket is not None
    kept = ticket.context["refusal"]
    assert "320785" in refused and "320785" not in kept["text"]  # staff see NIKs masked: none of its digits
    assert kept["text"] == re.sub(r"\d{4,}", "…", refused) and kept["code"].startswith("nik")


async def test_asking_without_an_account_says_what_is_kept_and_mydata_deletes_it(world: BotWorld) -> None:
    await world.text(USER, "/help")
    await world.tap(USER, "Saya ingin bicara dengan petugas.", calls=2)
    await world.tap(USER, "🙋 Tanya petugas", calls=2)
    await world.text(USER, "apakah boleh datang tanpa booking?", calls=2)
    assert "/mydata menampilkan dan menghapusnya" in "\n".join(
        str(m.get("text")) for m in (await world.telegram.chat(USER))[-3:]
    )
    await world.text(USER, "/mydata")
    assert "Pertanyaan Anda kepada petugas beserta jawabannya tersimpan: 1" in await world.last(USER)
    await world.tap(USER, "🗑 Hapus pertanyaan saya", calls=2)  # asked first
    assert (await world.last(USER)).startswith("Hapus pertanyaan Anda kepada petugas")
    await world.tap(USER, "🗑 Ya, hapus", calls=2)
    assert await world.last(USER) == "Pertanyaan Anda beserta jawabannya sudah dihapus."
    assert await helpdesk.latest_ticket(world.runtime.reader(), USER) is None
    await world.text(USER, "/mydata")
    assert await world.last(USER) == "Tidak ada akun yang tersimpan untuk Anda. Kirim /start untuk memulai."


async def test_my_data_counts_the_questions_kept_for_an_account(world: BotWorld) -> None:
    await register(world.runtime, Vault(SECRET), USER)
    await world.text(USER, "kalo ujan deres gmn ya")  # the help had nothing: kept for staff to improve it
    await world.text(USER, "/mydata")
    assert "yang tidak bisa dijawab bantuan: 1." in await world.last(USER)
