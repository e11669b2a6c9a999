"""An app served by uvicorn on a free port of 127.0.0.1, in the test's own loop, until the block ends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI


@asynccontextmanager
async def serving(app: FastAPI, port: int = 0) -> AsyncIterator[tuple[str, uvicorn.Server]]:
    """The app's base URL and its server (a test may set `should_exit` itself, as a deploy stops a worker)."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    running = asyncio.create_task(server.serve())
    try:
        while not server.started:
            assert not running.done(), "the web app did not start"
            await asyncio.sleep(0.02)
        bound = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{bound}", server
    finally:
        server.should_exit = True
        await running
