"""A fair opening's draw: an order of pre-registered parties that neither the office nor an applicant can steer.

The procedure (version 1), which anyone can repeat from what is published:

1. When pre-registration opens, the office publishes `commitment = SHA-256("antrean-draw-v1:" + seed)`, where `seed`
   is 64 hexadecimal digits from the operating system's random source, kept secret until the draw.
2. When pre-registration closes, the list is frozen and published, one line per registration in the order of its
   number: `number|token|party size|date,date,...` (dates as YYYY-MM-DD; `token` lets an applicant find their line
   without it naming them). `digest = SHA-256` of those lines joined by "\n" (no newline at the end).
3. At the draw the seed is revealed, with the public beacon's value where one was fixed in advance (else nothing).
   `key = SHA-256(seed + ":" + digest + ":" + beacon)`, over the hexadecimal texts.
4. The random stream is `SHA-256(key + ":" + str(i))` for i = 0, 1, 2, …, each block read as four 64-bit
   big-endian numbers. The order is a Fisher–Yates shuffle of the numbers in list order: for i from n − 1 down to
   1, j is the next number of the stream below the largest multiple of i + 1 that fits in 64 bits (others are
   skipped, so each j is equally likely), taken modulo i + 1, and positions i and j are swapped.

The office cannot steer the order (the seed was fixed before anyone registered), nor an applicant (nobody knows the
seed before the list is frozen); a changed list, seed or order shows in `verify`.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

VERSION = "antrean-draw-v1"
_SPAN = 1 << 64


@dataclass(frozen=True, slots=True)
class Registration:
    """One line of the frozen list."""

    number: int
    token: str  # shown to the applicant, so they can find their line; says nothing of who they are
    party: int
    dates: tuple[date, ...]  # the dates the party would take, in its order of preference

    def line(self) -> str:
        if "|" in self.token or "\n" in self.token:
            raise ValueError("a token holds no separators")
        return f"{self.number}|{self.token}|{self.party}|{','.join(d.isoformat() for d in self.dates)}"


def parse_line(text: str) -> Registration:
    """A line of a published list; ValueError saying what is wrong with it."""
    parts = text.split("|")
    if len(parts) != 4:
        raise ValueError(f"not number|token|party|dates: {text!r}")
    number, token, party, dates = parts
    if not number.isdigit() or not party.isdigit():
        raise ValueError(f"the number and the party size are whole numbers: {text!r}")
    try:
        days = tuple(date.fromisoformat(d) for d in dates.split(",")) if dates else ()
    except ValueError:
        raise ValueError(f"dates are YYYY-MM-DD, comma-separated: {text!r}") from None
    return Registration(int(number), token, int(party), days)


def new_seed() -> str:
    return secrets.token_hex(32)


def commitment(seed: str) -> str:
    """What is published before anyone registers: the seed's hash, which binds the office to it."""
    return hashlib.sha256(f"{VERSION}:{seed}".encode()).hexdigest()


def list_text(registrations: Sequence[Registration]) -> str:
    """The frozen list as it is published, in the order of the registrations' numbers."""
    return "\n".join(r.line() for r in sorted(registrations, key=lambda r: r.number))


def digest(registrations: Sequence[Registration]) -> str:
    return digest_of(list_text(registrations))


def digest_of(listed: str) -> str:
    """The digest of a list as published (step 2)."""
    return hashlib.sha256(listed.encode()).hexdigest()


def _numbers(key: str) -> Iterator[int]:
    for block in range(1 << 62):
        raw = hashlib.sha256(f"{key}:{block}".encode()).digest()
        for k in range(0, 32, 8):
            yield int.from_bytes(raw[k : k + 8], "big")


def order(registrations: Sequence[Registration], seed: str, beacon: str = "") -> tuple[int, ...]:
    """The registration numbers in the order the draw gives them (step 4 above)."""
    numbers = [r.number for r in sorted(registrations, key=lambda r: r.number)]
    key = hashlib.sha256(f"{seed}:{digest(registrations)}:{beacon}".encode()).hexdigest()
    stream = _numbers(key)
    for i in range(len(numbers) - 1, 0, -1):
        bound = _SPAN - _SPAN % (i + 1)
        x = next(stream)
        while x >= bound:
            x = next(stream)
        j = x % (i + 1)
        numbers[i], numbers[j] = numbers[j], numbers[i]
    return tuple(numbers)


@dataclass(frozen=True, slots=True)
class PublishedDraw:
    """Everything published about one draw: enough for anyone to repeat it."""

    commitment: str
    digest: str
    listed: str  # the frozen list exactly as published: the digest is of this text
    registrations: tuple[Registration, ...]  # the same lines, read
    seed: str
    beacon: str
    order: tuple[int, ...]


class Finding(StrEnum):
    SEED = "seed"  # the seed revealed is not the one committed to
    LIST = "list"  # the list is not the one whose digest was published
    ORDER = "order"  # the order is not the draw of that list by that seed


def verify(draw: PublishedDraw) -> list[Finding]:
    """What does not match; an empty list when the draw is what the procedure gives."""
    found = []
    if commitment(draw.seed) != draw.commitment:
        found.append(Finding.SEED)
    numbers = [r.number for r in draw.registrations]
    canonical = list_text(draw.registrations) == draw.listed and len(set(numbers)) == len(numbers)
    if digest_of(draw.listed) != draw.digest or not canonical:
        found.append(Finding.LIST)  # changed since it was frozen, or not written as the procedure writes it
    if order(draw.registrations, draw.seed, draw.beacon) != draw.order:
        found.append(Finding.ORDER)
    return found
