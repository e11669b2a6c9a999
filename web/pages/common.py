"""What the staff pages share: rendering, the day asked for, redirects after a form, the notice they show."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BeforeValidator, Field

from core.domain.calendar import FIRST_DAY, LAST_DAY
from core.domain.offices import Office
from core.domain.staff import StaffMember
from web.i18n import translator
from web.templating import Pages

# A date posted by a form: inside the dates the engine plans for, like the API's.
FormDay = Annotated[date, Form(ge=FIRST_DAY, le=LAST_DAY)]
# The day a page shows (`?day=2026-12-07`); absent or emptied in the date field: the office's today. A day that is
# no date is refused with a page saying so: showing today instead would put today's list in the hands of an
# officer who asked for another.
QueryDay = Annotated[
    Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY)] | None, BeforeValidator(lambda typed: typed or None), Query()
]


def N_(text: str) -> str:
    """gettext's mark for a text to extract now and translate when shown."""
    return text


def render(request: Request, template: str, member: StaffMember | None, **values: Any) -> HTMLResponse:
    """The page in the request's language (`status_code=` among the values sets the status)."""
    pages: Pages = request.app.state.pages
    return pages.render(request, template, member, **values)


def day_or_today(day: date | None, office: Office, now: datetime) -> date:
    """The day asked for, or the office's today."""
    return day if day is not None else office.today(now)


def back(path: str, **query: str) -> RedirectResponse:
    """Post/redirect/get: after a form, the page again, so a reload repeats nothing."""
    tail = "&".join(f"{k}={v}" for k, v in query.items())
    return RedirectResponse(f"{path}?{tail}" if tail else path, status_code=303)


def notice(request: Request) -> str | None:
    """The sentence for ?done=… after a form redirected back."""
    _ = translator(request)
    texts = {
        "capacity": _("Capacity saved."),
        "released": _("Released: applicants can book this date now."),
        "closed": _("The date is closed."),
        "broadcast_pause": _("Paused: nothing more goes out until you resume."),
        "broadcast_resume": _("Resumed: the rest goes out now."),
        "broadcast_cancel": _("Cancelled: what was not yet sent will not be."),
        "answered": _("Answer sent: it goes into the applicant's chat now."),
        "ticket_closed": _("Closed: the applicant is told, and may reopen it by replying within a few days."),
        "ticket_reopened": _("Reopened: it waits for an answer again."),
        "move_allowed": _(
            "Allowed: the applicant can now move this booking to another office, once, from My bookings. Tell "
            "them so in your answer."
        ),
        "faq_written": _("FAQ entry saved: the bot answers with it within a few seconds, in both languages."),
        "faq_retired": _("Retired: the bot no longer offers this entry."),
        "set_aside": _("Set aside: those questions are off this page."),
        "template": _("Slot template saved: releases from now on use it."),
        "opening": _("Saved: the office's next openings go the way chosen."),
        "staff": _("Staff account saved."),
        "signed_out": _("Signed out everywhere: that account must sign in again on every device."),
    }
    return texts.get(request.query_params.get("done", ""))
