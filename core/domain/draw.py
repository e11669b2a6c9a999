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
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from core.domain.errors import DomainError

VERSION = "antrean-draw-v1"
_SPAN = 1 << 64
# Registrations close this long before the opening, so the frozen list and its digest are public before the draw:
# anyone can check their line is in it while nobody (not even the office) can yet know the order.
FREEZE_BEFORE = timedelta(hours=2)
# The draw's dates open to everyone when the draw's offers are made; at the latest this long after the opening
# (were the worker down at the opening, the dates would not stay shut all weekend).
OPEN_AT_LATEST = timedelta(hours=1)


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


class DrawState(StrEnum):
    OPEN = "open"  # taking registrations; the commitment is public
    FROZEN = "frozen"  # registrations closed; the numbered list and its digest are public
    DRAWN = "drawn"  # drawn at the opening; the seed and the order are public, the offers made


@dataclass(frozen=True, slots=True)
class Draw:
    """One office's draw for one weekly opening."""

    id: int
    office_id: int
    opens_at: datetime
    closes_at: datetime
    days: tuple[date, ...]  # the dates the opening releases
    commitment: str
    state: DrawState
    created_at: datetime
    digest: str | None = None
    listed: str | None = None
    seed: str | None = None  # None until the draw: then it is published
    beacon: str = ""
    order: tuple[int, ...] | None = None

    def registering(self, now: datetime) -> bool:
        return self.state is DrawState.OPEN and now < self.closes_at

    def published(self) -> PublishedDraw | None:
        """What anyone may check, once drawn."""
        if self.state is not DrawState.DRAWN or self.seed is None or self.listed is None or self.digest is None:
            return None
        lines = tuple(parse_line(x) for x in self.listed.split("\n")) if self.listed else ()
        return PublishedDraw(self.commitment, self.digest, self.listed, lines, self.seed, self.beacon, self.order or ())


@dataclass(frozen=True, slots=True)
class DrawEntry:
    """A party's pre-registration: numbered when the list is frozen."""

    id: int
    draw_id: int
    account_id: int
    token: str
    party: tuple[int, ...]  # applicant ids, the owner first
    kinds: tuple[str, ...]
    first_day: date
    last_day: date
    registered_at: datetime
    number: int | None = None
    waitlist_id: int | None = None

    def registration(self, days: Sequence[date]) -> Registration:
        """Its line of the frozen list: the draw's dates it would take, earliest first."""
        assert self.number is not None
        wanted = tuple(d for d in days if self.first_day <= d <= self.last_day)
        return Registration(self.number, self.token, len(self.party), wanted)


def new_token() -> str:
    """What an applicant looks for in the published list: ten hexadecimal digits, naming nobody."""
    return secrets.token_hex(5).upper()


def allocate(
    drawn: Sequence[int], parties: Mapping[int, Registration], room: Mapping[date, Sequence[tuple[int, int]]]
) -> list[tuple[int, int]]:
    """Places for the drawn parties, in the draw's order: each takes the earliest slot with room for the whole party
    on the first of its dates that has one. `room`: per date, (slot id, free places) by arrival time.
    Returns (registration number, slot id) for each party placed; the others wait for places that come free."""
    free = {day: [[slot, left] for slot, left in slots] for day, slots in room.items()}
    placed = []
    for number in drawn:
        wanted = parties[number]
        for day in wanted.dates:
            spot = next((s for s in free.get(day, ()) if s[1] >= wanted.party), None)
            if spot is not None:
                spot[1] -= wanted.party
                placed.append((number, spot[0]))
                break
    return placed


class RegistrationClosed(DomainError):
    """The office takes no pre-registrations now: none open, or they closed at `closes_at`."""

    code = "registration_closed"

    def __init__(self, closes_at: datetime | None = None) -> None:
        super().__init__()
        self.closes_at = closes_at


class AlreadyRegistered(DomainError):
    """One registration per account and draw."""

    code = "already_registered"


class RegisteredElsewhere(DomainError):
    """A family is in one draw still to come, and waits nowhere else meanwhile: at the draw it joins that office's
    waiting list, and a family waits in one list at a time."""

    code = "registered_elsewhere"


class NikAlreadyRegistered(DomainError):
    """Someone of the party (`position`, 1-based) is in another party's registration for this draw."""

    code = "nik_already_registered"

    def __init__(self, position: int) -> None:
        super().__init__()
        self.position = position


class DatesNotInDraw(DomainError):
    """The dates chosen are not among the dates the draw's opening releases."""

    code = "dates_not_in_draw"


class NoDraw(DomainError):
    """The office has never opened by draw."""

    code = "no_draw"
