"""Benchmarks that print figures and end with one JSON line; here, what the render benchmarks share."""

from __future__ import annotations

import statistics

from core.domain.offices import Office
from core.services.offices import parse_offices_csv, shipped_offices_csv


def shipped_office(code: str) -> Office:
    """A real office of the catalogue that ships with the project: the documents show its name and address."""
    return next(o for o in parse_offices_csv(shipped_offices_csv()) if o.code == code)


def milliseconds(samples: list[float]) -> dict[str, float]:
    """Median, p95 and p99 of timings in seconds, in milliseconds to two places."""
    ordered = sorted(samples)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    return {
        "median": round(statistics.median(ordered) * 1000, 2),
        "p95": round(pct(95) * 1000, 2),
        "p99": round(pct(99) * 1000, 2),
    }
