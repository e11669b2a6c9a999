"""An FAQ entry: a question staff answer often, written once by them as a help topic of its own, in every language.

The shipped topics live in the code and the catalogs (core/faq/topics.py); an entry lives in the database, so
support staff add one from a ticket's answer or from a group of unanswered questions, without a release. It is
answered and browsed as any topic; retiring it takes it out of the help (an old button to it says so).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.domain.errors import DomainError
from core.languages import LANGUAGES

MAX_QUESTION = 150  # a button's text: Telegram shows about a line of it, so a question says it in a few words
MAX_ANSWER = 3500  # one message with the heading, the question and "did this help?" around it
MAX_ASKED = 2000  # the other ways people ask it, all together
KEY_PREFIX = "entry-"


@dataclass(frozen=True, slots=True)
class FaqText:
    question: str
    answer: str


@dataclass(frozen=True, slots=True)
class FaqEntry:
    id: int
    texts: dict[str, FaqText]  # language → its question and answer; every language of the bot
    asked: tuple[str, ...]  # other ways people put the question (matching only, never shown)
    ticket_id: int | None  # the ticket it was written from, if any
    written_by: str | None
    created_at: datetime
    updated_at: datetime
    retired_at: datetime | None

    @property
    def key(self) -> str:
        """The topic's key: the help's buttons and the unanswered questions name it."""
        return f"{KEY_PREFIX}{self.id}"


def entry_id(key: str) -> int | None:
    """The entry a topic key names; None for a shipped topic's key."""
    number = key.removeprefix(KEY_PREFIX)
    return int(number) if key.startswith(KEY_PREFIX) and number.isdigit() else None


class FaqEntryNotFound(DomainError):
    code = "faq_entry_not_found"


class FaqEntryIncomplete(DomainError):
    """A question or an answer missing in one of the languages: the applicant reading the other would get none."""

    code = "faq_entry_incomplete"

    def __init__(self, language: str, part: str) -> None:
        self.language = language
        self.part = part  # "question" or "answer"
        super().__init__(f"{part} in {language}")


class FaqEntryTooLong(DomainError):
    code = "faq_entry_too_long"

    def __init__(self, language: str, part: str, limit: int) -> None:
        self.language = language
        self.part = part
        self.limit = limit
        super().__init__(f"{part} in {language} over {limit}")


def _clean(text: str) -> str:
    return text.replace("\r\n", "\n").strip()


def checked_texts(texts: dict[str, tuple[str, str]]) -> dict[str, FaqText]:
    """The entry's words as kept: every language's question (one line) and answer, trimmed and within bounds."""
    kept: dict[str, FaqText] = {}
    for lang in LANGUAGES:
        question, answer = texts.get(lang, ("", ""))
        question = " ".join(question.split())
        answer = _clean(answer)
        for part, text, limit in (("question", question, MAX_QUESTION), ("answer", answer, MAX_ANSWER)):
            if not text:
                raise FaqEntryIncomplete(lang, part)
            if len(text) > limit:
                raise FaqEntryTooLong(lang, part, limit)
        kept[lang] = FaqText(question, answer)
    return kept


def checked_asked(asked: str) -> tuple[str, ...]:
    """The other ways of asking, one a line, each once, blank lines left out."""
    if len(asked) > MAX_ASKED:
        raise FaqEntryTooLong("", "asked", MAX_ASKED)
    lines = (" ".join(line.split()) for line in asked.splitlines())
    return tuple(dict.fromkeys(line for line in lines if line))
