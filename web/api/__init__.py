"""The staff JSON API under /api (documented by the OpenAPI schema at /openapi.json): one module per resource.

Each route parses with pydantic (web/api/schemas.py, web/api/fields.py), calls one use case and renders its DTO
into a response model; the engine's refusals propagate and web/staff_app.py turns them into
{"error": code, "detail": text} with web/errors.py's status. Dates and times of day are the office's own
("2026-11-30", "08:00"); instants carry their offset.
"""

from __future__ import annotations

from fastapi import APIRouter

from web.api import account, audit, broadcasts, checkin, daily_list, draws, offices, quota, staff, token


def api_router() -> APIRouter:
    """Every API route under /api, in the order the OpenAPI document lists them."""
    router = APIRouter(prefix="/api")
    for part in (token, account, offices, quota, daily_list, checkin, broadcasts, draws, staff, audit):
        router.include_router(part.router)
    return router
