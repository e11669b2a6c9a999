"""The help topics ranked for a question in the asker's own words: BM25 (bm25s) over normalised words.

Each topic is two documents: its ways of asking (its question in every language of the catalogs, and the other
ways people put it) and its answers, counted at half weight; and a question is also compared as a whole with each
way of asking (rapidfuzz), which ranks but never makes a match without words in common. A question goes through
the same normalisation as the documents (core/faq/normalise.py), with its unknown words corrected against theirs.
When even the best topic shares little with it, or a subject the topics do not cover matches better, the answer
says so (`confident` false) rather than give a wrong topic with conviction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import bm25s
import numpy
from rapidfuzz import fuzz, process

from core.faq.normalise import SLANG, Speller, common_words, stem, unslang, words
from core.faq.topics import OUTSIDE, Topic

# bm25s sets its own logger to DEBUG as it is imported: every index built would print a line into the service's log.
logging.getLogger("bm25s").setLevel(logging.WARNING)

# Words that say nothing of a topic (after normalisation and stemming): without them a long question is not
# drawn to the longest answers. Question words stay: "kapan" (when) and "berapa" (how many) point somewhere; so
# do greetings and thanks, which a message of nothing else is (and is met in kind).
STOPWORDS = frozenset(
    {
        "saya", "kamu", "yang", "di", "ke", "dan", "atau", "itu", "ini", "ya", "sih", "dong", "deh", "nih", "tuh",
        "kah", "lah", "nya", "juga", "ada", "akan", "sudah", "masih", "lagi", "saja", "sekali", "untuk", "dari",
        "sama", "dengan", "pada", "kalau", "karena", "terus", "jadi", "tapi", "memang", "tolong", "tanya", "mau",
        "ingin", "permisi", "maaf", "please", "pls", "the",
        "a", "an", "i", "is", "are", "to", "of", "and", "my", "me", "it", "in", "on", "for", "do", "doe", "did",
        "can", "be",
        "what", "how", "you", "your", "we", "our", "this", "that", "with", "at", "have", "has", "will", "would",
        "so", "if", "or", "but", "just", "there", "they", "am", "was", "apa", "bagaimana", "cara",
        "begitu", "begini", "tadi", "sedang", "kita", "kami", "mereka", "dia", "imigrasi",
    }
)  # fmt: skip


def analyse(text: str, spell: Callable[[str], str] | None = None) -> list[str]:
    """Text → the index's terms: words, slang undone, typos corrected (for questions), stems, no stopwords."""
    tokens = unslang(words(text))
    if spell is not None:
        tokens = unslang(spell(t) for t in tokens)
    stems = (stem(t) for t in tokens if t not in STOPWORDS)
    return [s for s in stems if s not in STOPWORDS]


@dataclass(frozen=True)
class Match:
    """A topic and how well it answers the question (higher is better; only comparable within one question)."""

    topic: Topic
    score: float


@dataclass(frozen=True)
class Answer:
    matches: tuple[Match, ...]  # best first
    confident: bool  # False: the best match is weak, most likely the FAQ does not cover the question
    outside: str | None = None  # the subject the topics do not cover that matched best, when it beat them

    @property
    def best(self) -> Match | None:
        return self.matches[0] if self.matches else None


class FaqIndex:
    # The least weight (BM25) a topic's words in common with a question must have for it to be an answer; below it,
    # "not sure" and the closest topics. Set from the labelled questions (tests/faq/).
    MIN_SCORE = 3.0
    # A subject the topics do not cover counts from less: "halo" alone is one word of a greeting.
    OUTSIDE_MIN_SCORE = 1.0
    SAME_QUESTION = 0.9  # how alike (rapidfuzz, 0-1) a question and a way of asking are to be the same
    ANSWER_WEIGHT = 0.5
    MAX_TERMS = 40
    PHRASING_WEIGHT = 2.0
    # The way of asking nearest in words (BM25 over each alone), beside all of a topic's together: one close
    # phrasing is a strong sign that a long list of others would dilute.
    EACH_WEIGHT = 0.3

    def __init__(
        self,
        topics: Iterable[Topic],
        gettext: Mapping[str, Callable[[str], str]],
        outside: Iterable[Topic] = OUTSIDE,
        places: Iterable[str] = (),
    ) -> None:
        """`gettext`: for each language, its catalog's gettext (the topics' texts are read in every language);
        `outside`: what the topics do not cover, as ways of asking only; `places`: words of the offices' cities and
        provinces, which are left as they are (not typos)."""
        self.topics = tuple(topics)
        self._outside = tuple(outside)
        # Two documents a topic: its questions (the one shown, in every language, and the ways people ask), and
        # its answers. A question is most like other questions; the answer's words count, at a weight below.
        heads: list[str] = []
        bodies: list[str] = []
        for t in self.topics:
            heads.append(" \n".join([*t.asked, *(t.question_in(lang, tr) for lang, tr in gettext.items())]))
            bodies.append(" \n".join(t.answer_in(lang, tr) for lang, tr in gettext.items()))
        heads += (" \n".join(t.asked) for t in self._outside)
        # Each language's own words (in its texts and not the other's), to tell which one a question is in.
        own = {
            lang: {w for t in self.topics for w in words(f"{t.question_in(lang, tr)} {t.answer_in(lang, tr)}")}
            for lang, tr in gettext.items()
        }
        self._own_words = {
            lang: ws - set().union(*(o for k, o in own.items() if k != lang)) for lang, ws in own.items()
        }
        bodies += ("" for _ in self._outside)
        # The speller corrects towards the words of the documents and the slang map's words, before slang is undone.
        written: set[str] = set()
        for document in heads + bodies:
            written.update(words(document))
            written.update(unslang(words(document)))
        self._speller = Speller(
            known={*SLANG, *places},
            targets=written | {w for v in SLANG.values() for w in v.split()},
            little=STOPWORDS,
            common=common_words(),
        )
        self._heads = bm25s.BM25()
        self._heads.index([analyse(d) for d in heads], show_progress=False)
        self._bodies = bm25s.BM25()
        self._bodies.index([analyse(d) for d in bodies], show_progress=False)
        # Every way of asking, as terms, with its topic: a question close to one of them as a whole (rapidfuzz)
        # is that topic's, whatever single words other topics share with it.
        phrasings: list[tuple[int, str]] = []
        for i, t in enumerate((*self.topics, *self._outside)):
            asked = [*t.asked, *(t.question_in(lang, tr) for lang, tr in gettext.items() if t.question or t.written)]
            phrasings += ((i, " ".join(sorted(set(analyse(a))))) for a in asked)
        self._phrasing_topics = numpy.array([i for i, _ in phrasings])
        self._phrasing_texts = [text for _, text in phrasings]
        self._each = bm25s.BM25()
        self._each.index([text.split() or ["\u2205"] for _, text in phrasings], show_progress=False)

    def language_of(self, question: str, default: str = "id") -> str:
        """The language whose own words the question uses most (`default` when none stands out)."""
        tokens = words(question)
        counts = {lang: sum(t in ws for t in tokens) for lang, ws in self._own_words.items()}
        best = max(counts, key=lambda lang: counts[lang], default=default)
        return best if counts.get(best, 0) > counts.get(default, 0) else default

    def terms(self, question: str) -> list[str]:
        """A question's terms as the index reads them: its words normalised, typos corrected, stemmed, each once."""
        return list(dict.fromkeys(analyse(question, self._speller)))

    def ask(self, question: str, k: int = 3) -> Answer:
        """The `k` best topics for `question`, best first (those scoring nothing left out)."""
        # Each word once, and the first MAX_TERMS: BM25 adds a word's weight each time it is given, so "paspor"
        # typed thirty times would outscore any real question.
        terms = self.terms(question)[: self.MAX_TERMS]
        if not terms:
            return Answer((), False)
        # The words a question shares with each document (BM25), and how close it is as a whole to one of its ways
        # of asking (which gives any two strings some likeness: it ranks, it does not make a match on its own).
        lexical = self._heads.get_scores(terms) + self.ANSWER_WEIGHT * self._bodies.get_scores(terms)
        if self.EACH_WEIGHT:
            nearest = numpy.zeros(len(lexical))
            numpy.maximum.at(nearest, self._phrasing_topics, self._each.get_scores(terms))
            lexical = lexical + self.EACH_WEIGHT * nearest
        similar = process.cdist([" ".join(sorted(set(terms)))], self._phrasing_texts, scorer=fuzz.token_sort_ratio)[0]
        closest = numpy.zeros(len(lexical))
        numpy.maximum.at(closest, self._phrasing_topics, similar / 100)
        scores = lexical + self.PHRASING_WEIGHT * closest
        n = len(self.topics)
        ranked = sorted(range(n), key=lambda i: -float(scores[i]))[:k]
        matches = tuple(Match(self.topics[i], round(float(scores[i]), 3)) for i in ranked if lexical[i] > 0)
        # The best of what the topics do not cover, when it shares words with the question.
        beyond = max(range(n, len(scores)), key=lambda i: float(scores[i]), default=None)
        if beyond is not None and lexical[beyond] < self.OUTSIDE_MIN_SCORE:
            beyond = None
        # Enough words in common, or the question is (nearly) one of the topic's ways of asking ("Bagaimana cara
        # memesan?" shares one word of little weight with it, but all of it).
        enough = bool(matches) and (lexical[ranked[0]] >= self.MIN_SCORE or closest[ranked[0]] >= self.SAME_QUESTION)
        confident = enough and (beyond is None or scores[ranked[0]] > scores[beyond])
        outside = self._outside[beyond - n].key if beyond is not None and not confident else None
        return Answer(matches, confident, outside)
