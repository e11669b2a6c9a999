"""Who is asking: the signed-in member, their role, offices and permissions."""

from __future__ import annotations

from fastapi import APIRouter, Request

from core.domain.staff import Permission
from core.services import office_day
from web.api.refusals import refusals
from web.api.schemas import Me
from web.deps import ApiStaff, Ctx, ReaderDep
from web.security import SESSION_COOKIE

router = APIRouter(tags=["account"])


@router.get("/me", response_model=Me, summary="The signed-in staff member", responses=refusals())
async def me(request: Request, ctx: Ctx, reader: ReaderDep, member: ApiStaff) -> Me:
    """Who the token or cookie belongs to: role, offices, permissions and, for a cookie, the CSRF token."""
    offices = await office_day.offices_of(reader, member)
    cookie = request.cookies.get(SESSION_COOKIE)
    # A bearer token wins over the cookie (web/deps.py): only a cookie session has a CSRF token to learn.
    by_cookie = bool(cookie) and not request.headers.get("authorization", "").lower().startswith("bearer ")
    return Me(
        id=member.id,
        username=member.username,
        display_name=member.display_name,
        role=member.role,
        every_office=member.every_office,
        offices=sorted(o.code for o in offices if o.id in member.office_ids),
        permissions=[p for p in Permission if member.may(p)],
        csrf_token=ctx.sessions.csrf(cookie) if cookie and by_cookie else None,
    )
