"""Time to render an office's printed daily list: 150 applicants in ten slots, A4 pages with header and footer.

The day is full and varied like a real one: bookings of one to five, both application types, long names, a hold
not yet confirmed in each slot, a third of the applicants already checked in. Each run renders the whole PDF
(`render_daily_list`: layout, drawing, compression). Prints median, p95 and p99 in milliseconds, the page count
and size, and ends with one JSON line of the figures.

    .venv/bin/python bench/daily_list_pdf.py [--runs 200] [--applicants 150]
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import sys
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pypdf

from bench import milliseconds, shipped_office
from core.documents.daily_list import (
    DailyList,
    ListedApplicant,
    ListedBooking,
    ListedSlot,
    render_daily_list,
)
from core.domain.booking import new_booking_code
from core.domain.identity import mask_number
from web.daily_list import daily_list_labels
from web.i18n import load_translations

# The words staff see, from the Indonesian catalog, as the page's PDF download prints them.
LABELS = daily_list_labels(load_translations()["id"].gettext)

NAMES = (
    "Budi Santoso",
    "Sri Wahyuni",
    "Putri Ayu Lestari",
    "Raden Ajeng Siti Nurhaliza Kusumawardhani Prameswari",
    "Agus Salim",
    "Muhammad Rizky Pratama",
    "Dewi Kartika Sari",
    "I Gusti Ngurah Agung Bagus Wiratama Putra",
)
PARTIES = (1, 3, 2, 5, 1, 4, 2, 1, 3, 2)  # cycled; sums to 24 per ten bookings
DAY = date(2026, 11, 30)


def make_day(applicants: int) -> DailyList:
    """A day of `applicants` in ten hourly slots from 08:00, bookings cut from PARTIES."""
    per_slot = -(-applicants // 10)
    slots = []
    queue_no = 0
    party_no = 0
    for hour in range(8, 18):
        bookings = []
        in_slot = 0
        while in_slot < per_slot and queue_no < applicants:
            size = min(PARTIES[party_no % len(PARTIES)], per_slot - in_slot, applicants - queue_no)
            party_no += 1
            party = []
            for position in range(1, size + 1):
                queue_no += 1
                nik = f"3174016711{queue_no:06d}"
                arrived = datetime(2026, 11, 30, hour - 7, 5, tzinfo=UTC) + timedelta(minutes=position)
                party.append(
                    ListedApplicant(
                        position=position,
                        queue_no=queue_no,
                        full_name=NAMES[queue_no % len(NAMES)],
                        nik=mask_number(nik),
                        application_type="replacement" if queue_no % 4 == 0 else "new",
                        checked_in_at=arrived if queue_no % 3 == 0 else None,
                    )
                )
            in_slot += size
            held = not bookings and party_no % 2 == 0
            bookings.append(ListedBooking(new_booking_code(), "held" if held else "confirmed", tuple(party)))
        slots.append(ListedSlot(dtime(hour), dtime(hour + 1), per_slot, tuple(bookings)))
    return DailyList(
        office=shipped_office("JKT-SEL"),
        day=DAY,
        slots=tuple(slots),
        full_nik=False,
        printed_at=datetime(2026, 11, 29, 23, 45, tzinfo=UTC),
    )


def run(runs: int, applicants: int) -> dict[str, Any]:
    data = make_day(applicants)
    pdf = render_daily_list(data, LABELS, "id")  # warm-up: imports, font metrics, babel's locale data
    samples = []
    clock = time.perf_counter
    for _ in range(runs):
        t0 = clock()
        render_daily_list(data, LABELS, "id")
        samples.append(clock() - t0)
    return {
        "runs": runs,
        "applicants": applicants,
        "python": platform.python_version(),
        "render_ms": milliseconds(samples),
        "pages": len(pypdf.PdfReader(io.BytesIO(pdf)).pages),
        "pdf_bytes": len(pdf),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=200, help="renderings of the same list")
    p.add_argument("--applicants", type=int, default=150, help="applicants on the day")
    args = p.parse_args()
    figures = run(args.runs, args.applicants)
    s = figures["render_ms"]
    print(f"{args.runs} renderings of a {figures['applicants']}-applicant daily list, times in ms:")
    print(f"  median {s['median']:.2f} / p95 {s['p95']:.2f} / p99 {s['p99']:.2f}")
    print(f"  {figures['pages']} A4 pages, {figures['pdf_bytes']} bytes")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
