"""The staff group in Telegram: a ticket opens a topic with what staff need, the applicant's words follow it there,
a member's reply in the topic reaches the applicant's chat, /close and /reopen work there, a topic deleted in the
app is opened anew, and the group's own limit is kept by the outbox."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from core.clock import FixedClock
from core.crypto import Passwords, Vault
from core.domain.announcements import Kind
from core.domain.helpdesk import TicketState
from core.domain.staff import Role
from core.services import helpdesk, staff
from tests.bot.conftest import BotWorld, running_world
from tests.conftest import SECRET
from tests.factories import add_office, register, sample_office

USER = 8701
GROUP = -1001234567890
STAFF = 7001


@pytest.fixture
async def world(sqlite_template: Path, tmp_path: Path, clock: FixedClock) -> AsyncIterator[BotWorld]:
    path = tmp_path / "bot.sqlite3"
    shutil.copy(sqlite_template, path)
    async with running_world(path, clock, support_group_id=GROUP) as world:
        world.telegram.add_forum_group(GROUP)
        assert world.sender is not None
        world.sender.group_interval = 0.05  # the group's pace is its own test's, below: these wait for nobody
        yield world


async def _until(found: Callable[[], Any], what: str) -> Any:
    for _ in range(300):
        if value := found():
            return value
        await asyncio.sleep(0.02)
    raise AssertionError(f"never: {what}")


def _texts(world: BotWorld, thread: int | None = None) -> list[str]:
    return [str(m.get("text", "")) for m in world.telegram.group_messages(GROUP, thread)]


async def _chat_has(world: BotWorld, words: str) -> str:
    async def look() -> str | None:
        return next((str(m["text"]) for m in await world.telegram.chat(USER) if words in str(m.get("text", ""))), None)

    for _ in range(300):
        if found := await look():
            return found
        await asyncio.sleep(0.02)
    raise AssertionError(f"the applicant never read {words!r}")


async def _ask(world: BotWorld, question: str) -> None:
    await world.text(USER, "/help")
    await world.tap(USER, "Saya ingin bicara dengan petugas.", calls=2)
    await world.tap(USER, "🙋 Tanya petugas", calls=2)
    await world.text(USER, question, calls=2)  # told, and the menu back


async def test_a_ticket_opens_a_topic_and_a_reply_in_it_reaches_the_applicant_and_back(world: BotWorld) -> None:
    await register(world.runtime, Vault(SECRET), USER)
    await _ask(world, "kenapa tanggal 14 tidak bisa dipilih?")
    topic = await _until(lambda: world.telegram.topics(GROUP), "a topic")
    assert len(topic) == 1 and topic[0]["name"].startswith("#1 kenapa tanggal 14")
    thread = topic[0]["thread_id"]
    heading = (await _until(lambda: _texts(world, thread), "the heading"))[0]
    assert heading.startswith("🆕 Tiket #1 · dalam Bahasa Indonesia") and "NIK 3174" in heading
    assert "kenapa tanggal 14 tidak bisa dipilih?" in heading and "/close" in heading

    await world.telegram.staff_sends_in_topic(GROUP, STAFF, thread, "Tanggal itu belum dirilis.", username="rina")
    answer = await _chat_has(world, "Tanggal itu belum dirilis.")
    assert answer.startswith("💬 Jawaban petugas (tiket #1)")
    ticket = await helpdesk.latest_ticket(world.runtime.reader(), USER)
    assert ticket is not None and ticket.state is TicketState.ANSWERED
    support = await staff.create_staff(
        world.runtime.uow(), Passwords(time_cost=1, memory_kib=8192), username="bantuan", display_name="Bu Rina",
        password="kata-sandi-panjang", role=Role.SUPPORT, office_codes=[], now=world.clock.now(),
    )  # fmt: skip
    talk = await helpdesk.conversation(world.runtime.reader(), support, ticket.id)
    assert talk.messages[-1].staff_name == "Rina (@rina, id 7001)"

    await world.text(USER, "oh begitu, kapan dirilisnya?")  # the applicant's next words: to the ticket, and the topic
    await _until(lambda: any(t.startswith("👤 Pemohon:\noh begitu") for t in _texts(world, thread)), "the follow-up")
    await helpdesk.answer(world.runtime.uow(), support, ticket.id, "Jumat jam 14.00.", world.clock.now(), relay=GROUP)
    await _until(lambda: any("Bu Rina (halaman layanan bantuan)" in t for t in _texts(world, thread)), "the page's")
    assert world.errors == []


async def test_close_and_reopen_in_the_topic_and_a_deleted_topic_is_opened_anew(world: BotWorld) -> None:
    await register(world.runtime, Vault(SECRET), USER)
    await _ask(world, "bisa ganti jadwal?")
    thread = (await _until(lambda: world.telegram.topics(GROUP), "a topic"))[0]["thread_id"]
    await _until(lambda: _texts(world, thread), "the heading")
    await world.telegram.staff_sends_in_topic(GROUP, STAFF, thread, "/close")
    await _chat_has(world, "Petugas menutup pertanyaan Anda")
    replies = await _until(lambda: [t for t in _texts(world, thread) if "ditutup" in t], "the bot's word")
    assert replies == ["✅ Tiket #1 ditutup; pemohon sudah diberi tahu."]
    await world.telegram.staff_sends_in_topic(GROUP, STAFF, thread, "satu lagi")
    await _until(lambda: any("Kirim /reopen dulu" in t for t in _texts(world, thread)), "the refusal")
    await world.telegram.staff_sends_in_topic(GROUP, STAFF, thread, "/reopen")
    await _until(lambda: any("dibuka lagi" in t for t in _texts(world, thread)), "reopened")

    await world.telegram.staff_deletes_topic(GROUP, thread)
    last = (await world.telegram.chat(USER))[-1]  # a reply to the bot: for the ticket, whatever the words
    await world.telegram.user_sends_text(USER, "halo, masih ada pertanyaan", reply_to=int(last["message_id"]))
    await world.telegram.wait_for_bot(USER)
    topics = await _until(lambda: [t for t in world.telegram.topics(GROUP) if not t["deleted"]], "a new topic")
    fresh = topics[0]["thread_id"]
    assert fresh != thread
    texts = await _until(lambda: _texts(world, fresh), "the new topic's heading")
    assert texts[0].startswith("🆕 Tiket #1") and "halo, masih ada pertanyaan" in texts[0]  # context again
    await world.telegram.staff_sends_in_topic(GROUP, STAFF, fresh, "Silakan, apa pertanyaannya?")
    await _chat_has(world, "Silakan, apa pertanyaannya?")


async def test_the_group_gets_no_more_than_its_limit_however_fast_the_applicant_writes(world: BotWorld) -> None:
    telegram, sender = world.telegram, world.sender
    assert sender is not None
    telegram.group_per_minute, telegram.group_window = 4, 1.0  # Telegram's 20 a minute, made quick
    sender.group_interval = 0.3  # the sender's pace for it: under 4 a second
    await register(world.runtime, Vault(SECRET), USER)
    await _ask(world, "pertanyaan pertama")
    started = time.monotonic()
    for n in range(8):
        await helpdesk.applicant_writes(
            world.runtime.uow(), USER, f"pesan ke-{n}", world.clock.now(), reply=False, relay=GROUP
        )
    thread = (await _until(lambda: world.telegram.topics(GROUP), "a topic"))[0]["thread_id"]
    texts = await _until(lambda: len(_texts(world, thread)) == 9 and _texts(world, thread), "nine messages")
    assert time.monotonic() - started >= 8 * 0.3 * 0.9
    assert [t.split("\n")[-1] for t in texts[1:]] == [f"pesan ke-{n}" for n in range(8)]  # in order
    assert not [e for e in telegram.errors if "429" in str(e) or "Too Many" in str(e)]


async def test_deleting_an_applicants_questions_deletes_their_topic_in_the_staff_group(world: BotWorld) -> None:
    await _ask(world, "apakah boleh datang tanpa booking?")  # without an account
    thread = (await _until(lambda: world.telegram.topics(GROUP), "a topic"))[0]["thread_id"]
    await _until(lambda: _texts(world, thread), "the heading")
    await world.text(USER, "/mydata")
    await world.tap(USER, "🗑 Hapus pertanyaan saya", calls=2)
    await world.tap(USER, "🗑 Ya, hapus", calls=2)
    await _until(lambda: world.telegram.topics(GROUP)[0]["deleted"], "the topic deleted")
    await world.telegram.staff_sends_in_topic(GROUP, STAFF, None, "halo semua")  # General: nobody's answer
    assert await helpdesk.latest_ticket(world.runtime.reader(), USER) is None and world.errors == []


async def test_rows_waiting_for_the_group_do_not_hold_up_messages_to_applicants(world: BotWorld) -> None:
    sender = world.sender
    assert sender is not None
    sender.group_interval = 1.0  # slow enough to see: five copies take four seconds
    office = await add_office(world.runtime, sample_office())
    chats = range(USER, USER + 5)
    for c in chats:
        world.telegram.meet(c)  # each has written to the bot before
    now = world.clock.now()
    for c in chats:  # five copies for the group, written first and more urgent than a notice
        await helpdesk.escalate(world.runtime.uow, c, None, None, "id", f"tanya {c}", {}, now, relay=GROUP)
    started = time.monotonic()
    async with world.runtime.uow() as uow:  # then an office's notice to the five applicants
        notice = await uow.outbox.announce(
            Kind.BROADCAST, now, office_id=office.id, payload={"text": {"id": "Kantor buka lebih pagi besok."}}
        )
        assert notice is not None
        for c in chats:
            await uow.outbox.add(notice, Kind.BROADCAST, c, "id", now, booking_id=None)
        await uow.commit()

    async def told_all() -> bool:
        for c in chats:
            if not any("lebih pagi" in str(m.get("text")) for m in await world.telegram.chat(c)):
                return False
        return True

    for _ in range(200):
        if await told_all():
            break
        await asyncio.sleep(0.02)
    assert await told_all() and time.monotonic() - started < 2.5  # not behind the group's five seconds
    assert len(world.telegram.topics(GROUP)) < 5  # the group still at its pace
