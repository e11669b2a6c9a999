"""The daily list as a PDF download, in the staff member's language: shared by the page and the API."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from fastapi import Request
from fastapi.responses import Response

from core.documents.daily_list import DailyList, DailyListLabels, render_daily_list
from web.i18n import language_of, translator


def labels_for(request: Request) -> DailyListLabels:
    return daily_list_labels(translator(request))


def daily_list_labels(_: Callable[[str], str]) -> DailyListLabels:
    """The list's words through this gettext."""
    return DailyListLabels(
        title=_("Expected applicants"),
        printed=_("Printed {when}"),
        times_in=_("All times in {zone}"),
        queue=_("No."),
        booking_code=_("Booking code"),
        name=_("Name"),
        nik=_("NIK"),
        application_type=_("Type"),
        check_in=_("Arrived"),
        type_new=_("New"),
        type_replacement=_("Replacement"),
        held=_("Not confirmed yet"),
        # "applicants: 3" reads right for one and for many, in both languages, without plural forms.
        applicants=_("applicants: {n}"),
        capacity=_("quota {n}"),
        continued=_("(continued)"),
        empty=_("Nobody has booked this day."),
        page=_("Page {page} of {pages}"),
    )


async def daily_list_pdf(request: Request, listing: DailyList) -> Response:
    """The PDF, rendered off the event loop (a long list takes tens of milliseconds)."""
    pdf = await asyncio.to_thread(render_daily_list, listing, labels_for(request), language_of(request))
    name = f"daftar-{listing.office.code}-{listing.day.isoformat()}.pdf"
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'})
