"""Benchmarks that print figures and end with one JSON line; here, what the render benchmarks share."""

from __future__ import annotations

import statistics
import time

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


def machine_ms() -> float:
    """CPU milliseconds this machine takes for a fixed piece of pure Python (the best of three): the cores here
    are shared, and their speed drifts by a third within an hour. A figure in CPU time is comparable with
    another only beside this one, measured in the same run."""
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        total = 0
        for i in range(2_000_000):
            total += i
        best = min(best, time.process_time() - started)
    return round(best * 1000, 1)
