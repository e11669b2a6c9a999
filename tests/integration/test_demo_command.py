"""`antrean demo`, the README's first command, as a newcomer runs it: it starts, says where to go, and stops cleanly."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx


def test_the_demo_starts_everything_prints_its_addresses_and_logins_and_stops_on_sigterm(tmp_path: Path) -> None:
    real = tmp_path / "real.sqlite3"
    env = {**os.environ, "ANTREAN_DATABASE_URL": f"sqlite:///{real}", "ANTREAN_ENVIRONMENT": "development"}
    env.pop("ANTREAN_BOT_TOKEN", None)  # the demo needs none
    demo = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "antrean",
            "demo",
            "--port",
            "0",
            "--standin-port",
            "0",
            "--database",
            f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        ],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert demo.stdout is not None
        printed: list[str] = []
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = demo.stdout.readline()
            assert line, "the demo ended early:\n" + "".join(printed)
            printed.append(line)
            if line.startswith("Stop with Ctrl-C."):
                break
        text = "".join(printed)
        playground = re.search(r"(http://127\.0\.0\.1:\d+/playground)", text)
        assert playground is not None, text
        assert "login admin / coba-antrean-demo" in text and "login loket / coba-antrean-demo" in text
        assert "JKT-SEL" in text and "DPS" in text and "JYP" in text
        page = httpx.get(playground.group(1), timeout=10)
        assert page.status_code == 200 and "<html" in page.text
        login = httpx.get(playground.group(1).replace("/playground", "/login"), timeout=10)
        assert login.status_code == 200
    finally:
        demo.send_signal(signal.SIGTERM)
        code = demo.wait(timeout=30)
    assert code == 0
    assert (tmp_path / "demo.sqlite3").exists() and not real.exists()  # never the database the environment names


def test_the_demo_refuses_a_production_configuration_and_touches_no_database(tmp_path: Path) -> None:
    real = tmp_path / "real.sqlite3"
    env = {
        **os.environ,
        "ANTREAN_DATABASE_URL": f"sqlite:///{real}",
        "ANTREAN_ENVIRONMENT": "production",
        "ANTREAN_SECRET_KEY": "a-real-production-secret-0123456789",
    }
    done = subprocess.run(
        [sys.executable, "-m", "antrean", "demo", "--port", "0", "--standin-port", "0"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and not real.exists()
    assert (
        done.stderr.strip() == "antrean demo: the demo refuses ANTREAN_ENVIRONMENT=production: it plants known logins"
    )
