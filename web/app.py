"""The FastAPI app every web process serves: health checks, the routers it is given, the API's documentation."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from fastapi import APIRouter, FastAPI
from fastapi_offline import FastAPIOffline

from web.health import health_router

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def create_app(*routers: APIRouter, lifespan: Lifespan | None = None) -> FastAPI:
    # The API's documentation pages with Swagger UI's and ReDoc's files served by us, not by a CDN: they load
    # offline, and the staff pages' policy needs no other site.
    app = FastAPIOffline(title="Antrean", lifespan=lifespan)
    app.include_router(health_router())
    for router in routers:
        app.include_router(router)
    return app
