"""What the API accepts and how it shows values, written once: times of day, dates, codes, instants at an office."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Path
from pydantic import (
    AfterValidator,
    AliasPath,
    BeforeValidator,
    Field,
    PlainSerializer,
    PlainValidator,
    ValidationInfo,
    WithJsonSchema,
)

from core.domain.calendar import FIRST_DAY, LAST_DAY
from core.domain.offices import MAX_SLOT_CAPACITY, WEEKDAYS

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
PLAIN = r"^[^\x00-\x1f\x7f]*$"
Reason = Annotated[str, Field(max_length=500, pattern=PLAIN, description="why: kept in the audit log")]
# Codes as people type them (any case; a booking code with its dash); only these characters reach a query.
_OFFICE_CODE = r"^[A-Za-z0-9-]{1,16}$"
_BOOKING_CODE = r"^[A-Za-z0-9 -]{1,16}$"
OfficeCode = Annotated[str, Field(pattern=_OFFICE_CODE, examples=["JKT-SEL"])]
BookingCode = Annotated[str, Field(pattern=_BOOKING_CODE, examples=["K7PM-Q3XA"])]
MAX_ID = 2**31 - 1  # the databases' INTEGER: a larger id names no row (and SQLite cannot even bind it)
Id = Annotated[int, Field(ge=1, le=MAX_ID)]

OfficePath = Annotated[str, Path(pattern=_OFFICE_CODE, description="office code, e.g. JKT-SEL")]
DayPath = Annotated[
    date, Path(ge=FIRST_DAY, le=LAST_DAY, description="the date at the office, 2000-01-01 to 2100-12-31")
]
BookingPath = Annotated[str, Path(pattern=_BOOKING_CODE, description="booking code, e.g. K7PM-Q3XA")]
PositionPath = Annotated[int, Path(ge=1, le=5, description="the applicant's place in the booking, 1 to 5")]
IdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]


# --- Values the engine's DTOs hold in another form than the API shows ---------------------------------------------
# A response is made with `Model.model_validate(dto, from_attributes=True, context=...)`; what the DTO alone does not
# say (the office's zone for an instant deep in a list, the codes of office ids) comes in that context.


def shown(
    *, zone: str | None = None, office_codes: Mapping[int, str] | None = None, gettext: Any = None
) -> dict[str, Any]:
    """The context a response is rendered with."""
    return {"zone": zone, "office_codes": office_codes or {}, "gettext": gettext}


def _at_office(moment: datetime, info: ValidationInfo) -> datetime:
    """An instant as the office's clock shows it, with its offset (+07:00 for WIB)."""
    zone = (info.context or {}).get("zone")
    assert zone, "render instants with context=shown(zone=the office's time zone)"
    return moment.astimezone(ZoneInfo(zone))


def _weekday_names(days: Iterable[int]) -> list[str]:
    return [WEEKDAYS[d] for d in sorted(days)]


def _office_codes(ids: Iterable[int], info: ValidationInfo) -> list[str]:
    codes: Mapping[int, str] = (info.context or {}).get("office_codes", {})
    return sorted(codes[i] for i in ids if i in codes)


AtOffice = Annotated[datetime, AfterValidator(_at_office)]
WeekdayNames = Annotated[list[str], BeforeValidator(_weekday_names)]
# An account's office ids as the offices' codes (of the offices the context knows), sorted.
OfficeCodes = Annotated[list[str], BeforeValidator(_office_codes)]
# A DTO carries its office record; a response shows what it needs of it as flat fields (office_code, zone_label).
OfficeCodeOut = Annotated[str, Field(validation_alias=AliasPath("office", "code"))]
OfficeNameOut = Annotated[str, Field(validation_alias=AliasPath("office", "name"))]
OfficeAddressOut = Annotated[str, Field(validation_alias=AliasPath("office", "address"))]
OfficeTimezoneOut = Annotated[str, Field(validation_alias=AliasPath("office", "timezone"))]
OfficeZoneLabelOut = Annotated[str, Field(validation_alias=AliasPath("office", "zone_label"))]
