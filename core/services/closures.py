"""Which dates an office is closed: weekends, national holidays, collective leave, its own closures."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays

from core.domain.calendar import Closure, ClosureKind


@lru_cache(maxsize=16)
def _national(year: int) -> dict[date, Closure]:
    # Public holidays and the government's collective-leave days (cuti bersama), named in Indonesian.
    public = holidays.country_holidays("ID", years=year, categories=("public",), language="id")
    leave = holidays.country_holidays("ID", years=year, categories=("government",), language="id")
    out = {d: Closure(ClosureKind.COLLECTIVE_LEAVE, str(name)) for d, name in leave.items()}
    out.update({d: Closure(ClosureKind.HOLIDAY, str(name)) for d, name in public.items()})
    return out


def closures_between(first: date, last: date, office_closures: dict[date, str]) -> dict[date, Closure]:
    """Every closed date in [first, last] apart from weekends, the office's own reasons winning."""
    out: dict[date, Closure] = {}
    for year in range(first.year, last.year + 1):
        out.update({d: c for d, c in _national(year).items() if first <= d <= last})
    out.update({d: Closure(ClosureKind.OFFICE, reason) for d, reason in office_closures.items()})
    return out


def warm_up(today: date) -> None:
    """Loads the holiday calendars of this year and the next before the first applicant needs them.

    The `holidays` package imports its countries and computes lunar-calendar dates on first use: a few
    hundred milliseconds that would otherwise fall on whoever opens the first calendar at 14:00.
    """
    _national(today.year)
    _national(today.year + 1)
