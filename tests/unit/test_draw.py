"""The fair opening's draw: the documented procedure, repeated here from its description, and what verify catches."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections import Counter
from datetime import date
from itertools import permutations

import pytest

from core.domain.draw import (
    Finding,
    PublishedDraw,
    Registration,
    commitment,
    digest,
    list_text,
    new_seed,
    order,
    parse_line,
    verify,
)

SEED = "5eed" * 16
LIST = (
    Registration(1, "K7Q2", 3, (date(2026, 12, 14), date(2026, 12, 15))),
    Registration(2, "M4X9", 1, (date(2026, 12, 14),)),
    Registration(3, "P8D3", 5, ()),
    Registration(4, "Z2W6", 2, (date(2026, 12, 16),)),
    Registration(5, "A9C4", 4, (date(2026, 12, 15), date(2026, 12, 14))),
)


def _by_the_description(lines: list[str], seed: str, beacon: str = "") -> list[int]:
    """Steps 2–4 of core/domain/draw.py's docstring, written again from the words, not from the code."""
    list_digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()
    key = hashlib.sha256((seed + ":" + list_digest + ":" + beacon).encode()).hexdigest()
    stream: list[int] = []
    block = 0
    numbers = [int(line.split("|")[0]) for line in lines]
    for i in reversed(range(1, len(numbers))):
        limit = (2**64 // (i + 1)) * (i + 1)
        while True:
            if not stream:
                raw = hashlib.sha256(f"{key}:{block}".encode()).digest()
                block += 1
                stream = [int.from_bytes(raw[k : k + 8], "big") for k in (0, 8, 16, 24)]
            x = stream.pop(0)
            if x < limit:
                break
        j = x % (i + 1)
        numbers[i], numbers[j] = numbers[j], numbers[i]
    return numbers


def _published(registrations: tuple[Registration, ...] = LIST, seed: str = SEED) -> PublishedDraw:
    listed = list_text(registrations)
    return PublishedDraw(
        commitment(seed), digest(registrations), listed, registrations, seed, "", order(registrations, seed)
    )


def test_the_order_is_the_one_the_documented_procedure_gives() -> None:
    lines = list_text(LIST).split("\n")
    assert lines[0] == "1|K7Q2|3|2026-12-14,2026-12-15" and lines[2] == "3|P8D3|5|"
    assert list(order(LIST, SEED)) == _by_the_description(lines, SEED)
    assert list(order(LIST, SEED, beacon="ab12")) == _by_the_description(lines, SEED, "ab12")
    assert sorted(order(LIST, SEED)) == [1, 2, 3, 4, 5]
    many = tuple(Registration(n, f"T{n}", 1 + n % 5, ()) for n in range(1, 301))
    assert list(order(many, SEED)) == _by_the_description(list_text(many).split("\n"), SEED)


def test_the_order_depends_on_the_list_not_on_the_order_it_was_given_in() -> None:
    assert order(LIST, SEED) == order(tuple(reversed(LIST)), SEED)
    assert digest(LIST) == digest(tuple(reversed(LIST)))


def test_a_published_draw_verifies_and_each_kind_of_tampering_is_named() -> None:
    honest = _published()
    assert verify(honest) == []
    other_seed = dataclasses.replace(honest, seed=new_seed())
    assert verify(other_seed) == [Finding.SEED, Finding.ORDER]
    changed = (dataclasses.replace(LIST[0], party=2), *LIST[1:])
    tampered = dataclasses.replace(honest, registrations=changed, listed=list_text(changed))
    assert verify(tampered) == [Finding.LIST, Finding.ORDER]
    padded = honest.listed.replace("1|K7Q2", "01|K7Q2", 1)  # the same numbers, not as the procedure writes them
    assert verify(dataclasses.replace(honest, listed=padded)) == [Finding.LIST]
    twice = (*LIST, LIST[0])
    assert verify(dataclasses.replace(honest, registrations=twice, listed=list_text(twice)))[0] is Finding.LIST
    swapped = (honest.order[1], honest.order[0], *honest.order[2:])
    assert verify(dataclasses.replace(honest, order=swapped)) == [Finding.ORDER]
    assert verify(dataclasses.replace(honest, beacon="ff")) == [Finding.ORDER]


def test_every_order_of_three_parties_is_about_as_likely() -> None:
    three = LIST[:3]
    seen = Counter(order(three, f"{n:064x}") for n in range(1200))
    assert set(seen) == set(permutations([1, 2, 3]))
    assert all(150 <= count <= 250 for count in seen.values()), seen  # 200 each expected; 5 sigma is about ±68


def test_a_published_line_reads_back_and_a_wrong_one_says_what_is_wrong() -> None:
    assert parse_line(LIST[0].line()) == LIST[0]
    assert parse_line("3|P8D3|5|") == LIST[2]
    for bad, says in (
        ("1|K7Q2|3", "number|token|party|dates"),
        ("x|K|3|", "whole numbers"),
        ("1|K|3|14-12-2026", "YYYY"),
    ):
        with pytest.raises(ValueError, match=re.escape(says)):
            parse_line(bad)
    with pytest.raises(ValueError):
        Registration(9, "a|b", 1, ()).line()
