"""A fair opening's draw as it is published: public, so anyone can check it with `antrean draw verify`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from core.domain.draw import VERSION, Draw, DrawState
from core.domain.offices import Office
from core.services import fair_opening
from web.api.fields import OfficePath
from web.api.refusals import refusals
from web.deps import ReaderDep

router = APIRouter(tags=["draws"])


class DrawOut(BaseModel):
    """What is public at each stage: the commitment from the start; the list and its digest once registrations
    close; the seed and the order once drawn. Saved as a file, `antrean draw verify FILE` repeats the draw."""

    procedure: str = VERSION  # core/domain/draw.py describes it, step by step
    id: int = Field(description="this draw's own address: /api/draws/{code}/{id}, after the next one opens too")
    office: str
    state: DrawState
    opens_at: datetime = Field(description="the opening: the draw runs then")
    closes_at: datetime = Field(description="registrations close and the list is published")
    days: list[str] = Field(description="the dates the opening releases")
    commitment: str = Field(description="SHA-256 of the seed, published before anyone registered")
    digest: str | None = Field(None, description="SHA-256 of the list, its lines joined by newlines")
    registrations: list[str] | None = Field(None, description="number|token|party size|dates, by number")
    seed: str | None = None
    beacon: str = ""
    order: list[int] | None = Field(None, description="registration numbers in the order drawn")


@router.get(
    "/draws/{code}",
    response_model=DrawOut,
    summary="An office's latest draw, as published (no sign-in)",
    responses={404: refusals(404)[404]},  # no sign-in: no 401
)
async def latest_draw(reader: ReaderDep, code: OfficePath) -> DrawOut:
    """Public: the families registered, and anyone else, check the list and, after the draw, repeat it."""
    return _out(*await fair_opening.latest_of(reader, code))


@router.get(
    "/draws/{code}/{draw_id}",
    response_model=DrawOut,
    summary="One of an office's draws, as published (no sign-in)",
    responses={404: refusals(404)[404]},
)
async def one_draw(reader: ReaderDep, code: OfficePath, draw_id: Annotated[int, Path(ge=1, le=2**31 - 1)]) -> DrawOut:
    """The same, for a draw that is no longer the latest: its dates may still be ahead, and anyone may check it."""
    return _out(*await fair_opening.latest_of(reader, code, draw_id))


def _out(office: Office, draw: Draw) -> DrawOut:
    return DrawOut(
        id=draw.id,
        office=office.code,
        state=draw.state,
        opens_at=draw.opens_at.astimezone(office.zone),
        closes_at=draw.closes_at.astimezone(office.zone),
        days=[d.isoformat() for d in draw.days],
        commitment=draw.commitment,
        digest=draw.digest,
        registrations=None if draw.listed is None else [x for x in draw.listed.split("\n") if x],
        seed=draw.seed,
        beacon=draw.beacon,
        order=None if draw.order is None else list(draw.order),
    )
