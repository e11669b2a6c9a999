"""The help desk's use cases on a SQLite file and PostgreSQL: tickets opened and joined, answers written to the
outbox with them, closing and reopening (by staff, and by the applicant's reply within the days allowed), the queue
in order and by office, and who may do it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.clock import FixedClock
from core.config import Settings
from core.crypto import Passwords
from core.domain.faq_entries import FaqEntryIncomplete, FaqEntryTooLong
from core.domain.helpdesk import (
    REOPEN_WITHIN,
    AnotherTicketOpen,
    AnswerTooLong,
    EmptyMessage,
    TicketClosed,
    TicketNotFound,
    TicketState,
)
from core.domain.staff import NotAllowed, Role, StaffMember
from core.faq.catalogs import catalog_gettext
from core.persistence.tables import announcements, outbox
from core.runtime import Runtime, open_runtime
from core.services import faq, helpdesk, staff
from core.services.faq import HelpTopics
from tests.conftest import FRIDAY_AFTERNOON, SECRET
from tests.factories import add_office, sample_office


@pytest.fixture
async def runtime(database_url: str) -> AsyncIterator[Runtime]:
    settings = Settings(database_url=database_url, environment="test", secret_key=SECRET)
    async with open_runtime(settings, FixedClock(FRIDAY_AFTERNOON)) as rt:
        yield rt


async def _member(rt: Runtime, name: str, role: Role) -> StaffMember:
    return await staff.create_staff(
        rt.uow(), Passwords(time_cost=1, memory_kib=8192), username=name, display_name=name.title(),
        password="kata-sandi-panjang", role=role, office_codes=["TST"] if role is Role.COUNTER else [],
        now=rt.clock.now(),
    )  # fmt: skip


async def test_an_answer_is_kept_and_written_to_the_outbox_for_the_applicants_chat(runtime: Runtime) -> None:
    rt = runtime
    office = await add_office(rt, sample_office())
    support = await _member(rt, "bantuan", Role.SUPPORT)
    ticket = await helpdesk.escalate(
        rt.uow, 77, None, office.id, "en", "  why is my NIK refused?  ", {}, rt.clock.now()
    )
    assert (
        ticket.state is TicketState.OPEN and ticket.question == "why is my NIK refused?" and ticket.office_code == "TST"
    )
    answered = await helpdesk.answer(rt.uow(), support, ticket.id, "Check digits 7 to 12.", rt.clock.now())
    assert answered.state is TicketState.ANSWERED
    async with rt.engine.connect() as conn:
        rows = (await conn.execute(select(outbox.c.chat_id, outbox.c.language, outbox.c.priority))).all()
        kinds = (await conn.execute(select(announcements.c.kind, announcements.c.payload))).all()
    assert [tuple(r) for r in rows] == [(77, "en", 0)]  # first in line, like a proof
    # The words stay with the ticket (erased with it), the outbox row carries only where to find them.
    assert kinds[0].kind == "answer" and "Check digits" not in kinds[0].payload
    assert await helpdesk.message_text(rt.uow(), json.loads(kinds[0].payload)["message"]) == "Check digits 7 to 12."
    talk = await helpdesk.conversation(rt.uow(), support, ticket.id)
    assert [(m.author.value, m.staff_name) for m in talk.messages] == [("applicant", None), ("staff", "Bantuan")]
    with pytest.raises(EmptyMessage):
        await helpdesk.answer(rt.uow(), support, ticket.id, "   ", rt.clock.now())


async def test_the_applicants_words_join_the_open_ticket_and_a_new_question_joins_it_too(runtime: Runtime) -> None:
    rt = runtime
    first = await helpdesk.escalate(rt.uow, 78, None, None, "id", "bisa batal?", {}, rt.clock.now())
    joined = await helpdesk.escalate(rt.uow, 78, None, None, "id", "dan ganti jadwal?", {}, rt.clock.now())
    assert joined.id == first.id
    added = await helpdesk.applicant_writes(rt.uow(), 78, "halo?", rt.clock.now(), reply=False)
    assert added is not None and added.id == first.id
    assert await helpdesk.applicant_writes(rt.uow(), 79, "halo?", rt.clock.now(), reply=False) is None  # no ticket


async def test_a_closed_ticket_reopens_by_a_reply_within_the_days_allowed_and_not_after(runtime: Runtime) -> None:
    rt = runtime
    support = await _member(rt, "bantuan", Role.SUPPORT)
    ticket = await helpdesk.escalate(rt.uow, 80, None, None, "id", "tanya", {}, rt.clock.now())
    await helpdesk.close(rt.uow(), support, ticket.id, rt.clock.now())
    with pytest.raises(TicketClosed):
        await helpdesk.answer(rt.uow(), support, ticket.id, "lagi", rt.clock.now())
    assert await helpdesk.applicant_writes(rt.uow(), 80, "masih?", rt.clock.now(), reply=False) is None
    reopened = await helpdesk.applicant_writes(rt.uow(), 80, "masih?", rt.clock.now(), reply=True)
    assert reopened is not None and reopened.state is TicketState.OPEN
    await helpdesk.close(rt.uow(), support, ticket.id, rt.clock.now())
    late = rt.clock.now() + REOPEN_WITHIN + timedelta(minutes=1)
    assert await helpdesk.applicant_writes(rt.uow(), 80, "masih?", late, reply=True) is None
    new = await helpdesk.escalate(rt.uow, 80, None, None, "id", "pertanyaan baru", {}, late)
    assert new.id != ticket.id
    with pytest.raises(AnotherTicketOpen):  # the newer one is the conversation now
        await helpdesk.reopen(rt.uow(), support, ticket.id, late)
    await helpdesk.close(rt.uow(), support, new.id, late)
    assert (await helpdesk.reopen(rt.uow(), support, ticket.id, late)).state is TicketState.OPEN  # staff may


async def test_the_queue_puts_the_longest_waiting_first_filters_by_office_and_counts_each_state(
    runtime: Runtime,
) -> None:
    rt = runtime
    office = await add_office(rt, sample_office())
    support = await _member(rt, "bantuan", Role.SUPPORT)
    start = rt.clock.now()
    a = await helpdesk.escalate(rt.uow, 81, None, office.id, "id", "a", {}, start)
    b = await helpdesk.escalate(rt.uow, 82, None, None, "id", "b", {}, start + timedelta(minutes=1))
    c = await helpdesk.escalate(rt.uow, 83, None, office.id, "id", "c", {}, start + timedelta(minutes=2))
    await helpdesk.answer(rt.uow(), support, c.id, "ok", start + timedelta(minutes=3))
    # Writing again does not send a waiting applicant to the back of the queue.
    await helpdesk.applicant_writes(rt.uow(), 81, "halo?", start + timedelta(minutes=4), reply=False)
    waiting, counts = await helpdesk.queue(rt.uow(), support, TicketState.OPEN)
    assert [t.id for t, _ in waiting] == [a.id, b.id]
    assert waiting[0][0].waiting_since == start
    assert counts == {TicketState.OPEN: 2, TicketState.ANSWERED: 1}
    at_office, _ = await helpdesk.queue(rt.uow(), support, TicketState.ANSWERED, "tst")
    assert [(t.id, n) for t, n in at_office] == [(c.id, 2)]


async def test_only_the_help_desk_reads_and_answers_tickets(runtime: Runtime) -> None:
    rt = runtime
    await add_office(rt, sample_office())
    counter = await _member(rt, "loket", Role.COUNTER)
    admin = await _member(rt, "admin", Role.ADMIN)
    ticket = await helpdesk.escalate(rt.uow, 84, None, None, "id", "tanya", {}, rt.clock.now())
    with pytest.raises(NotAllowed):
        await helpdesk.queue(rt.uow(), counter, TicketState.OPEN)
    with pytest.raises(NotAllowed):
        await helpdesk.answer(rt.uow(), counter, ticket.id, "jawab", rt.clock.now())
    with pytest.raises(TicketNotFound):
        await helpdesk.conversation(rt.uow(), admin, 999_999)
    assert (await helpdesk.conversation(rt.uow(), admin, ticket.id)).ticket.id == ticket.id


async def test_closed_tickets_go_after_the_retention_and_open_ones_stay(runtime: Runtime) -> None:
    from core.services.privacy import anonymise_ended

    rt = runtime
    support = await _member(rt, "bantuan", Role.SUPPORT)
    old = await helpdesk.escalate(rt.uow, 85, None, None, "id", "lama", {}, rt.clock.now())
    await helpdesk.close(rt.uow(), support, old.id, rt.clock.now())
    still = await helpdesk.escalate(rt.uow, 86, None, None, "id", "masih terbuka", {}, rt.clock.now())
    await anonymise_ended(rt.uow(), rt.clock.now() + timedelta(days=31), timedelta(days=30))
    with pytest.raises(TicketNotFound):
        await helpdesk.conversation(rt.uow(), support, old.id)
    assert (await helpdesk.conversation(rt.uow(), support, still.id)).ticket.state is TicketState.OPEN


async def test_two_messages_at_once_open_one_ticket_not_two(runtime: Runtime) -> None:
    import asyncio

    rt = runtime
    first, second = await asyncio.gather(
        *(helpdesk.escalate(rt.uow, 90, None, None, "id", q, {}, rt.clock.now()) for q in ("satu", "dua"))
    )
    assert first.id == second.id
    support = await _member(rt, "bantuan", Role.SUPPORT)
    talk = await helpdesk.conversation(rt.uow(), support, first.id)
    assert sorted(m.text for m in talk.messages) == ["dua", "satu"]


async def test_an_answer_too_long_for_one_message_is_refused_not_cut(runtime: Runtime) -> None:
    rt = runtime
    support = await _member(rt, "bantuan", Role.SUPPORT)
    ticket = await helpdesk.escalate(rt.uow, 91, None, None, "id", "tanya", {}, rt.clock.now())
    with pytest.raises(AnswerTooLong):
        await helpdesk.answer(rt.uow(), support, ticket.id, "a" * 4001, rt.clock.now())
    done = await helpdesk.answer(rt.uow(), support, ticket.id, "baris satu\r\nbaris dua", rt.clock.now())
    talk = await helpdesk.conversation(rt.uow(), support, done.id)
    assert talk.messages[-1].text == "baris satu\nbaris dua"


async def test_an_entry_written_in_one_process_reaches_anothers_answers_after_the_refresh(runtime: Runtime) -> None:
    rt = runtime
    support = await _member(rt, "bantuan", Role.SUPPORT)
    ticks = [0.0]
    other = HelpTopics(rt.reader, catalog_gettext, monotonic=lambda: ticks[0])  # another worker's help
    before = await other.library()
    texts = {"id": ("Ada mushola di kantor?", "Ada, di lantai 2."), "en": ("Is there a prayer room?", "Yes, floor 2.")}
    entry = await faq.write_entry(rt.uow(), support, texts, "tempat sholat\nmushola", rt.clock.now())
    assert entry.key == "entry-1" and entry.written_by == "Bantuan"
    assert await other.library() is before  # within REFRESH_SECONDS: the index it had
    ticks[0] += HelpTopics.REFRESH_SECONDS
    found = (await other.library()).index.ask("mushola ada gk")
    assert found.confident and found.best is not None and found.best.topic.key == "entry-1"
    ticks[0] += HelpTopics.REFRESH_SECONDS
    same = await other.library()
    ticks[0] += HelpTopics.REFRESH_SECONDS
    assert await other.library() is same  # nothing changed: not built again
    changed = {**texts, "id": ("Ada mushola di kantor?", "Ada, di lantai 3.")}
    await faq.change_entry(rt.uow(), support, 1, changed, "mushola", rt.clock.now())
    ticks[0] += HelpTopics.REFRESH_SECONDS
    topic = (await other.library()).topic("entry-1")
    assert topic is not None and topic.answer_in("id", str) == "Ada, di lantai 3." and topic.asked == ("mushola",)
    await faq.retire_entry(rt.uow(), support, 1, rt.clock.now())
    ticks[0] += HelpTopics.REFRESH_SECONDS
    assert (await other.library()).topic("entry-1") is None


async def test_an_entry_needs_both_languages_and_only_the_help_desk_writes_one(runtime: Runtime) -> None:
    rt = runtime
    support = await _member(rt, "bantuan", Role.SUPPORT)
    with pytest.raises(FaqEntryIncomplete) as missing:
        await faq.write_entry(rt.uow(), support, {"id": ("Tanya?", "Jawab.")}, "", rt.clock.now())
    assert (missing.value.language, missing.value.part) == ("en", "question")
    with pytest.raises(FaqEntryTooLong):
        await faq.write_entry(rt.uow(), support, {"id": ("x" * 151, "a"), "en": ("q", "a")}, "", rt.clock.now())
    await add_office(rt, sample_office())
    counter = await _member(rt, "loket", Role.COUNTER)
    with pytest.raises(NotAllowed):
        await faq.write_entry(rt.uow(), counter, {"id": ("q", "a"), "en": ("q", "a")}, "", rt.clock.now())


async def test_unanswered_questions_of_an_erased_chat_go_with_it_and_old_ones_past_the_retention(
    runtime: Runtime,
) -> None:
    rt = runtime
    now = rt.clock.now()
    await faq.record_unanswered(rt.uow(), 501, "id", "pertanyaan satu", "unsure", None, now)
    await faq.record_unanswered(rt.uow(), 502, "id", "pertanyaan dua", "unsure", None, now - timedelta(days=100))
    async with rt.uow() as uow:
        assert await uow.unanswered.forget_chat(501) == 1
        assert await uow.unanswered.forget_before(now - timedelta(days=90)) == 1
        await uow.commit()
    async with rt.reader() as uow:
        assert await uow.unanswered.waiting(now - timedelta(days=365), 10) == []


async def test_an_answered_ticket_left_quiet_for_a_week_closes_and_the_applicant_is_told(runtime: Runtime) -> None:
    rt = runtime
    support = await _member(rt, "bantuan", Role.SUPPORT)
    now = rt.clock.now()
    quiet = await helpdesk.escalate(rt.uow, 901, None, None, "id", "bisa ganti jadwal?", {}, now - timedelta(days=10))
    await helpdesk.answer(rt.uow(), support, quiet.id, "Bisa, lewat menu.", now - timedelta(days=8))
    recent = await helpdesk.escalate(rt.uow, 902, None, None, "id", "kapan buka?", {}, now - timedelta(days=10))
    await helpdesk.answer(rt.uow(), support, recent.id, "Jumat.", now - timedelta(days=6))
    await helpdesk.escalate(rt.uow, 903, None, None, "id", "halo?", {}, now - timedelta(days=10))
    assert await helpdesk.close_quiet(rt.uow(), now) == 1
    states = {t: (await helpdesk.latest_ticket(rt.reader(), t)) for t in (901, 902, 903)}
    assert [states[c].state for c in (901, 902, 903)] == [  # type: ignore[union-attr]
        TicketState.CLOSED, TicketState.ANSWERED, TicketState.OPEN,  # one that waits for staff never closes alone
    ]  # fmt: skip
    async with rt.engine.connect() as conn:
        told = (await conn.execute(select(announcements.c.payload).where(announcements.c.kind == "answer"))).all()
    assert {"ticket": quiet.id, "closed": True, "quiet": True} in [json.loads(p) for (p,) in told]
    assert await helpdesk.close_quiet(rt.uow(), now) == 0
