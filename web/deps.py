"""What every staff route needs, built once at start-up and handed to routes as `Annotated` dependencies."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer

from core.crypto import Passwords, Vault
from core.domain.staff import StaffMember
from core.runtime import Runtime
from core.services import staff
from core.services.uow import UnitOfWork
from web.security import SESSION_COOKIE, LoginThrottle, Sessions


@dataclass
class WebContext:
    """The staff side's parts: the engine's runtime and the web app's own."""

    runtime: Runtime
    passwords: Passwords
    sessions: Sessions
    throttle: LoginThrottle
    secure_cookies: bool  # production serves HTTPS only: cookies never travel in clear
    # Where units of work come from: the runtime's engine, or a test's one transaction that it rolls back.
    units: Callable[[bool], UnitOfWork] | None = None

    def uow(self) -> UnitOfWork:
        return self.units(True) if self.units is not None else self.runtime.uow()

    def reader(self) -> UnitOfWork:
        return self.units(False) if self.units is not None else self.runtime.reader()

    def now(self) -> datetime:
        return self.runtime.clock.now()


def context(request: Request) -> WebContext:
    ctx: WebContext = request.app.state.staff
    return ctx


Ctx = Annotated[WebContext, Depends(context)]


def _uow(ctx: Ctx) -> UnitOfWork:
    return ctx.uow()


def _reader(ctx: Ctx) -> UnitOfWork:
    return ctx.reader()


def _now(ctx: Ctx) -> datetime:
    return ctx.now()


def _vault(ctx: Ctx) -> Vault:
    return ctx.runtime.vault


# A route's parts, one parameter each: a unit of work to change things (its use case commits it), one to read,
# the request's one instant (every rule in it sees the same time), and the key holder for NIKs and proofs.
UowDep = Annotated[UnitOfWork, Depends(_uow)]
ReaderDep = Annotated[UnitOfWork, Depends(_reader)]
Now = Annotated[datetime, Depends(_now)]
VaultDep = Annotated[Vault, Depends(_vault)]


@dataclass(frozen=True, slots=True)
class Desk:
    """A route's common parts as one parameter: the request, the context, both units, the instant, the vault."""

    request: Request
    ctx: Ctx
    uow: UowDep
    reader: ReaderDep
    now: Now

    @property
    def vault(self) -> Vault:
        return self.ctx.runtime.vault


# Who is asking stays a parameter of its own: each route shows at a glance how it signs its member in.
DeskDep = Annotated[Desk, Depends()]

# For the OpenAPI schema and Swagger's "Authorize" button; the cookie is accepted as well.
bearer = OAuth2PasswordBearer(tokenUrl="/api/token", auto_error=False)


class SignInRequired(Exception):
    """A page asked for without a valid session: the page handler turns it into a redirect to /login."""


async def _member(ctx: WebContext, token: str | None) -> StaffMember | None:
    if not token or len(token) > 200:  # ours are 43 characters; a longer one is not worth a query
        return None
    return await staff.session_member(ctx.reader(), token, ctx.now())


async def api_member(request: Request, ctx: Ctx, token: Annotated[str | None, Depends(bearer)] = None) -> StaffMember:
    """The staff member of a bearer token, or of the session cookie (then a changing request needs CSRF)."""
    if token is not None:
        member = await _member(ctx, token)
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        member = await _member(ctx, cookie)
        changes = request.method not in ("GET", "HEAD", "OPTIONS")
        if (
            member is not None
            and cookie
            and changes
            and not ctx.sessions.csrf_ok(cookie, request.headers.get("x-csrf-token"))
        ):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "missing or wrong X-CSRF-Token")
    if member is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "sign in first", headers={"WWW-Authenticate": "Bearer"})
    return member


async def page_member(request: Request, ctx: Ctx) -> StaffMember:
    member = await _member(ctx, request.cookies.get(SESSION_COOKIE))
    if member is None:
        raise SignInRequired()
    return member


class StaleForm(Exception):
    """A form posted without this session's CSRF token: old, from another tab's session, or forged."""


async def form_member(request: Request, ctx: Ctx) -> StaffMember:
    """The member posting a page's form, which must carry the session's CSRF token."""
    member = await page_member(request, ctx)
    form = await request.form()  # Starlette keeps the parsed form, so the route's Form() fields reuse it
    token = form.get("csrf")
    if not ctx.sessions.csrf_ok(request.cookies.get(SESSION_COOKIE) or "", token if isinstance(token, str) else None):
        raise StaleForm()
    return member


ApiStaff = Annotated[StaffMember, Depends(api_member)]
PageStaff = Annotated[StaffMember, Depends(page_member)]
FormStaff = Annotated[StaffMember, Depends(form_member)]
