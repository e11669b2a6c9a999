"""Signing in, shared by the login form (session cookie) and the API's token endpoint (bearer token)."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request

from core.domain.staff import StaffMember
from core.services import staff
from web.deps import WebContext


def client_address(request: Request) -> str:
    # Behind the proxy, uvicorn's --proxy-headers has already put the client's address here.
    return request.client.host if request.client else "unknown"


def safe_next(target: str | None) -> str:
    """Only a path on this site: a login link must not send the officer elsewhere after signing in."""
    if not target:
        return "/"
    parts = urlsplit(target)
    # Browsers read "/\\host" as "//host": another site.
    if parts.scheme or parts.netloc or not target.startswith("/") or target[1:2] in ("/", "\\"):
        return "/"
    return target


async def sign_in(ctx: WebContext, username: str, password: str, address: str) -> tuple[StaffMember | None, int]:
    """(member, 0) on success; (None, seconds to wait) when throttled; (None, 0) for a wrong password."""
    wait = await ctx.throttle.wait_seconds(username, address)
    if wait:
        return None, wait
    member = await staff.authenticate(ctx.reader(), ctx.passwords, username, password)
    if member is None:
        await ctx.throttle.failed(username, address)
        return None, 0
    await ctx.throttle.succeeded(username, address)
    return member, 0


async def issue_token(ctx: WebContext, member: StaffMember) -> str:
    """A new session's token, for the cookie or the Authorization header: it lasts until signed out or expired."""
    return await staff.start_session(ctx.uow(), member.id, ctx.now())
