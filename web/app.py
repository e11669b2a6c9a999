"""The web app: the Telegram webhook now; the staff API and pages join it (see the staff-web issue)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from fastapi import APIRouter, FastAPI

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def create_app(*routers: APIRouter, lifespan: Lifespan | None = None) -> FastAPI:
    app = FastAPI(title="Antrean", lifespan=lifespan)

    @app.get("/health")
    async def health() -> dict[str, str]:
        """For a load balancer: the process answers."""
        return {"status": "ok"}

    for router in routers:
        app.include_router(router)
    return app
