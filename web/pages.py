"""The staff pages (server-rendered HTML with plain forms): offices, a day's live view, the daily list, check-in.

Each handler parses, calls one use case, and renders; a refusal from the engine is shown on the same page in
the officer's language, and nothing typed is lost (the form comes back filled).
"""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from core.domain.booking import ApplicationType
from core.domain.calendar import FIRST_DAY, LAST_DAY
from core.domain.errors import DomainError
from core.domain.offices import MAX_SLOT_CAPACITY, Office, SlotTime
from core.domain.staff import InvalidStaffAccount, Permission, Role, StaffMember
from core.services import audit, checkin, office_day, quota, release, staff
from web.daily_list import daily_list_pdf
from web.deps import Ctx, FormStaff, PageStaff, WebContext
from web.errors import explain, problem_text, status_of
from web.i18n import translator
from web.templating import Pages


def N_(text: str) -> str:
    """gettext's mark for a text to extract now and translate when shown."""
    return text


# A date posted by a form: inside the dates the engine plans for, like the API's.
FormDay = Annotated[date, Form(ge=FIRST_DAY, le=LAST_DAY)]


def _pages(request: Request) -> Pages:
    pages: Pages = request.app.state.pages
    return pages


def _day(raw: str | None, office: Office, ctx: WebContext) -> date:
    """The day asked for, or the office's today; a malformed date falls back to today, never a 500."""
    if raw:
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            pass
        else:
            if FIRST_DAY <= day <= LAST_DAY:
                return day
    return office.today(ctx.now())


def _back(path: str, **query: str) -> RedirectResponse:
    tail = "&".join(f"{k}={v}" for k, v in query.items())
    return RedirectResponse(f"{path}?{tail}" if tail else path, status_code=303)


def _notice(request: Request) -> str | None:
    """The sentence for ?done=… after a form redirected back (post/redirect/get: a reload repeats nothing)."""
    _ = translator(request)
    texts = {
        "capacity": _("Capacity saved."),
        "released": _("Released: applicants can book this date now."),
        "closed": _("The date is closed."),
        "template": _("Slot template saved: releases from now on use it."),
        "staff": _("Staff account saved."),
    }
    return texts.get(request.query_params.get("done", ""))


def pages_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    async def home(request: Request, ctx: Ctx, member: PageStaff, q: str = "") -> Response:
        offices = await office_day.offices_of(ctx.reader(), member)
        if q.strip():
            offices = [o for o in offices if o.matches(q)]
        return _pages(request).render(request, "home.html", member, nav="home", offices=offices, q=q)

    # --- A day at an office: the live view and the quota forms -------------------------------------------------

    async def _board_page(
        request: Request, ctx: WebContext, member: StaffMember, code: str, day: date, **extra: Any
    ) -> Response:
        board = await office_day.day_board(ctx.reader(), member, code, day, ctx.now())
        office = board.office
        today = office.today(ctx.now())
        return _pages(request).render(
            request,
            "office_day.html",
            member,
            nav="home",
            board=board,
            office=office,
            day=day,
            today=today,
            prev_day=day - timedelta(days=1),
            next_day=day + timedelta(days=1),
            editable=member.may(Permission.MANAGE_QUOTA, office.id) and day > today,
            notice=extra.pop("notice", None) or _notice(request),
            **extra,
        )

    @router.get("/offices/{code}")
    async def office_page(request: Request, ctx: Ctx, member: PageStaff, code: str, day: str | None = None) -> Response:
        office = await office_day.find_office(ctx.reader(), member, code)
        return await _board_page(request, ctx, member, office.code, _day(day, office, ctx))

    async def _quota_change(
        request: Request, ctx: WebContext, member: StaffMember, code: str, day: date, change: Any, done: str
    ) -> Response:
        try:
            await change
        except DomainError as err:
            return await _board_page(
                request, ctx, member, code, day, error=explain(err, translator(request)), status_code=status_of(err)
            )
        return _back(f"/offices/{code}", day=day.isoformat(), done=done)

    @router.post("/offices/{code}/capacity")
    async def set_capacity(
        request: Request,
        ctx: Ctx,
        member: FormStaff,
        code: str,
        day: FormDay,
        start: Annotated[time, Form()],
        capacity: Annotated[int, Form(ge=0, le=MAX_SLOT_CAPACITY)],
    ) -> Response:
        change = quota.set_capacity(ctx.uow(), code, day, start, capacity, ctx.now(), actor=member)
        return await _quota_change(request, ctx, member, code, day, change, "capacity")

    @router.post("/offices/{code}/release")
    async def release_day(request: Request, ctx: Ctx, member: FormStaff, code: str, day: FormDay) -> Response:
        change = release.release_by_hand(ctx.uow(), code, [day], ctx.now(), actor=member)
        return await _quota_change(request, ctx, member, code, day, change, "released")

    @router.post("/offices/{code}/close")
    async def close_day(
        request: Request,
        ctx: Ctx,
        member: FormStaff,
        code: str,
        day: FormDay,
        reason: Annotated[str, Form(max_length=200)] = "",
    ) -> Response:
        change = quota.close_date(ctx.uow(), code, day, reason, ctx.now(), actor=member)
        return await _quota_change(request, ctx, member, code, day, change, "closed")

    # --- The slot template ---------------------------------------------------------------------------------

    @router.get("/offices/{code}/template")
    async def template_page(request: Request, ctx: Ctx, member: PageStaff, code: str) -> Response:
        office = await office_day.find_office(ctx.reader(), member, code)
        member.require(Permission.MANAGE_QUOTA, office.id)
        rows = [(f"{s.start:%H:%M}", f"{s.end:%H:%M}", str(s.capacity)) for s in office.slots]
        return _pages(request).render(
            request,
            "template.html",
            member,
            nav="home",
            office=office,
            rows=rows + [("", "", "")] * 3,
            notice=_notice(request),
        )

    @router.post("/offices/{code}/template")
    async def save_template(request: Request, ctx: Ctx, member: FormStaff, code: str) -> Response:
        _ = translator(request)
        form = await request.form()
        starts, ends, caps = form.getlist("start"), form.getlist("end"), form.getlist("capacity")
        rows = [(str(a).strip(), str(b).strip(), str(c).strip()) for a, b, c in zip(starts, ends, caps, strict=False)]
        office = await office_day.find_office(ctx.reader(), member, code)
        slots: list[SlotTime] = []
        error = None
        for start, end, cap in rows:
            if not start and not end:
                continue  # an empty row, or a slot removed by clearing it
            try:
                slots.append(SlotTime(time.fromisoformat(start), time.fromisoformat(end), int(cap or "0")))
            except (ValueError, DomainError):
                error = _(
                    "Row {start}–{end}: write times as HH:MM, the end after the start, and a capacity of 0 to {n}."
                ).format(start=start or "?", end=end or "?", n=MAX_SLOT_CAPACITY)
                break
        if error is None and not slots:
            error = _("An office needs at least one slot.")
        if error is None:
            try:
                await quota.set_slot_template(ctx.uow(), code, slots, now=ctx.now(), actor=member)
            except DomainError as err:
                error = explain(err, _)
        if error is not None:
            return _pages(request).render(
                request, "template.html", member, nav="home", office=office, rows=rows, error=error, status_code=422
            )
        return _back(f"/offices/{office.code}/template", done="template")

    # --- The daily list --------------------------------------------------------------------------------------

    @router.get("/offices/{code}/list")
    async def list_page(request: Request, ctx: Ctx, member: PageStaff, code: str, day: str | None = None) -> Response:
        office = await office_day.find_office(ctx.reader(), member, code)
        chosen = _day(day, office, ctx)
        listing = await office_day.daily_list(ctx.reader(), ctx.runtime.vault, member, office.code, chosen, ctx.now())
        count = sum(len(b.applicants) for s in listing.slots for b in s.bookings)
        arrived = sum(1 for s in listing.slots for b in s.bookings for p in b.applicants if p.checked_in_at)
        return _pages(request).render(
            request,
            "daily_list.html",
            member,
            nav="home",
            office=office,
            listing=listing,
            day=chosen,
            prev_day=chosen - timedelta(days=1),
            next_day=chosen + timedelta(days=1),
            count=count,
            arrived=arrived,
            can_check_in=member.may(Permission.CHECK_IN, office.id),
        )

    @router.get("/offices/{code}/list.pdf")
    async def list_pdf(request: Request, ctx: Ctx, member: PageStaff, code: str, day: str | None = None) -> Response:
        office = await office_day.find_office(ctx.reader(), member, code)
        chosen = _day(day, office, ctx)
        listing = await office_day.daily_list(ctx.reader(), ctx.runtime.vault, member, office.code, chosen, ctx.now())
        return await daily_list_pdf(request, listing)

    # --- Check-in ------------------------------------------------------------------------------------------

    async def _checkin_offices(ctx: WebContext, member: StaffMember) -> list[Office]:
        return [o for o in await office_day.offices_of(ctx.reader(), member) if member.may(Permission.CHECK_IN, o.id)]

    async def _checkin_page(
        request: Request,
        ctx: WebContext,
        member: StaffMember,
        office_code: str | None,
        verdict: checkin.Verdict | None = None,
        text: str = "",
        **extra: Any,
    ) -> Response:
        _ = translator(request)
        offices = await _checkin_offices(ctx, member)
        chosen = office_code or (offices[0].code if offices else "")
        return _pages(request).render(
            request,
            "checkin.html",
            member,
            nav="checkin",
            offices=offices,
            office_code=chosen,
            verdict=verdict,
            problems=[problem_text(p, _) for p in verdict.problems] if verdict else [],
            text=text,
            types=list(ApplicationType),
            **extra,
        )

    @router.get("/checkin")
    async def checkin_page(
        request: Request, ctx: Ctx, member: PageStaff, office: str | None = None, code: str = ""
    ) -> Response:
        """The form; with ?code= (a link from the daily list) the booking is looked up at once."""
        member.require(Permission.CHECK_IN)
        if office and code.strip():
            verdict = await checkin.inspect(ctx.reader(), ctx.runtime.vault, member, office, code[:500], ctx.now())
            return await _checkin_page(request, ctx, member, office, verdict, code)
        return await _checkin_page(request, ctx, member, office)

    @router.post("/checkin")
    async def checkin_inspect(
        request: Request,
        ctx: Ctx,
        member: FormStaff,
        office: Annotated[str, Form(max_length=32)],
        text: Annotated[str, Form(max_length=500)],
    ) -> Response:
        verdict = await checkin.inspect(ctx.reader(), ctx.runtime.vault, member, office, text, ctx.now())
        return await _checkin_page(request, ctx, member, office, verdict, text)

    async def _after_change(
        request: Request, ctx: WebContext, member: StaffMember, office: str, code: str, change: Any, done: str
    ) -> Response:
        _ = translator(request)
        error = None
        try:
            await change
        except DomainError as err:
            error = explain(err, _)
        verdict = await checkin.inspect(ctx.reader(), ctx.runtime.vault, member, office, code, ctx.now())
        notice = None if error else {"arrived": _("Marked as arrived."), "corrected": _("Correction saved.")}[done]
        # Just after the last arrival, "used" is the news the officer wanted, not a refusal.
        all_in = error is None and verdict.problems == (checkin.Problem.USED,)
        return await _checkin_page(
            request,
            ctx,
            member,
            office,
            verdict,
            code,
            notice=notice,
            error=error,
            all_in=all_in,
            status_code=422 if error else 200,
        )

    @router.post("/checkin/arrive")
    async def checkin_arrive(
        request: Request,
        ctx: Ctx,
        member: FormStaff,
        office: Annotated[str, Form(max_length=32)],
        code: Annotated[str, Form(max_length=16)],
        position: Annotated[list[int], Form()],
    ) -> Response:
        change = checkin.mark_arrived(ctx.uow(), ctx.runtime.vault, member, office, code, position, ctx.now())
        return await _after_change(request, ctx, member, office, code, change, "arrived")

    @router.post("/checkin/type")
    async def checkin_type(
        request: Request,
        ctx: Ctx,
        member: FormStaff,
        office: Annotated[str, Form(max_length=32)],
        code: Annotated[str, Form(max_length=16)],
        position: Annotated[int, Form(ge=1, le=5)],
        application_type: Annotated[ApplicationType, Form()],
        reason: Annotated[str, Form(max_length=500)] = "",
    ) -> Response:
        change = checkin.revise_type(
            ctx.uow(), member, ctx.runtime.vault, code, position, application_type, reason, ctx.now()
        )
        return await _after_change(request, ctx, member, office, code, change, "corrected")

    @router.post("/checkin/name")
    async def checkin_name(
        request: Request,
        ctx: Ctx,
        member: FormStaff,
        office: Annotated[str, Form(max_length=32)],
        code: Annotated[str, Form(max_length=16)],
        position: Annotated[int, Form(ge=1, le=5)],
        full_name: Annotated[str, Form(max_length=200)],
        reason: Annotated[str, Form(max_length=500)] = "",
    ) -> Response:
        change = checkin.correct_name(
            ctx.uow(), member, ctx.runtime.vault, code, position, full_name, reason, ctx.now()
        )
        return await _after_change(request, ctx, member, office, code, change, "corrected")

    # --- Staff accounts and the audit log (administrators) ------------------------------------------------------

    async def _staff_page(request: Request, ctx: WebContext, member: StaffMember, **extra: Any) -> Response:
        member.require(Permission.MANAGE_STAFF)
        people = await staff.list_staff(ctx.reader())
        offices = await office_day.offices_of(ctx.reader(), member)
        codes = {o.id: o.code for o in offices}
        return _pages(request).render(
            request,
            "staff.html",
            member,
            nav="staff",
            people=people,
            offices=offices,
            codes=codes,
            roles=list(Role),
            notice=extra.pop("notice", None) or _notice(request),
            **extra,
        )

    @router.get("/staff")
    async def staff_page(request: Request, ctx: Ctx, member: PageStaff) -> Response:
        return await _staff_page(request, ctx, member, form={})

    @router.post("/staff")
    async def staff_create(
        request: Request,
        ctx: Ctx,
        member: FormStaff,
        username: Annotated[str, Form(max_length=64)],
        password: Annotated[str, Form(max_length=200)],
        role: Annotated[Role, Form()],
        display_name: Annotated[str, Form(max_length=200)] = "",
        offices: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies defaults per request)
    ) -> Response:
        member.require(Permission.MANAGE_STAFF)
        try:
            await staff.create_staff(
                ctx.uow(),
                ctx.passwords,
                username=username,
                display_name=display_name,
                password=password,
                role=role,
                office_codes=offices,
                now=ctx.now(),
                actor=member,
            )
        except DomainError as err:
            form = {"username": username, "display_name": display_name, "role": role.value, "offices": offices}
            return await _staff_page(
                request, ctx, member, form=form, error=explain(err, translator(request)), status_code=422
            )
        return _back("/staff", done="staff")

    @router.post("/staff/{staff_id}/active")
    async def staff_active(
        request: Request, ctx: Ctx, member: FormStaff, staff_id: int, active: Annotated[bool, Form()]
    ) -> Response:
        member.require(Permission.MANAGE_STAFF)
        try:
            await staff.set_active(ctx.uow(), staff_id, active, ctx.now(), member)
        except InvalidStaffAccount as err:
            return await _staff_page(request, ctx, member, form={}, error=explain(err, translator(request)))
        return _back("/staff", done="staff")

    @router.get("/audit")
    async def audit_page(
        request: Request,
        ctx: Ctx,
        member: PageStaff,
        before: Annotated[int | None, Query(ge=1)] = None,
        code: str = "",
    ) -> Response:
        member.require(Permission.READ_AUDIT)
        wanted = code.strip().upper().replace("-", "") or None
        entries = await audit.recent(ctx.reader(), limit=50, before_id=before, booking_code=wanted)
        return _pages(request).render(
            request,
            "audit.html",
            member,
            nav="audit",
            entries=entries,
            code=code,
            older=entries[-1].id if len(entries) == 50 else None,
        )

    # --- Places kept for the help desk and the announcements (their own issues) ------------------------------

    def placeholder(path: str, nav: str, title: str, text: str) -> None:
        @router.get(path, name=nav)
        async def coming(request: Request, member: PageStaff) -> Response:
            _ = translator(request)
            return _pages(request).render(request, "coming.html", member, nav=nav, title=_(title), text=_(text))

    # Marked for extraction with N_, translated when the page is shown.
    placeholder(
        "/support",
        "support",
        N_("Help desk"),
        N_("Questions from applicants that the FAQ could not answer will be listed here."),
    )
    placeholder(
        "/announcements",
        "announcements",
        N_("Announcements"),
        N_("Quota openings and notices to subscribed applicants will be written and sent from here."),
    )

    return router
