"""The rush's fast paths are installed and taken: uvloop, httptools and hiredis (antrean/eventloop.py says why)."""

from __future__ import annotations

import asyncio

import pytest
import redis.utils
import uvicorn.config
import uvloop
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from antrean import eventloop


def test_a_long_lived_process_runs_on_uvloop() -> None:
    async def running_loop() -> asyncio.AbstractEventLoop:
        return asyncio.get_running_loop()

    assert isinstance(eventloop.run(running_loop()), uvloop.Loop)


def test_a_long_lived_process_returns_what_its_main_returns_and_raises_what_it_raises() -> None:
    async def answer() -> int:
        return 42

    async def failing() -> None:
        raise LookupError("no such office")

    assert eventloop.run(answer()) == 42
    with pytest.raises(LookupError, match="no such office"):
        eventloop.run(failing())


def test_a_web_worker_parses_http_with_httptools_on_uvloop() -> None:
    async def app(scope: object, receive: object, send: object) -> None:  # pragma: no cover - never served
        pass

    config = uvicorn.config.Config(app, loop="auto", http="auto")  # what `antrean web` leaves uvicorn to choose
    config.load()
    assert config.http_protocol_class is HttpToolsProtocol
    loop_factory = config.get_loop_factory()
    assert loop_factory is not None
    made = loop_factory()
    try:
        assert isinstance(made, uvloop.Loop)
    finally:
        made.close()


def test_redis_replies_are_parsed_by_hiredis() -> None:
    assert redis.utils.HIREDIS_AVAILABLE
