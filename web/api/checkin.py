"""Check-in at the counter: read a code or a proof's QR code, mark arrivals, correct an applicant's data."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from core.services import checkin
from core.services.checkin import Verdict
from web.api.fields import BookingPath, OfficePath, PositionPath, shown
from web.api.refusals import refusals
from web.api.schemas import ApplicationTypeIn, ArrivalIn, InspectIn, NameIn, VerdictOut
from web.deps import ApiStaff, DeskDep
from web.i18n import translator

router = APIRouter(tags=["check-in"])


def _verdict(verdict: Verdict, request: Request) -> VerdictOut:
    zone = verdict.booking.office.timezone if verdict.booking else None
    context = shown(zone=zone, gettext=translator(request))
    return VerdictOut.model_validate(verdict, from_attributes=True, context=context)


@router.post(
    "/offices/{code}/checkins/inspect",
    response_model=VerdictOut,
    summary="Read a booking code or a proof's QR code",
    responses=refusals(403, 404, body=True),
)
async def inspect(desk: DeskDep, member: ApiStaff, code: OfficePath, body: InspectIn) -> VerdictOut:
    """Whether the booking's applicants may come in here and now, and if not, why (problems); changes nothing."""
    verdict = await checkin.inspect(desk.reader, desk.vault, member, code, body.text, desk.now)
    return _verdict(verdict, desk.request)


@router.post(
    "/offices/{code}/checkins",
    response_model=VerdictOut,
    summary="Mark applicants as arrived",
    responses=refusals(403, 404, 409, body=True),
)
async def arrive(desk: DeskDep, member: ApiStaff, code: OfficePath, body: ArrivalIn) -> VerdictOut:
    """Once per applicant, on the booking's day at its office; 409 if it is not valid here and now, or used."""
    verdict = await checkin.mark_arrived(desk.uow, desk.vault, member, code, body.code, body.positions, desk.now)
    return _verdict(verdict, desk.request)


@router.post(
    "/bookings/{code}/applicants/{position}/application-type",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Revise an applicant's application type",
    responses=refusals(403, 404, body=True),
)
async def revise_type(
    desk: DeskDep, member: ApiStaff, code: BookingPath, position: PositionPath, body: ApplicationTypeIn
) -> Response:
    """New or replacement, as found at the counter; needs a reason, kept in the audit log."""
    await checkin.revise_type(
        desk.uow, member, desk.vault, code, position, body.application_type, body.reason, desk.now
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/bookings/{code}/applicants/{position}/name",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Correct an applicant's name",
    responses=refusals(403, 404, body=True),
)
async def correct_name(
    desk: DeskDep, member: ApiStaff, code: BookingPath, position: PositionPath, body: NameIn
) -> Response:
    """As printed on the e-KTP; later bookings carry the corrected name; the reason goes to the audit log."""
    await checkin.correct_name(desk.uow, member, desk.vault, code, position, body.full_name, body.reason, desk.now)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
