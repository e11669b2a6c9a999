"""The API's request and response models, apart from the tables and the engine's DTOs.

A response model reads the DTO it shows (`from_attributes`): `OfficeOut.model_validate(office, from_attributes=True)`.
Where the API names a value otherwise than the DTO, the field says where it comes from (`validation_alias`); what
the DTO cannot know (the office's zone, office codes, the request's language) comes in the context, see `shown`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo

from core.domain.booking import ApplicationType
from core.domain.calendar import ClosureKind
from core.domain.offices import OfficeKind
from core.domain.staff import Permission, Role
from core.services.checkin import Problem
from web.api.fields import (
    PLAIN,
    AtOffice,
    BookingCode,
    Capacity,
    Day,
    OfficeAddressOut,
    OfficeCode,
    OfficeCodeOut,
    OfficeCodes,
    OfficeNameOut,
    OfficeTimezoneOut,
    OfficeZoneLabelOut,
    Position,
    Reason,
    TimeOfDay,
    WeekdayNames,
)
from web.errors import problem_text


class Out(BaseModel):
    """A response model, read from the engine's DTO of the same shape."""

    model_config = ConfigDict(from_attributes=True)


# --- Who is asking -------------------------------------------------------------------------------------------------


# The signed-in member with what the request adds (permissions, the CSRF token): its route makes it field by field.
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


# --- Offices and their days ----------------------------------------------------------------------------------------


class SlotOut(Out):
    start: TimeOfDay
    end: TimeOfDay
    capacity: int


class OfficeOut(Out):
    code: str
    kind: OfficeKind
    name: str
    city: str
    province: str
    address: str
    timezone: str = Field(examples=["Asia/Jakarta"])
    zone_label: str = Field(examples=["WIB"])
    working_days: WeekdayNames = Field(examples=[["mon", "tue", "wed", "thu", "fri"]])
    slots: list[SlotOut] = Field(description="the slot template each released date starts from")


class ClosedOut(Out):
    kind: ClosureKind
    name: str = Field(description="the holiday's name, or the reason the office gave")


class BoardSlotOut(Out):
    start: TimeOfDay
    end: TimeOfDay
    capacity: int
    held: int = Field(description="applicants in holds that may still be confirmed")
    booked: int = Field(description="applicants in confirmed bookings")
    free: int = Field(description="places an applicant can still take")
    released: bool = Field(description="false: what the slot will open with when the date is released")
    arrived: int = Field(description="applicants marked as arrived at the counter (today and past days)")


class TotalsOut(Out):
    capacity: int
    held: int
    booked: int
    free: int
    arrived: int


class DayBoardOut(Out):
    office_code: OfficeCodeOut
    day: date
    timezone: OfficeTimezoneOut
    zone_label: OfficeZoneLabelOut
    closed: ClosedOut | None
    bookable_from: AtOffice | None = Field(description="null until the date is scheduled for release")
    bookable_until: AtOffice | None
    slots: list[BoardSlotOut]
    totals: TotalsOut


# --- Quota ---------------------------------------------------------------------------------------------------------


class SlotIn(BaseModel):
    start: TimeOfDay
    end: TimeOfDay = Field(description="after the start")
    capacity: Capacity


class TemplateIn(BaseModel):
    slots: list[SlotIn] = Field(min_length=1, max_length=24, description="no two starting at the same time")


class CapacityIn(BaseModel):
    capacity: Capacity


class CapacityOut(Out):
    day: date
    start: TimeOfDay
    capacity: int
    released: bool = Field(description="true: the released slot changed now; false: kept for the release")


class CloseIn(BaseModel):
    reason: str = Field("", max_length=200, pattern=PLAIN, examples=["rapat kerja"])
    cancel_bookings: bool = Field(
        False,
        description="a date with bookings: cancel them (a reason is then required); each owner is told why in the "
        "chat and may book again at once, without the 30-day wait. False: refused (409) while the date has bookings",
    )


class ClosedDayOut(Out):
    office_code: str
    day: date
    emptied_slots: int = Field(description="released slots whose places were taken away")
    cancelled: list[str] = Field(description="codes of the bookings the office cancelled, their owners told")
    applicants: int = Field(description="people in the cancelled bookings")


class ReleaseIn(BaseModel):
    days: list[Day] = Field(min_length=1, max_length=31)


class ReleasedOut(Out):
    office_code: str
    days: list[date]
    bookable_from: AtOffice
    bookable_until: AtOffice


# --- The daily list ------------------------------------------------------------------------------------------------


class ApplicantOut(Out):
    position: int
    queue_no: int | None
    full_name: str
    nik: str = Field(description="whole for the counter role, masked (3174********0001) for the others")
    application_type: ApplicationType
    checked_in_at: AtOffice | None


class ListedBookingOut(Out):
    code: str
    status: str = Field(description="confirmed, or held (not confirmed yet)")
    applicants: list[ApplicantOut]


class ListedSlotOut(Out):
    start: TimeOfDay
    end: TimeOfDay
    capacity: int
    bookings: list[ListedBookingOut]


class DailyListOut(Out):
    office_code: OfficeCodeOut
    office_name: OfficeNameOut
    office_address: OfficeAddressOut
    timezone: OfficeTimezoneOut
    zone_label: OfficeZoneLabelOut
    day: date
    full_nik: bool
    printed_at: AtOffice
    slots: list[ListedSlotOut]


# --- Check-in at the counter ---------------------------------------------------------------------------------------


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


class ProblemOut(Out):
    code: Problem
    detail: str = Field(description="in the request's language (?lang=, the lang cookie or Accept-Language)")


def _problems_said(problems: list[Problem], info: ValidationInfo) -> list[dict[str, Any]]:
    """Each problem with its sentence in the request's language (the context's gettext)."""
    _ = (info.context or {}).get("gettext")
    assert _ is not None, "render a verdict with context=shown(gettext=translator(request))"
    return [{"code": p, "detail": problem_text(p, _)} for p in problems]


class CounterBookingOut(Out):
    code: str
    status: str
    office_code: OfficeCodeOut
    office_name: OfficeNameOut
    zone_label: OfficeZoneLabelOut
    timezone: OfficeTimezoneOut
    day: date
    start: TimeOfDay
    end: TimeOfDay
    applicants: list[ApplicantOut]


class VerdictOut(Out):
    code: str | None = Field(description="the booking code read, if any")
    signed: bool = Field(description="the text was a proof's QR code with our signature")
    valid: bool = Field(description="no problems: the applicants may come in")
    problems: Annotated[list[ProblemOut], BeforeValidator(_problems_said)]
    booking: CounterBookingOut | None = Field(description="null when unknown or at an office the account cannot see")


class ApplicationTypeIn(BaseModel):
    application_type: ApplicationType
    reason: Reason = ""


class NameIn(BaseModel):
    full_name: str = Field(max_length=200, pattern=PLAIN, description="as printed on the e-KTP")
    reason: Reason = ""


# --- Staff accounts and the audit log ------------------------------------------------------------------------------


class StaffIn(BaseModel):
    username: str = Field(max_length=64, pattern=PLAIN, description="3 to 64 of a-z 0-9 . _ -")
    display_name: str = Field("", max_length=200, pattern=PLAIN)
    password: str = Field(max_length=200, description="at least 10 characters")
    role: Role
    offices: list[OfficeCode] = Field(default_factory=list, max_length=100)


class StaffOut(Out):
    id: int
    username: str
    display_name: str
    role: Role
    active: bool
    offices: OfficeCodes = Field(validation_alias="office_ids")


class ActiveIn(BaseModel):
    active: bool


class AuditEntryOut(Out):
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


class AuditPage(Out):
    entries: list[AuditEntryOut]
    next_before_id: int | None = Field(description="pass as before_id for the next, older page; null at the end")
