"""The offices a member works for, and a day's live view of one."""

from __future__ import annotations

from fastapi import APIRouter

from core.services import office_day
from web.api.fields import DayPath, OfficePath, shown
from web.api.refusals import refusals
from web.api.schemas import DayBoardOut, OfficeOut
from web.deps import ApiStaff, Now, ReaderDep

router = APIRouter(tags=["offices"])


@router.get(
    "/offices",
    response_model=list[OfficeOut],
    summary="The offices the member works for",
    responses=refusals(),
)
async def offices(reader: ReaderDep, member: ApiStaff) -> list[OfficeOut]:
    """Every office for administrators and the help desk; the account's own offices for the others."""
    return [OfficeOut.model_validate(o, from_attributes=True) for o in await office_day.offices_of(reader, member)]


@router.get(
    "/offices/{code}/days/{day}",
    response_model=DayBoardOut,
    summary="A day's live view",
    responses=refusals(403, 404),
)
async def day_board(reader: ReaderDep, member: ApiStaff, now: Now, code: OfficePath, day: DayPath) -> DayBoardOut:
    """Per slot: capacity, held, booked and free; for a date not released yet, what it will open with."""
    board = await office_day.day_board(reader, member, code, day, now)
    return DayBoardOut.model_validate(board, from_attributes=True, context=shown(zone=board.office.timezone))
