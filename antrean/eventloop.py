"""The event loop every long-lived process runs on: uvloop (libuv's), where it installs.

A rush is thousands of small socket reads and writes (the webhook's POSTs, the Bot API, PostgreSQL, Redis), and
asyncio's own loop spends a fifth of a web worker's processor time scheduling them; on uvloop a webhook worker
on PostgreSQL and Redis used about 15 % less CPU an update (bench/webhook_rush.py). `antrean web` gets it from
uvicorn, which picks uvloop when it is installed; `antrean bot`, `antrean worker` and the demo get it here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    """asyncio.run, on uvloop where it is installed (it is not built for Windows)."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - every Linux and macOS install has it
        return asyncio.run(main)
    return uvloop.run(main)
