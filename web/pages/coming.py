"""A place kept for the help desk (its own issue): a page saying what will be there."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from web.deps import PageStaff
from web.i18n import translator
from web.pages.common import N_, render

router = APIRouter()

# (path, navigation name, title, text); marked for extraction with N_, translated when the page is shown.
_PLACES = (
    (
        "/support",
        "support",
        N_("Help desk"),
        N_("Questions from applicants that the FAQ could not answer will be listed here."),
    ),
)


def _placeholder(path: str, nav: str, title: str, text: str) -> None:
    @router.get(path, name=nav)
    async def coming(request: Request, member: PageStaff) -> Response:
        _ = translator(request)
        return render(request, "coming.html", member, nav=nav, title=_(title), text=_(text))


for _place in _PLACES:
    _placeholder(*_place)
