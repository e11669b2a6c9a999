"""For load balancers and orchestrators: /healthz (the process answers) and /readyz (it can serve: its database and,
when configured, Redis answer). Neither needs a sign-in; neither says more than ok or what is down."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

log = logging.getLogger(__name__)

# A check that takes longer than this counts as down: a load balancer asks again in a few seconds anyway.
CHECK_SECONDS = 2.0

Check = Callable[[], Awaitable[object]]


def health_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/healthz")
    async def alive() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz")
    async def ready(request: Request) -> JSONResponse:
        checks: dict[str, Check] = getattr(request.app.state, "ready_checks", {})
        if not checks:  # still starting, or stopping
            return JSONResponse({"status": "starting"}, status_code=503)
        results = await asyncio.gather(*(_passes(name, check) for name, check in checks.items()))
        down = [name for name, ok in zip(checks, results, strict=True) if not ok]
        body = {"status": "down" if down else "ok", **{name: "down" if name in down else "ok" for name in checks}}
        return JSONResponse(body, status_code=503 if down else 200)

    return router


async def _passes(name: str, check: Check) -> bool:
    try:
        await asyncio.wait_for(check(), CHECK_SECONDS)
    except Exception as exc:  # whatever the driver raises: down, and the log says why
        log.warning("readiness: %s is down: %s", name, exc.__class__.__name__)
        return False
    return True
