"""The staff JSON API under /api (documented by the OpenAPI schema at /openapi.json).

Each route parses with pydantic, calls one use case and renders its DTO into a response model; the engine's
refusals propagate and web/staff_app.py turns them into {"error": code, "detail": text} with web/errors.py's
status. Dates and times of day are the office's own ("2026-11-30", "08:00"); instants carry their offset.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query, Request, Response, status
from pydantic import BaseModel, Field, PlainSerializer, PlainValidator, WithJsonSchema

from core.documents.daily_list import DailyList
from core.domain.booking import ApplicationType, normalize_booking_code
from core.domain.calendar import FIRST_DAY, LAST_DAY, ClosureKind
from core.domain.offices import MAX_SLOT_CAPACITY, WEEKDAYS, Office, OfficeKind, SlotTime
from core.domain.staff import Permission, Role, StaffMember
from core.services import audit, checkin, office_day, quota, release, staff
from core.services.audit import AuditEntry
from core.services.checkin import CounterBooking, Problem, Verdict
from web.daily_list import daily_list_pdf
from web.deps import ApiStaff, Ctx
from web.errors import problem_text
from web.i18n import translator
from web.security import SESSION_COOKIE

# --- Field types: what the API accepts, written once --------------------------------------------------------------

_HHMM = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
_HHMM_SCHEMA = {"type": "string", "pattern": f"^{_HHMM.pattern}$", "examples": ["08:00"]}


def _time_of_day(value: object) -> time:
    # Only "HH:MM": pydantic's own time parser would also take "08:00+07:00", an aware time that cannot be
    # compared with the engine's wall-clock times.
    if isinstance(value, time) and value.tzinfo is None:
        return value
    if isinstance(value, str) and _HHMM.fullmatch(value):
        return time(int(value[:2]), int(value[3:]))
    raise ValueError("a time of day as HH:MM, e.g. 08:00")


# A wall-clock time at the office, "08:00" both ways.
TimeOfDay = Annotated[
    time,
    PlainValidator(_time_of_day),
    PlainSerializer(lambda t: f"{t:%H:%M}", return_type=str),
    WithJsonSchema(_HHMM_SCHEMA),
]
# A date at the office, within the dates the engine plans for.
Day = Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY, description="2000-01-01 to 2100-12-31", examples=["2026-11-30"])]
Capacity = Annotated[int, Field(ge=0, le=MAX_SLOT_CAPACITY, description="applicants the slot takes")]
Position = Annotated[int, Field(ge=1, le=5, description="the applicant's place in the booking, 1 to 5")]
# Free text typed by staff: no control characters (PostgreSQL refuses NUL in text; none belongs in a log).
_PLAIN = r"^[^\x00-\x1f\x7f]*$"
Reason = Annotated[str, Field(max_length=500, pattern=_PLAIN, description="why: kept in the audit log")]
# Codes as people type them (any case; a booking code with its dash); only these characters reach a query.
_OFFICE_CODE = r"^[A-Za-z0-9-]{1,16}$"
_BOOKING_CODE = r"^[A-Za-z0-9 -]{1,16}$"
OfficeCode = Annotated[str, Field(pattern=_OFFICE_CODE, examples=["JKT-SEL"])]
BookingCode = Annotated[str, Field(pattern=_BOOKING_CODE, examples=["K7PM-Q3XA"])]
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]  # the databases' INTEGER

OfficePath = Annotated[str, Path(pattern=_OFFICE_CODE, description="office code, e.g. JKT-SEL")]
DayPath = Annotated[
    date, Path(ge=FIRST_DAY, le=LAST_DAY, description="the date at the office, 2000-01-01 to 2100-12-31")
]
BookingPath = Annotated[str, Path(pattern=_BOOKING_CODE, description="booking code, e.g. K7PM-Q3XA")]
PositionPath = Annotated[int, Path(ge=1, le=5, description="the applicant's place in the booking, 1 to 5")]
IdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _instant(moment: datetime | None, zone: str) -> datetime | None:
    """An instant as the office's clock shows it, with its offset (+07:00 for WIB)."""
    return None if moment is None else moment.astimezone(ZoneInfo(zone))


# --- Response and request models (apart from the tables and the engine's DTOs) -------------------------------


class ErrorOut(BaseModel):
    """A refusal: `error` is the engine's stable code (null when signing in failed), `detail` says it in words."""

    error: str | None = Field(None, examples=["not_allowed"])
    detail: str = Field(examples=["Your account may not do this, or not at this office."])


class FieldError(BaseModel):
    loc: list[str | int] = Field(examples=[["body", "capacity"]])
    msg: str
    type: str


class ValidationErrors(BaseModel):
    """Input that does not fit the schema: what is wrong with each field."""

    detail: list[FieldError]


class Me(BaseModel):
    id: int
    username: str
    display_name: str
    role: Role
    every_office: bool = Field(description="the role works for every office (administrators, the help desk)")
    offices: list[str] = Field(description="codes of the offices the account was given")
    permissions: list[Permission]
    csrf_token: str | None = Field(
        None, description="signed in with the session cookie: send this as X-CSRF-Token on every change"
    )


class SlotOut(BaseModel):
    start: TimeOfDay
    end: TimeOfDay
    capacity: int


class OfficeOut(BaseModel):
    code: str
    kind: OfficeKind
    name: str
    city: str
    province: str
    address: str
    timezone: str = Field(examples=["Asia/Jakarta"])
    zone_label: str = Field(examples=["WIB"])
    working_days: list[str] = Field(examples=[["mon", "tue", "wed", "thu", "fri"]])
    slots: list[SlotOut] = Field(description="the slot template each released date starts from")


class ClosedOut(BaseModel):
    kind: ClosureKind
    name: str = Field(description="the holiday's name, or the reason the office gave")


class BoardSlotOut(BaseModel):
    start: TimeOfDay
    end: TimeOfDay
    capacity: int
    held: int = Field(description="applicants in holds that may still be confirmed")
    booked: int = Field(description="applicants in confirmed bookings")
    free: int = Field(description="places an applicant can still take")
    released: bool = Field(description="false: what the slot will open with when the date is released")


class TotalsOut(BaseModel):
    capacity: int
    held: int
    booked: int
    free: int


class DayBoardOut(BaseModel):
    office_code: str
    day: date
    timezone: str
    zone_label: str
    closed: ClosedOut | None
    bookable_from: datetime | None = Field(description="null until the date is scheduled for release")
    bookable_until: datetime | None
    slots: list[BoardSlotOut]
    totals: TotalsOut


class SlotIn(BaseModel):
    start: TimeOfDay
    end: TimeOfDay = Field(description="after the start")
    capacity: Capacity


class TemplateIn(BaseModel):
    slots: list[SlotIn] = Field(min_length=1, max_length=24, description="no two starting at the same time")


class CapacityIn(BaseModel):
    capacity: Capacity


class CapacityOut(BaseModel):
    day: date
    start: TimeOfDay
    capacity: int
    released: bool = Field(description="true: the released slot changed now; false: kept for the release")


class CloseIn(BaseModel):
    reason: str = Field("", max_length=200, pattern=_PLAIN, examples=["rapat kerja"])


class ClosedDayOut(BaseModel):
    office_code: str
    day: date
    emptied_slots: int = Field(description="released slots whose places were taken away")


class ReleaseIn(BaseModel):
    days: list[Day] = Field(min_length=1, max_length=31)


class ReleasedOut(BaseModel):
    office_code: str
    days: list[date]
    bookable_from: datetime
    bookable_until: datetime


class ApplicantOut(BaseModel):
    position: int
    queue_no: int | None
    full_name: str
    nik: str = Field(description="whole for the counter role, masked (3174********0001) for the others")
    application_type: ApplicationType
    checked_in_at: datetime | None


class ListedBookingOut(BaseModel):
    code: str
    status: str = Field(description="confirmed, or held (not confirmed yet)")
    applicants: list[ApplicantOut]


class ListedSlotOut(BaseModel):
    start: TimeOfDay
    end: TimeOfDay
    capacity: int
    bookings: list[ListedBookingOut]


class DailyListOut(BaseModel):
    office_code: str
    office_name: str
    office_address: str
    timezone: str
    zone_label: str
    day: date
    full_nik: bool
    printed_at: datetime
    slots: list[ListedSlotOut]


class InspectIn(BaseModel):
    text: str = Field(
        min_length=1,
        max_length=500,
        description="a typed booking code, or the text of a proof's QR code",
        examples=["K7PM-Q3XA"],
    )


class ArrivalIn(BaseModel):
    code: BookingCode
    positions: list[Position] = Field(min_length=1, max_length=5)


class ProblemOut(BaseModel):
    code: Problem
    detail: str = Field(description="in the request's language (?lang=, the lang cookie or Accept-Language)")


class CounterBookingOut(BaseModel):
    code: str
    status: str
    office_code: str
    office_name: str
    zone_label: str
    timezone: str
    day: date
    start: TimeOfDay
    end: TimeOfDay
    applicants: list[ApplicantOut]


class VerdictOut(BaseModel):
    code: str | None = Field(description="the booking code read, if any")
    signed: bool = Field(description="the text was a proof's QR code with our signature")
    valid: bool = Field(description="no problems: the applicants may come in")
    problems: list[ProblemOut]
    booking: CounterBookingOut | None = Field(description="null when unknown or at an office the account cannot see")


class ApplicationTypeIn(BaseModel):
    application_type: ApplicationType
    reason: Reason = ""


class NameIn(BaseModel):
    full_name: str = Field(max_length=200, pattern=_PLAIN, description="as printed on the e-KTP")
    reason: Reason = ""


class StaffIn(BaseModel):
    username: str = Field(max_length=64, pattern=_PLAIN, description="3 to 64 of a-z 0-9 . _ -")
    display_name: str = Field("", max_length=200, pattern=_PLAIN)
    password: str = Field(max_length=200, description="at least 10 characters")
    role: Role
    offices: list[OfficeCode] = Field(default_factory=list, max_length=100)


class StaffOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: Role
    active: bool
    offices: list[str]


class ActiveIn(BaseModel):
    active: bool


class AuditEntryOut(BaseModel):
    id: int
    at: datetime
    actor: str = Field(description="the username then, or command-line")
    action: str
    office_code: str | None
    booking_code: str | None
    subject: str
    before: dict[str, Any]
    after: dict[str, Any]
    reason: str | None


class AuditPage(BaseModel):
    entries: list[AuditEntryOut]
    next_before_id: int | None = Field(description="pass as before_id for the next, older page; null at the end")


# --- Rendering the engine's DTOs -------------------------------------------------------------------------------


def _office(o: Office) -> OfficeOut:
    return OfficeOut(
        code=o.code,
        kind=o.kind,
        name=o.name,
        city=o.city,
        province=o.province,
        address=o.address,
        timezone=o.timezone,
        zone_label=o.zone_label,
        working_days=[WEEKDAYS[d] for d in sorted(o.working_days)],
        slots=[SlotOut(start=s.start, end=s.end, capacity=s.capacity) for s in o.slots],
    )


def _codes(office_ids: Iterable[int], offices: Iterable[Office]) -> list[str]:
    wanted = set(office_ids)
    return sorted(o.code for o in offices if o.id in wanted)


def _staff(m: StaffMember, offices: Iterable[Office]) -> StaffOut:
    return StaffOut(
        id=m.id,
        username=m.username,
        display_name=m.display_name,
        role=m.role,
        active=m.active,
        offices=_codes(m.office_ids, offices),
    )


def _applicant(
    position: int,
    queue_no: int | None,
    full_name: str,
    nik: str,
    kind: str,
    checked_in_at: datetime | None,
    zone: str,
) -> ApplicantOut:
    return ApplicantOut(
        position=position,
        queue_no=queue_no,
        full_name=full_name,
        nik=nik,
        application_type=ApplicationType(kind),
        checked_in_at=_instant(checked_in_at, zone),
    )


def _daily_list(d: DailyList) -> DailyListOut:
    return DailyListOut(
        office_code=d.office_code,
        office_name=d.office_name,
        office_address=d.office_address,
        timezone=d.timezone,
        zone_label=d.zone_label,
        day=d.day,
        full_nik=d.full_nik,
        printed_at=d.printed_at.astimezone(ZoneInfo(d.timezone)),
        slots=[
            ListedSlotOut(
                start=s.start,
                end=s.end,
                capacity=s.capacity,
                bookings=[
                    ListedBookingOut(
                        code=b.code,
                        status=b.status,
                        applicants=[
                            _applicant(
                                a.position,
                                a.queue_no,
                                a.full_name,
                                a.nik,
                                a.application_type,
                                a.checked_in_at,
                                d.timezone,
                            )
                            for a in b.applicants
                        ],
                    )
                    for b in s.bookings
                ],
            )
            for s in d.slots
        ],
    )


def _counter_booking(b: CounterBooking) -> CounterBookingOut:
    return CounterBookingOut(
        code=b.code,
        status=b.status,
        office_code=b.office_code,
        office_name=b.office_name,
        zone_label=b.zone_label,
        timezone=b.timezone,
        day=b.day,
        start=b.start,
        end=b.end,
        applicants=[
            _applicant(
                a.position, a.queue_no, a.full_name, a.nik, a.application_type.value, a.checked_in_at, b.timezone
            )
            for a in b.applicants
        ],
    )


def _verdict(v: Verdict, request: Request) -> VerdictOut:
    _ = translator(request)
    return VerdictOut(
        code=v.code,
        signed=v.signed,
        valid=v.valid,
        problems=[ProblemOut(code=p, detail=problem_text(p, _)) for p in v.problems],
        booking=None if v.booking is None else _counter_booking(v.booking),
    )


def _audit_entry(e: AuditEntry) -> AuditEntryOut:
    return AuditEntryOut(
        id=e.id,
        at=e.at,
        actor=e.actor,
        action=e.action,
        office_code=e.office_code,
        booking_code=e.booking_code,
        subject=e.subject,
        before=e.before,
        after=e.after,
        reason=e.reason,
    )


# --- Documented refusals ---------------------------------------------------------------------------------------

_MEANING = {
    400: "The body is not JSON.",
    401: "Not signed in: no valid bearer token or session cookie.",
    403: "The account's role or offices do not allow this, or a cookie session sent no X-CSRF-Token.",
    404: "No office, booking or staff account has this code or number.",
    409: "The request conflicts with the data as it stands (places taken, already checked in, name taken).",
    422: "The input is malformed (a list of field errors) or the engine refused it (error and detail).",
}


def _refusals(*codes: int, body: bool = False) -> dict[int | str, dict[str, Any]]:
    """The error responses of a route for the OpenAPI schema; 401 for every route, as all need a member."""
    out: dict[int | str, dict[str, Any]] = {}
    for code in sorted({401, 422, *codes, *([400] if body else [])}):
        # 422 is either pydantic's list of field errors or the engine's refusal.
        model: Any = ErrorOut | ValidationErrors if code == 422 else ErrorOut
        out[code] = {"model": model, "description": _MEANING[code]}
    return out


def _code(raw: str) -> str:
    """An office code as stored, for an answer (the use cases find the office from the code as typed)."""
    return raw.strip().upper()


# --- Routes ----------------------------------------------------------------------------------------------------


def api_router() -> APIRouter:
    router = APIRouter(prefix="/api")

    # --- Who is asking ---------------------------------------------------------------------------------------

    @router.get("/me", response_model=Me, tags=["account"], summary="The signed-in staff member", responses=_refusals())
    async def me(request: Request, ctx: Ctx, member: ApiStaff) -> Me:
        """Who the token or cookie belongs to: role, offices, permissions and, for a cookie, the CSRF token."""
        offices = await office_day.offices_of(ctx.reader(), member)
        cookie = request.cookies.get(SESSION_COOKIE)
        # A bearer token wins over the cookie (web/deps.py): only a cookie session has a CSRF token to learn.
        by_cookie = bool(cookie) and not request.headers.get("authorization", "").lower().startswith("bearer ")
        return Me(
            id=member.id,
            username=member.username,
            display_name=member.display_name,
            role=member.role,
            every_office=member.every_office,
            offices=_codes(member.office_ids, offices),
            permissions=[p for p in Permission if member.may(p)],
            csrf_token=ctx.sessions.csrf(cookie) if cookie and by_cookie else None,
        )

    # --- Offices and their days --------------------------------------------------------------------------------

    @router.get(
        "/offices",
        response_model=list[OfficeOut],
        tags=["offices"],
        summary="The offices the member works for",
        responses=_refusals(),
    )
    async def offices(ctx: Ctx, member: ApiStaff) -> list[OfficeOut]:
        """Every office for administrators and the help desk; the account's own offices for the others."""
        return [_office(o) for o in await office_day.offices_of(ctx.reader(), member)]

    @router.get(
        "/offices/{code}/days/{day}",
        response_model=DayBoardOut,
        tags=["offices"],
        summary="A day's live view",
        responses=_refusals(403, 404),
    )
    async def day_board(ctx: Ctx, member: ApiStaff, code: OfficePath, day: DayPath) -> DayBoardOut:
        """Per slot: capacity, held, booked and free; for a date not released yet, what it will open with."""
        board = await office_day.day_board(ctx.reader(), member, code, day, ctx.now())
        zone = board.office.timezone
        t = board.totals
        return DayBoardOut(
            office_code=board.office.code,
            day=board.day,
            timezone=zone,
            zone_label=board.office.zone_label,
            closed=None if board.closed is None else ClosedOut(kind=board.closed.kind, name=board.closed.name),
            bookable_from=_instant(board.bookable_from, zone),
            bookable_until=_instant(board.bookable_until, zone),
            slots=[
                BoardSlotOut(
                    start=s.start,
                    end=s.end,
                    capacity=s.capacity,
                    held=s.held,
                    booked=s.booked,
                    free=s.free,
                    released=s.released,
                )
                for s in board.slots
            ],
            totals=TotalsOut(capacity=t.capacity, held=t.held, booked=t.booked, free=t.free),
        )

    # --- Quota ------------------------------------------------------------------------------------------------

    @router.put(
        "/offices/{code}/template",
        response_model=OfficeOut,
        tags=["quota"],
        summary="Replace the office's slot template",
        responses=_refusals(403, 404, body=True),
    )
    async def set_template(ctx: Ctx, member: ApiStaff, code: OfficePath, body: TemplateIn) -> OfficeOut:
        """The arrival slots that releases of this office start from from now on; released dates keep theirs."""
        template = [SlotTime(s.start, s.end, s.capacity) for s in body.slots]
        office = await quota.set_slot_template(ctx.uow(), code, template, now=ctx.now(), actor=member)
        return _office(office)

    @router.put(
        "/offices/{code}/days/{day}/slots/{start}",
        response_model=CapacityOut,
        tags=["quota"],
        summary="Set one slot's capacity on one date",
        responses=_refusals(403, 404, 409, body=True),
    )
    async def set_capacity(
        ctx: Ctx,
        member: ApiStaff,
        code: OfficePath,
        day: DayPath,
        start: Annotated[TimeOfDay, Path(description="the slot's start, HH:MM")],
        body: CapacityIn,
    ) -> CapacityOut:
        """At once if the date is released (never below the places taken), else when it is released."""
        done = await quota.set_capacity(ctx.uow(), code, day, start, body.capacity, ctx.now(), actor=member)
        return CapacityOut(day=done.day, start=done.start, capacity=done.capacity, released=done.released)

    @router.post(
        "/offices/{code}/days/{day}/close",
        response_model=ClosedDayOut,
        tags=["quota"],
        summary="Close a date at the office",
        responses=_refusals(403, 404, 409, body=True),
    )
    async def close_day(ctx: Ctx, member: ApiStaff, code: OfficePath, day: DayPath, body: CloseIn) -> ClosedDayOut:
        """Nothing is bookable that day any more; refused (409) while the date has bookings."""
        emptied = await quota.close_date(ctx.uow(), code, day, body.reason, ctx.now(), actor=member)
        return ClosedDayOut(office_code=_code(code), day=day, emptied_slots=emptied)

    @router.post(
        "/offices/{code}/release",
        response_model=ReleasedOut,
        tags=["quota"],
        summary="Release dates for booking now",
        responses=_refusals(403, 404, body=True),
    )
    async def release_days(ctx: Ctx, member: ApiStaff, code: OfficePath, body: ReleaseIn) -> ReleasedOut:
        """Opens these dates at once, each until the day before; a closed or past date refuses the whole request."""
        done = await release.release_by_hand(ctx.uow(), code, body.days, ctx.now(), actor=member)
        # The office's zone for the instants: the use case hands back its code only.
        zone = (await office_day.find_office(ctx.reader(), member, done.office_code)).timezone
        return ReleasedOut(
            office_code=done.office_code,
            days=list(done.days),
            bookable_from=done.bookable_from.astimezone(ZoneInfo(zone)),
            bookable_until=done.bookable_until.astimezone(ZoneInfo(zone)),
        )

    # --- The daily list -------------------------------------------------------------------------------------

    @router.get(
        "/offices/{code}/days/{day}/list",
        response_model=DailyListOut,
        tags=["daily list"],
        summary="The day's expected applicants",
        responses=_refusals(403, 404),
    )
    async def daily_list(ctx: Ctx, member: ApiStaff, code: OfficePath, day: DayPath) -> DailyListOut:
        """By slot and queue number; NIKs whole for the counter role only, masked for everyone else."""
        listing = await office_day.daily_list(ctx.reader(), ctx.runtime.vault, member, code, day, ctx.now())
        return _daily_list(listing)

    @router.get(
        "/offices/{code}/days/{day}/list.pdf",
        response_class=Response,
        tags=["daily list"],
        summary="The day's expected applicants, printable",
        responses={
            200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
            **_refusals(403, 404),
        },
    )
    async def daily_list_print(
        request: Request, ctx: Ctx, member: ApiStaff, code: OfficePath, day: DayPath
    ) -> Response:
        """The same list as an A4 PDF in the request's language, shown inline (daftar-<office>-<date>.pdf)."""
        listing = await office_day.daily_list(ctx.reader(), ctx.runtime.vault, member, code, day, ctx.now())
        return await daily_list_pdf(request, listing)

    # --- Check-in at the counter -------------------------------------------------------------------------------

    @router.post(
        "/offices/{code}/checkins/inspect",
        response_model=VerdictOut,
        tags=["check-in"],
        summary="Read a booking code or a proof's QR code",
        responses=_refusals(403, 404, body=True),
    )
    async def inspect(request: Request, ctx: Ctx, member: ApiStaff, code: OfficePath, body: InspectIn) -> VerdictOut:
        """Whether the booking's applicants may come in here and now, and if not, why (problems); changes nothing."""
        verdict = await checkin.inspect(ctx.reader(), ctx.runtime.vault, member, code, body.text, ctx.now())
        return _verdict(verdict, request)

    @router.post(
        "/offices/{code}/checkins",
        response_model=VerdictOut,
        tags=["check-in"],
        summary="Mark applicants as arrived",
        responses=_refusals(403, 404, 409, body=True),
    )
    async def arrive(request: Request, ctx: Ctx, member: ApiStaff, code: OfficePath, body: ArrivalIn) -> VerdictOut:
        """Once per applicant, on the booking's day at its office; 409 if it is not valid here and now, or used."""
        verdict = await checkin.mark_arrived(
            ctx.uow(), ctx.runtime.vault, member, code, body.code, body.positions, ctx.now()
        )
        return _verdict(verdict, request)

    @router.post(
        "/bookings/{code}/applicants/{position}/application-type",
        status_code=status.HTTP_204_NO_CONTENT,
        response_class=Response,
        tags=["check-in"],
        summary="Revise an applicant's application type",
        responses=_refusals(403, 404, body=True),
    )
    async def revise_type(
        ctx: Ctx,
        member: ApiStaff,
        code: BookingPath,
        position: PositionPath,
        body: ApplicationTypeIn,
    ) -> Response:
        """New or replacement, as found at the counter; needs a reason, kept in the audit log."""
        await checkin.revise_type(
            ctx.uow(),
            member,
            ctx.runtime.vault,
            code,
            position,
            body.application_type,
            body.reason,
            ctx.now(),
        )
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @router.post(
        "/bookings/{code}/applicants/{position}/name",
        status_code=status.HTTP_204_NO_CONTENT,
        response_class=Response,
        tags=["check-in"],
        summary="Correct an applicant's name",
        responses=_refusals(403, 404, body=True),
    )
    async def correct_name(
        ctx: Ctx,
        member: ApiStaff,
        code: BookingPath,
        position: PositionPath,
        body: NameIn,
    ) -> Response:
        """As printed on the e-KTP; later bookings carry the corrected name; the reason goes to the audit log."""
        await checkin.correct_name(
            ctx.uow(), member, ctx.runtime.vault, code, position, body.full_name, body.reason, ctx.now()
        )
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    # --- Staff accounts and the audit log (administrators) -----------------------------------------------------

    @router.get(
        "/staff",
        response_model=list[StaffOut],
        tags=["staff"],
        summary="Every staff account",
        responses=_refusals(403),
    )
    async def staff_list(ctx: Ctx, member: ApiStaff) -> list[StaffOut]:
        """Administrators only."""
        member.require(Permission.MANAGE_STAFF)
        people = await staff.list_staff(ctx.reader())
        every = await office_day.offices_of(ctx.reader(), member)
        return [_staff(p, every) for p in people]

    @router.post(
        "/staff",
        response_model=StaffOut,
        status_code=status.HTTP_201_CREATED,
        tags=["staff"],
        summary="Make a staff account",
        responses=_refusals(403, 404, 409, body=True),
    )
    async def staff_create(ctx: Ctx, member: ApiStaff, body: StaffIn) -> StaffOut:
        """Administrators only; office and counter accounts need at least one office (409: username taken)."""
        member.require(Permission.MANAGE_STAFF)
        made = await staff.create_staff(
            ctx.uow(),
            ctx.passwords,
            username=body.username,
            display_name=body.display_name,
            password=body.password,
            role=body.role,
            office_codes=body.offices,
            now=ctx.now(),
            actor=member,
        )
        return _staff(made, await office_day.offices_of(ctx.reader(), member))

    @router.post(
        "/staff/{staff_id}/active",
        status_code=status.HTTP_204_NO_CONTENT,
        response_class=Response,
        tags=["staff"],
        summary="Turn an account off or back on",
        responses=_refusals(403, 404, body=True),
    )
    async def staff_active(ctx: Ctx, member: ApiStaff, staff_id: IdPath, body: ActiveIn) -> Response:
        """Administrators only; a turned-off account's tokens stop working at once. Nobody turns off themselves."""
        member.require(Permission.MANAGE_STAFF)
        await staff.set_active(ctx.uow(), staff_id, body.active, ctx.now(), member)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @router.get(
        "/audit",
        response_model=AuditPage,
        tags=["audit"],
        summary="The audit log, newest first",
        responses=_refusals(403),
    )
    async def audit_log(
        ctx: Ctx,
        member: ApiStaff,
        before_id: Annotated[Id | None, Query(description="the previous page's next_before_id")] = None,
        booking_code: Annotated[BookingCode | None, Query(description="only entries about this booking")] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> AuditPage:
        """Who changed what, when, from what to what, and why; administrators only."""
        member.require(Permission.READ_AUDIT)
        wanted = normalize_booking_code(booking_code) if booking_code else None
        entries = await audit.recent(ctx.reader(), limit=limit, before_id=before_id, booking_code=wanted or None)
        return AuditPage(
            entries=[_audit_entry(e) for e in entries],
            next_before_id=entries[-1].id if len(entries) == limit else None,
        )

    return router
