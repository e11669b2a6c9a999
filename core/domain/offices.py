"""Offices, their zones, working days, arrival slots and the weekly release window."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from core.domain.errors import DomainError


class OfficeKind(StrEnum):
    KANIM = "kanim"  # Kantor Imigrasi
    ULP = "ulp"  # Unit Layanan Paspor
    MPP = "mpp"  # passport counter in a Mal Pelayanan Publik


# Indonesia has three zones; every date and time shown to people carries one of these labels.
ZONE_LABELS: dict[str, str] = {
    "Asia/Jakarta": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class InvalidOffice(DomainError):
    code = "invalid_office"

    def __init__(self, field_name: str, value: object) -> None:
        self.field_name = field_name
        self.value = value
        super().__init__(f"{field_name}={value!r}")


# More than any counter serves in an hour: a typo (2000 for 20) is refused instead of opening places nobody can serve.
MAX_SLOT_CAPACITY = 1000


def check_capacity(capacity: int) -> None:
    """A slot takes 0 to MAX_SLOT_CAPACITY applicants; InvalidOffice("capacity") otherwise."""
    if not 0 <= capacity <= MAX_SLOT_CAPACITY:
        raise InvalidOffice("capacity", capacity)


@dataclass(frozen=True, slots=True)
class SlotTime:
    """One arrival window of a day, with how many applicants it takes by default."""

    start: time
    end: time
    capacity: int

    def __post_init__(self) -> None:
        if not self.start < self.end:
            raise InvalidOffice("slot", f"{self.start}-{self.end}")
        check_capacity(self.capacity)

    @property
    def label(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


def default_slot_template() -> tuple[SlotTime, ...]:
    """Hourly arrival windows 08:00–15:00 with a lunch break, 20 applicants each."""
    hours = (8, 9, 10, 11, 13, 14)
    return tuple(SlotTime(time(h), time(h + 1), 20) for h in hours)


@dataclass(frozen=True, slots=True)
class ReleasePolicy:
    """When the weekly booking window opens and closes, in the office's local time."""

    opens_weekday: int = 4  # Friday
    opens_at: time = time(14, 0)
    closes_weekday: int = 6  # Sunday
    closes_at: time = time(16, 0)

    def __post_init__(self) -> None:
        for name in ("opens_weekday", "closes_weekday"):
            if not 0 <= getattr(self, name) <= 6:
                raise InvalidOffice(name, getattr(self, name))
        if self._length() <= timedelta(0):
            raise InvalidOffice("release_window", "closes before it opens")

    def _length(self) -> timedelta:
        days = (self.closes_weekday - self.opens_weekday) % 7
        return timedelta(days=days) + _delta(self.closes_at) - _delta(self.opens_at)

    def window_opening_on_or_before(self, local: datetime) -> tuple[datetime, datetime]:
        """The latest window that opened at or before `local` (which may have closed already)."""
        back = (local.weekday() - self.opens_weekday) % 7
        opens = datetime.combine(local.date() - timedelta(days=back), self.opens_at, local.tzinfo)
        if opens > local:
            opens -= timedelta(days=7)
        return opens, opens + self._length()

    def next_window(self, local: datetime) -> tuple[datetime, datetime]:
        """The window open at `local`, or else the next one to open."""
        opens, closes = self.window_opening_on_or_before(local)
        if local < closes:
            return opens, closes
        return opens + timedelta(days=7), closes + timedelta(days=7)


@dataclass(frozen=True, slots=True)
class AlertPolicy:
    """How an office's subscribers hear of its weekly opening."""

    # A notice this long before the opening, then the alert at it: 20,000 alerts at Telegram's 30 a second take
    # eleven minutes, so the notice is what lets everyone be there at the moment itself.
    lead_minutes: int = 30
    paid: bool = False  # opening alerts as Telegram paid broadcasts: up to 1,000 a second instead of 30

    def __post_init__(self) -> None:
        if not 0 <= self.lead_minutes <= 1440:
            raise InvalidOffice("alert_lead_minutes", self.lead_minutes)

    @property
    def lead(self) -> timedelta:
        return timedelta(minutes=self.lead_minutes)


def _delta(t: time) -> timedelta:
    return timedelta(hours=t.hour, minutes=t.minute, seconds=t.second)


@dataclass(frozen=True, slots=True)
class Office:
    """An immigration office, passport unit or public-service-mall counter."""

    code: str
    kind: OfficeKind
    name: str
    kanwil: str
    province: str
    city: str
    address: str
    timezone: str
    working_days: frozenset[int] = frozenset(range(5))  # Monday–Friday
    slots: tuple[SlotTime, ...] = field(default_factory=default_slot_template)
    release: ReleasePolicy = ReleasePolicy()
    alerts: AlertPolicy = AlertPolicy()
    fair_opening: bool = False  # each weekly opening's places go by a draw among pre-registered parties
    id: int | None = None

    def __post_init__(self) -> None:
        if self.timezone not in ZONE_LABELS:
            raise InvalidOffice("timezone", self.timezone)
        if not self.code or self.code != self.code.strip().upper():
            raise InvalidOffice("code", self.code)  # codes are looked up upper-case
        if not self.name:
            raise InvalidOffice("name", self.name)
        if not self.working_days or any(not 0 <= d <= 6 for d in self.working_days):
            raise InvalidOffice("working_days", sorted(self.working_days))
        starts = [s.start for s in self.slots]
        if len(set(starts)) != len(starts):
            raise InvalidOffice("slots", "two slots start at the same time")
        ordered = sorted(self.slots, key=lambda s: s.start)
        for earlier, later in itertools.pairwise(ordered):
            # An applicant given 08:30–09:30 beside 08:00–09:00 would be counted in two quotas for one hour.
            if later.start < earlier.end:
                raise InvalidOffice("slot_overlap", f"{earlier.label} and {later.label}")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def zone_label(self) -> str:
        return ZONE_LABELS[self.timezone]

    def matches(self, query: str) -> bool:
        """Whether the city, province, name or code contains the typed query, in any case."""
        needle = query.strip().lower()
        return any(needle in field.lower() for field in (self.city, self.province, self.name, self.code))

    def local(self, instant: datetime) -> datetime:
        """`instant` as wall-clock time at this office."""
        return instant.astimezone(self.zone)

    def today(self, instant: datetime) -> date:
        return self.local(instant).date()

    def at(self, day: date, wall: time) -> datetime:
        """The instant of a wall-clock time on a day at this office."""
        return datetime.combine(day, wall, self.zone)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.working_days

    def dates_released_by_window(self, window_opens: datetime) -> list[date]:
        """The working days of the week after the window: what a weekly release opens."""
        local_open = self.local(window_opens).date()
        next_monday = local_open + timedelta(days=7 - local_open.weekday())
        week = (next_monday + timedelta(days=i) for i in range(7))
        return [d for d in week if self.is_working_day(d)]


def parse_working_days(text: str) -> frozenset[int]:
    """'mon-fri' or 'mon,tue,thu' into weekday numbers."""
    days: set[int] = set()
    for part in text.lower().replace(" ", "").split(","):
        if not part:
            continue
        first, _, last = part.partition("-")
        try:
            a = WEEKDAYS.index(first)
            b = WEEKDAYS.index(last) if last else a
        except ValueError:
            raise InvalidOffice("working_days", text) from None
        days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    if not days:
        raise InvalidOffice("working_days", text)
    return frozenset(days)


def format_working_days(days: frozenset[int]) -> str:
    return ",".join(WEEKDAYS[d] for d in sorted(days))
