"""`antrean web` behind a proxy or not: forwarded addresses count only from the proxies a setting names."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bench.workers import free_port
from tests.conftest import SECRET

ROOT = Path(__file__).resolve().parents[2]


def _wrong_passwords_from_rotating_addresses(sqlite_template: Path, tmp_path: Path, **env: str) -> list[int]:
    """Six wrong passwords for one name, each claiming another address; the statuses `antrean web` answered."""
    path = tmp_path / "web.sqlite3"
    shutil.copy(sqlite_template, path)
    port = free_port()
    web = subprocess.Popen(
        [sys.executable, "-m", "antrean", "web"],
        cwd=ROOT,
        env={
            **os.environ,
            "ANTREAN_DATABASE_URL": f"sqlite:///{path}",
            "ANTREAN_ENVIRONMENT": "test",
            "ANTREAN_SECRET_KEY": SECRET,
            "ANTREAN_WEB_PORT": str(port),
            **env,
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "antrean web did not start"
                    time.sleep(0.1)
            statuses = []
            for i in range(6):
                response = client.post(
                    "/api/token",
                    data={"username": "admin", "password": f"not-it-{i}"},
                    headers={"X-Forwarded-For": f"203.0.113.{i + 1}"},
                )
                statuses.append(response.status_code)
            return statuses
    finally:
        web.terminate()
        web.wait(timeout=20)


def test_a_client_cannot_escape_the_sign_in_throttle_by_claiming_other_addresses(
    sqlite_template: Path, tmp_path: Path
) -> None:
    statuses = _wrong_passwords_from_rotating_addresses(sqlite_template, tmp_path)
    assert statuses == [401] * 5 + [429]


@pytest.mark.parametrize("trusted", ["127.0.0.1", "*"])
def test_behind_a_named_proxy_each_forwarded_address_counts_on_its_own(
    sqlite_template: Path, tmp_path: Path, trusted: str
) -> None:
    statuses = _wrong_passwords_from_rotating_addresses(sqlite_template, tmp_path, ANTREAN_FORWARDED_ALLOW_IPS=trusted)
    assert statuses == [401] * 6
