"""Every benchmark under bench/ runs with tiny arguments and ends with its JSON line, so none breaks unnoticed.

These check that a benchmark works, not how fast anything is: speed is for the benchmarks themselves to print.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"

TINY = {
    "bot_rush.py": ["--applicants", "20", "--places", "15", "--think", "0", "--broadcast", "30", "--rounds", "1"],
    "broadcast.py": ["--subscribers", "30", "--paid-subscribers", "60"],
    "daily_list_pdf.py": ["--runs", "3", "--applicants", "10"],
    "engine_rush.py": ["--db", "both", "--places", "200", "--rounds", "1"],
    "fair_opening.py": ["--parties", "60", "--offices", "2", "--capacity", "1"],
    "faq_accuracy.py": ["--repeat", "1"],
    "proof_pdf.py": ["--proofs", "3"],
    # (a) and (b): the kill run takes a minute more on a loaded machine; the kill itself is tested in
    # tests/integration/test_webhook_workers.py.
    "webhook_rush.py": [
        "--applicants",
        "30",
        "--places",
        "20",
        "--think",
        "0",
        "--configs",
        "a,b",
        "--capacity-seconds",
        "0.5",
    ],
}
NEEDS_POSTGRES = {"engine_rush.py", "webhook_rush.py"}
HELPERS = {"__init__.py", "workers.py"}  # modules the benchmarks share, not benchmarks


def test_every_benchmark_has_its_tiny_arguments_here() -> None:
    assert {p.name for p in BENCH.glob("*.py") if p.name not in HELPERS} == set(TINY)


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=[pytest.mark.postgres] if n in NEEDS_POSTGRES else []) for n in sorted(TINY)]
)
def test_the_benchmark_runs_with_tiny_arguments_and_ends_with_a_json_line_of_its_figures(
    name: str, request: pytest.FixtureRequest
) -> None:
    if name in NEEDS_POSTGRES:
        request.getfixturevalue("postgres_url")  # skips, or fails in CI, with the reason when there is no server
    done = subprocess.run(
        [sys.executable, str(BENCH / name), *TINY[name]], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert isinstance(figures, dict) and figures
    # A benchmark that still prints figures while its simulated users fail measures nothing: none may fail, and
    # no message may go missing.
    assert figures.get("failed", 0) == 0 and figures.get("oversold", 0) == 0, done.stdout[-2000:]
    assert figures.get("missing", 0) == 0, done.stdout[-2000:]


def test_the_engine_rush_default_of_twenty_thousand_places_fits_the_slot_capacity_rule() -> None:
    sys.path.insert(0, str(ROOT))
    from bench.engine_rush import rush_office

    assert sum(s.capacity for s in rush_office(20_000).slots) == 20_000  # InvalidOffice before
