"""The help as it stands: the shipped topics, then those staff wrote (FAQ entries), and the index over them all."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from core.domain.faq_entries import FaqEntry
from core.faq.index import FaqIndex
from core.faq.topics import Topic


def entry_topic(entry: FaqEntry) -> Topic:
    """A staff-written entry as a topic: its own words in each language, no catalog msgids."""
    written = tuple((lang, t.question, t.answer) for lang, t in entry.texts.items())
    return Topic(entry.key, "", "", entry.asked, written=written)


@dataclass(frozen=True)
class Library:
    topics: tuple[Topic, ...]  # the help list's order: shipped first, then the entries, oldest first
    index: FaqIndex
    _by_key: dict[str, Topic] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_key", {t.key: t for t in self.topics})

    @classmethod
    def build(
        cls,
        shipped: Iterable[Topic],
        entries: Iterable[FaqEntry],
        gettext: Mapping[str, Callable[[str], str]],
        places: Iterable[str] = (),
    ) -> Library:
        topics = (*shipped, *(entry_topic(e) for e in entries))
        return cls(topics, FaqIndex(topics, gettext, places=places))

    def topic(self, key: str) -> Topic | None:
        """The topic of that key; None for one the help has no more (a retired entry's old button)."""
        return self._by_key.get(key)
