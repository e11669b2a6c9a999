"""The help topics found for questions as people type them: slang, stretched letters, typos, English, and the
questions no topic answers. Speed and the accuracy over the labelled sets are bench/faq_accuracy.py's to print."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from core.faq.catalogs import catalog_gettext, office_places
from core.faq.index import FaqIndex
from core.faq.normalise import unslang, words
from core.faq.topics import TOPICS, Topic

LABELLED = Path(__file__).resolve().parents[1] / "faq"


@cache
def faq_index() -> FaqIndex:
    """The shipped topics' index, as the bot builds it (with no entries written by staff)."""
    return FaqIndex(TOPICS, catalog_gettext(), places=office_places())


def best(question: str) -> str | None:
    answer = faq_index().ask(question)
    return answer.best.topic.key if answer.confident and answer.best else None


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("kok nik sy ditolak trs??", "nik"),  # slang: kok, sy, trs
        ("KOKKK NIK SAYA DITOLAKKK", "nik"),  # shouting, stretched letters
        ("bisa batal gak?", "cancel"),
        ("gmn cara batalin bookingan sy", "cancel"),  # chat affix: batal-in
        ("bukit booking sy ilang", "lost_proof"),  # a typo (bukit) and slang (ilang)
        ("why is my NIK rejected", "nik"),  # English
        ("anak2 sy mau bikin paspor syaratnya apa", "child"),  # doubling: anak2
        ("kapan kuota dibuka", "opening"),
        ("saya mau bicara dengan petugas", "person"),
        ("ganti bahasa ke english", "language"),
    ],
)
def test_a_question_in_chat_language_finds_its_topic(question: str, topic: str) -> None:
    assert best(question) == topic


@pytest.mark.parametrize("question", ["biaya paspor brp sih", "mau ke jepang perlu visa gk", "halo", "asdfgh qwerty"])
def test_a_question_no_topic_answers_is_not_answered_with_conviction(question: str) -> None:
    assert best(question) is None


def test_an_empty_or_punctuation_only_question_matches_nothing() -> None:
    assert faq_index().ask("?!? ...").matches == ()


@pytest.mark.parametrize("language", ["id", "en"])
def test_every_topic_is_found_by_its_own_question_in_each_language(language: str) -> None:
    translate = catalog_gettext()[language]
    for t in TOPICS:
        assert best(translate(t.question)) == t.key, translate(t.question)


def test_the_offered_topics_are_the_best_three_best_first() -> None:
    answer = faq_index().ask("nik ditolak")
    scores = [m.score for m in answer.matches]
    assert len(answer.matches) == 3 and scores == sorted(scores, reverse=True)


def test_the_question_language_is_told_by_its_words() -> None:
    index = faq_index()
    assert index.language_of("how do I cancel my booking") == "en"
    assert index.language_of("bagaimana cara membatalkan pesanan") == "id"
    assert index.language_of("nik") == "id"  # nothing stands out: Indonesian


def test_chat_spelling_is_undone_before_matching() -> None:
    assert unslang(words("Gimanaaa sy udh booking2 tp gk bs")) == [
        "bagaimana", "saya", "sudah", "pesan", "tapi", "tidak", "bisa",
    ]  # fmt: skip


def test_a_topic_added_to_the_index_is_found_without_touching_the_matcher() -> None:
    extra = Topic("parking", "Is there parking at the office?", "Yes, behind the building.", ("parkir motor",))
    index = FaqIndex((*TOPICS, extra), catalog_gettext())
    answer = index.ask("bisa parkir motor gak?")
    assert answer.best is not None and answer.best.topic.key == "parking"


@pytest.mark.parametrize(
    "name",
    ["asked.tsv", "more_asked.tsv", "asked_in_many_voices.tsv", "unseen_questions.tsv", "unseen_questions_2.tsv"],
)
def test_the_labelled_sets_are_well_formed_and_name_only_known_topics(name: str) -> None:
    keys = {t.key for t in TOPICS} | {"none"}
    rows = [line.split("\t") for line in (LABELLED / name).read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]  # fmt: skip
    assert all(len(r) == 2 and r[0] in keys and r[1].strip() for r in rows)
    per_topic = {k: sum(1 for r in rows if r[0] == k) for k in keys}
    assert len(rows) >= 70 and min(per_topic.values()) >= 3


@pytest.mark.parametrize(
    ("word", "kept"),
    [
        ("hujan", "hujan"),
        ("kamis", "kamis"),
        ("medan", "medan"),
        ("bukit", "bukti"),
        ("dokumne", "dokumen"),
        ("balik", "balik"),
        ("ntar", "ntar"),
        ("perasaan", "perasaan"),
        ("pembatlan", "pembatalan"),
    ],
)
def test_the_speller_corrects_typos_but_leaves_everyday_words_and_places_alone(word: str, kept: str) -> None:
    from core.faq.index import analyse

    speller = faq_index()._speller
    assert speller(word) == kept, analyse(word, speller)


def test_the_signs_of_the_bots_screens_are_words_that_find_their_topic() -> None:
    assert words("tgl nya ada yg ⛔ ada yg ❌ bedanya apa") == [
        "tgl",
        "nya",
        "ada",
        "yg",
        "⛔",
        "ada",
        "yg",
        "❌",
        "bedanya",
        "apa",
    ]
    assert best("kok ada ❌ di tgl 14") == "calendar"
    alone = faq_index().ask("⛔ itu apa")  # one sign and nothing else: offered first, not asserted
    assert alone.best is not None and alone.best.topic.key == "calendar"


def test_digits_are_not_shrunk_like_stretched_letters() -> None:
    assert words("1000 3174014107900001 tolonggg") == ["1000", "3174014107900001", "tolong"]


def test_a_word_said_thirty_times_is_no_stronger_than_said_once() -> None:
    index = faq_index()
    assert not index.ask("paspor " * 30).confident and not index.ask("x " * 2000).confident
