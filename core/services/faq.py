"""The help's topics as they stand — shipped with the code, and written by staff — and how they grow: an answer
staff give often becomes an FAQ entry (from its ticket, or from a group of questions the help did not answer).

Every process answers from its own index of the topics (core/faq). An entry written on the staff pages reaches
the bot's processes by the database: each reads the entries' revision at most every REFRESH_SECONDS and builds
its index again when it moved (about 25 ms, only then).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.domain.faq_entries import (
    FaqEntry,
    FaqEntryNotFound,
    checked_asked,
    checked_texts,
)
from core.domain.helpdesk import Author, TicketNotFound
from core.domain.identity import mask_numbers_in
from core.domain.staff import Permission, StaffMember
from core.faq.grouping import group
from core.faq.library import Library
from core.faq.topics import TOPICS, Topic
from core.persistence.faq import UnansweredQuestion
from core.services import audit
from core.services.uow import UnitOfWork

Gettext = Mapping[str, Callable[[str], str]]
log = logging.getLogger(__name__)


class HelpTopics:
    """The process's help: the shipped topics and the entries in force, and the index that answers from them."""

    REFRESH_SECONDS = 2.0  # how long an entry written elsewhere may take to reach this process's answers

    def __init__(
        self,
        reader: Callable[[], UnitOfWork],
        gettext: Callable[[], Gettext],
        places: Callable[[], Iterable[str]] = tuple,
        shipped: Sequence[Topic] = TOPICS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """`gettext` and `places` are read once, when first needed: a process that never answers a question
        (the worker) never loads them."""
        self._reader = reader
        self._gettext_of = gettext
        self._places_of = places
        self._shipped = tuple(shipped)
        self._monotonic = monotonic
        self._library: Library | None = None
        self._revision: object = None
        self._checked_at = float("-inf")
        self._lock = asyncio.Lock()
        self._gettext: Gettext | None = None
        self._places: tuple[str, ...] = ()

    async def library(self) -> Library:
        """The help as it stands (as of at most REFRESH_SECONDS ago)."""
        if self._library is not None and self._monotonic() - self._checked_at < self.REFRESH_SECONDS:
            return self._library
        async with self._lock:  # one look, and one build, for all the questions arriving meanwhile
            if self._library is None or self._monotonic() - self._checked_at >= self.REFRESH_SECONDS:
                try:
                    async with self._reader() as uow:
                        revision = await uow.faq_entries.revision()
                        entries = await uow.faq_entries.all() if revision != self._revision else None
                except Exception:
                    if self._library is None:
                        raise
                    # The database away for a moment: the help answers as it did, and looks again later.
                    log.warning("could not read the FAQ entries; answering from the help as it was", exc_info=True)
                    self._checked_at = self._monotonic()
                    return self._library
                if entries is not None or self._library is None:
                    self._library = self._build(entries or [])
                    self._revision = revision
                self._checked_at = self._monotonic()
        return self._library

    def _build(self, entries: Sequence[FaqEntry]) -> Library:
        if self._gettext is None:
            self._gettext = self._gettext_of()
            self._places = tuple(self._places_of())
        return Library.build(self._shipped, entries, self._gettext, self._places)


# --- Entries (the staff pages) -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Draft:
    """A new entry's form, filled from where it comes from."""

    texts: dict[str, tuple[str, str]]  # language → question, answer (blank where staff still have to write)
    asked: str  # the other ways of asking, one a line
    ticket_id: int | None = None
    question_ids: tuple[int, ...] = ()


async def draft_from_ticket(reader: UnitOfWork, actor: StaffMember, ticket_id: int) -> Draft:
    """The applicant's question and staff's last answer, in the ticket's language; the other to be written."""
    actor.require(Permission.HELP_DESK)
    async with reader as uow:
        ticket = await uow.tickets.get(ticket_id)
        if ticket is None:
            raise TicketNotFound()
        said = [m.text for m in await uow.tickets.messages(ticket_id) if m.author is Author.STAFF]
    question = " ".join(ticket.question.split())
    return Draft({ticket.language: (question[:150], said[-1] if said else "")}, ticket.question, ticket_id=ticket_id)


async def draft_from_questions(reader: UnitOfWork, actor: StaffMember, ids: Sequence[int]) -> Draft:
    """A group of unanswered questions: the first as the question in its language, all as ways of asking."""
    actor.require(Permission.HELP_DESK)
    async with reader as uow:
        asked = await uow.unanswered.of_ids(ids)
    if not asked:
        return Draft({}, "")
    first = asked[0]
    return Draft(
        {first.language: (first.text[:150], "")},
        "\n".join(dict.fromkeys(q.text for q in asked)),
        question_ids=tuple(q.id for q in asked),
    )


async def write_entry(
    uow: UnitOfWork,
    actor: StaffMember,
    texts: dict[str, tuple[str, str]],
    asked: str,
    now: datetime,
    *,
    ticket_id: int | None = None,
    question_ids: Sequence[int] = (),
) -> FaqEntry:
    """A new help topic in every language; the questions it was written from are settled by it."""
    actor.require(Permission.HELP_DESK)
    kept, ways = checked_texts(texts), checked_asked(asked)
    async with uow:
        if ticket_id is not None and await uow.tickets.get(ticket_id) is None:
            ticket_id = None  # the ticket went (erased) while the entry was written: the entry stands on its own
        entry_id = await uow.faq_entries.add(kept, ways, ticket_id, actor.id, now)
        await uow.unanswered.settle(question_ids, entry_id, now)
        await audit.record(uow, actor, "faq_entry_written", f"FAQ #{entry_id}", now, after=_shown(kept))
        await uow.commit()
        entry = await uow.faq_entries.get(entry_id)
    assert entry is not None
    return entry


async def change_entry(
    uow: UnitOfWork, actor: StaffMember, entry_id: int, texts: dict[str, tuple[str, str]], asked: str, now: datetime
) -> FaqEntry:
    actor.require(Permission.HELP_DESK)
    kept, ways = checked_texts(texts), checked_asked(asked)
    async with uow:
        before = await _entry(uow, entry_id)
        await uow.faq_entries.change(entry_id, kept, ways, now)
        await audit.record(
            uow, actor, "faq_entry_changed", f"FAQ #{entry_id}", now, before=_shown(before.texts), after=_shown(kept)
        )
        await uow.commit()
        entry = await uow.faq_entries.get(entry_id)
    assert entry is not None
    return entry


async def retire_entry(uow: UnitOfWork, actor: StaffMember, entry_id: int, now: datetime) -> None:
    """Out of the help (the answer was wrong, or the rule changed); kept for the record."""
    actor.require(Permission.HELP_DESK)
    async with uow:
        entry = await _entry(uow, entry_id)
        if entry.retired_at is None:
            await uow.faq_entries.retire(entry_id, now)
            await audit.record(uow, actor, "faq_entry_retired", f"FAQ #{entry_id}", now, before=_shown(entry.texts))
            await uow.commit()


async def entry(reader: UnitOfWork, actor: StaffMember, entry_id: int) -> FaqEntry:
    actor.require(Permission.HELP_DESK)
    async with reader as uow:
        return await _entry(uow, entry_id)


async def entries(reader: UnitOfWork, actor: StaffMember) -> tuple[list[FaqEntry], list[FaqEntry]]:
    """The entries in force, and the retired ones."""
    actor.require(Permission.HELP_DESK)
    async with reader as uow:
        return await uow.faq_entries.all(), await uow.faq_entries.all(retired=True)


async def _entry(uow: UnitOfWork, entry_id: int) -> FaqEntry:
    found = await uow.faq_entries.get(entry_id)
    if found is None:
        raise FaqEntryNotFound()
    return found


def _shown(texts: Mapping[str, object]) -> dict[str, str]:
    """An entry as the audit log keeps it: each language's question (the answers are on the entry's page)."""
    return {lang: getattr(t, "question", "") for lang, t in texts.items()}


# --- Questions the help did not answer ----------------------------------------------------------------------------

UNANSWERED_DAYS = 60  # the page's window: what people asked lately says what the help lacks now
UNANSWERED_READ = 1000  # at most this many of the latest are grouped (the page stays quick)


async def record_unanswered(
    uow: UnitOfWork, chat_id: int, language: str, text: str, reason: str, topic: str | None, now: datetime
) -> None:
    """A question the help did not answer (the bot's side): kept with numbers masked, for the staff's page."""
    async with uow:
        await uow.unanswered.add(chat_id, language, mask_numbers_in(text)[:500], reason, topic, now)
        await uow.commit()


@dataclass(frozen=True, slots=True)
class QuestionGroup:
    questions: list[UnansweredQuestion]  # the first leads; the newest first after it
    closest: Topic | None  # the topic most of them were closest to (or were shown, and said did not help)

    @property
    def ids(self) -> list[int]:
        return [q.id for q in self.questions]

    @property
    def latest(self) -> datetime:
        return max(q.asked_at for q in self.questions)

    @property
    def others(self) -> list[tuple[str, str, int]]:
        """The group's other wordings, each once (with how often, and why the help had no answer), the most asked
        first: the same question typed five times is one line."""
        counts: dict[str, tuple[str, int]] = {}
        for q in self.questions[1:]:
            if q.text != self.questions[0].text:
                reason, n = counts.get(q.text, (q.reason, 0))
                counts[q.text] = (reason, n + 1)
        return sorted(((t, r, n) for t, (r, n) in counts.items()), key=lambda x: -x[2])


async def unanswered_groups(
    reader: UnitOfWork, actor: StaffMember, library: Library, now: datetime
) -> list[QuestionGroup]:
    """The questions of the last UNANSWERED_DAYS not settled yet, grouped by what they ask, the largest first."""
    actor.require(Permission.HELP_DESK)
    async with reader as uow:
        asked = await uow.unanswered.waiting(now - timedelta(days=UNANSWERED_DAYS), UNANSWERED_READ)
    asked.reverse()  # the oldest leads its group: the first way it was put
    groups = []
    for positions in group(library.index, [q.text for q in asked]):
        members = [asked[i] for i in positions]
        keys = [q.topic for q in members if q.topic]
        closest = max(set(keys), key=keys.count) if keys else None
        ordered = members[:1] + sorted(members[1:], key=lambda q: q.asked_at, reverse=True)
        groups.append(QuestionGroup(ordered, library.topic(closest) if closest else None))
    return groups


async def set_aside(uow: UnitOfWork, actor: StaffMember, ids: Sequence[int], now: datetime) -> int:
    """Questions that need no entry (a greeting, a joke, one person's own case): off the page."""
    actor.require(Permission.HELP_DESK)
    async with uow:
        settled = await uow.unanswered.settle(ids, None, now)
        if settled:
            await audit.record(uow, actor, "unanswered_set_aside", f"{settled}", now)
        await uow.commit()
    return settled
