"""The staff pages (server-rendered HTML with plain forms), one module per group of pages.

Each handler parses, calls one use case, and renders; a refusal from the engine is shown on the same page in
the officer's language, and nothing typed is lost (the form comes back filled).
"""

from __future__ import annotations

from fastapi import APIRouter

from web.pages import announcements, checkin, daily_list, faq_entries, helpdesk, login, offices, staff, template


def pages_router() -> APIRouter:
    """Every staff page, outside the OpenAPI document (it describes the JSON API)."""
    router = APIRouter(include_in_schema=False)
    for part in (login, offices, template, daily_list, checkin, announcements, faq_entries, helpdesk, staff):
        router.include_router(part.router, include_in_schema=False)
    return router
