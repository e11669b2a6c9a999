"""The day's expected applicants at an office, as data and as a printable PDF."""

from __future__ import annotations

from fastapi import APIRouter, Response

from core.services import office_day
from web.api.fields import DayPath, OfficePath, shown
from web.api.refusals import refusals
from web.api.schemas import DailyListOut
from web.daily_list import daily_list_pdf
from web.deps import ApiStaff, DeskDep

router = APIRouter(tags=["daily list"])


@router.get(
    "/offices/{code}/days/{day}/list",
    response_model=DailyListOut,
    summary="The day's expected applicants",
    responses=refusals(403, 404),
)
async def daily_list(desk: DeskDep, member: ApiStaff, code: OfficePath, day: DayPath) -> DailyListOut:
    """By slot and queue number; NIKs whole for the counter role only, masked for everyone else."""
    listing = await office_day.daily_list(desk.reader, desk.vault, member, code, day, desk.now)
    return DailyListOut.model_validate(listing, from_attributes=True, context=shown(zone=listing.office.timezone))


@router.get(
    "/offices/{code}/days/{day}/list.pdf",
    response_class=Response,
    summary="The day's expected applicants, printable",
    responses={
        200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
        **refusals(403, 404),
    },
)
async def daily_list_print(desk: DeskDep, member: ApiStaff, code: OfficePath, day: DayPath) -> Response:
    """The same list as an A4 PDF in the request's language, shown inline (daftar-<office>-<date>.pdf)."""
    listing = await office_day.daily_list(desk.reader, desk.vault, member, code, day, desk.now)
    return await daily_list_pdf(desk.request, listing)
