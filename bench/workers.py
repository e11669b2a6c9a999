"""Web workers in processes of their own, as `antrean web` runs them, on a clock of the caller's choosing: for the
benchmarks and the tests that feed several workers by webhook (and kill one)."""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import signal
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx


def free_port() -> int:
    """A port nothing listens on now (bound, then let go)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_web_worker(env: dict[str, str], now: str | None, cpu: Any = None) -> None:
    """The process: settings from `env` (ANTREAN_*), the clock fixed at `now` (ISO) or the system's. With `cpu` (a
    shared double), it writes there the processor time it has spent, ten times a second (a killed worker's too)."""
    os.environ.update(env)
    import uvicorn

    from antrean.bootstrap import own_runtime, web_app_with
    from core.clock import FixedClock, SystemClock
    from core.config import Settings

    settings = Settings()
    clock = FixedClock(datetime.fromisoformat(now)) if now else SystemClock()
    app = web_app_with(settings, own_runtime(settings, clock))
    if cpu is not None:

        def count() -> None:
            while True:
                cpu.value = time.process_time()  # the whole process's, every thread's
                time.sleep(0.1)

        threading.Thread(target=count, daemon=True).start()

    def serve() -> None:
        uvicorn.run(
            app, host="127.0.0.1", port=settings.web_port, log_level="warning", access_log=False,
            timeout_graceful_shutdown=10,
        )  # fmt: skip

    profile = os.environ.get("BENCH_PROFILE")  # a file: the worker's cProfile, written when it stops
    if profile:
        import cProfile
        import sys

        # uvicorn stops gracefully on SIGTERM, then raises it again: as SystemExit here, so the profile is written.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

        cProfile.runctx("serve()", globals(), {"serve": serve}, f"{profile}.{os.getpid()}")
    else:
        serve()


@dataclass
class Worker:
    process: Any  # multiprocessing.Process
    url: str
    cpu: Any

    @property
    def pid(self) -> int:
        return int(self.process.pid)

    def kill(self) -> None:
        """kill -9: no shutdown, nothing finished, nothing given back; and its own processes (the proof renderer), as
        when a machine or a container goes, so that none lives on holding the caller's output open."""
        children = _children(self.pid)
        self.process.kill()
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)
        self.process.join(10)

    def stop(self) -> None:
        """SIGTERM, as a deploy stops a worker: it finishes the updates it holds first."""
        if self.process.is_alive():
            self.process.terminate()
        self.process.join(60)
        if self.process.is_alive():
            self.kill()


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (Linux's /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def start_worker(env: dict[str, str], port: int, now: datetime | None = None) -> Worker:
    spawn = multiprocessing.get_context("spawn")
    cpu = spawn.Value("d", 0.0)
    process = spawn.Process(
        target=serve_web_worker,
        args=({**env, "ANTREAN_WEB_PORT": str(port)}, now.isoformat() if now else None, cpu),
    )  # not a daemon: it starts a process of its own to render proofs
    process.start()
    return Worker(process, f"http://127.0.0.1:{port}", cpu)


async def ready(worker: Worker, timeout: float = 60.0) -> None:  # noqa: ASYNC109
    """Waits until the worker answers its health check."""
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            if not worker.process.is_alive():
                raise RuntimeError(f"the worker at {worker.url} stopped as it started")
            try:
                if (await client.get(worker.url + "/healthz", timeout=1.0)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise TimeoutError(f"the worker at {worker.url} did not start")
