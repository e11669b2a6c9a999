"""Signing in and out: the login form (session cookie) and the API's token endpoint (bearer token)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, HTTPException, Request, status
from fastapi.responses import RedirectResponse, Response
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from core.domain.staff import StaffMember
from core.services import staff
from web.deps import Ctx, WebContext
from web.i18n import translator
from web.security import SESSION_COOKIE, SESSION_HOURS


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = SESSION_HOURS * 3600


class TokenRefused(BaseModel):
    detail: str


_TOKEN_REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"model": TokenRefused, "description": "Wrong username or password, or the account is turned off."},
    429: {
        "model": TokenRefused,
        "description": "Too many wrong passwords for this name or address: Retry-After says how many seconds.",
    },
}


def client_address(request: Request) -> str:
    # Behind the proxy, uvicorn's --proxy-headers has already put the client's address here.
    return request.client.host if request.client else "unknown"


def _safe_next(target: str | None) -> str:
    """Only a path on this site: a login link must not send the officer elsewhere after signing in."""
    if not target:
        return "/"
    parts = urlsplit(target)
    # Browsers read "/\\host" as "//host": another site.
    if parts.scheme or parts.netloc or not target.startswith("/") or target[1:2] in ("/", "\\"):
        return "/"
    return target


async def _sign_in(ctx: WebContext, username: str, password: str, address: str) -> tuple[StaffMember | None, int]:
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


async def _token(ctx: WebContext, member: StaffMember) -> str:
    found = await staff.get_member(ctx.reader(), member.id)
    assert found is not None
    return ctx.sessions.issue(member.id, found[1])


def auth_router() -> APIRouter:
    router = APIRouter()

    @router.get("/login", include_in_schema=False)
    async def login_page(request: Request, next: str = "/") -> Response:
        pages = request.app.state.pages
        return pages.render(request, "login.html", next=_safe_next(next), username="")  # type: ignore[no-any-return]

    @router.post("/login", include_in_schema=False)
    async def login(
        request: Request,
        ctx: Ctx,
        username: Annotated[str, Form(max_length=200)],
        password: Annotated[str, Form(max_length=1000)],
        next: Annotated[str, Form()] = "/",
    ) -> Response:
        _ = translator(request)
        member, wait = await _sign_in(ctx, username, password, client_address(request))
        if member is None:
            if wait:
                error = _("Too many wrong passwords. Try again in {minutes} minutes.").format(
                    minutes=max(1, round(wait / 60))
                )
                code = status.HTTP_429_TOO_MANY_REQUESTS
            else:
                error = _("Wrong username or password.")
                code = status.HTTP_401_UNAUTHORIZED
            pages = request.app.state.pages
            response: Response = pages.render(
                request, "login.html", next=_safe_next(next), username=username, error=error, status_code=code
            )
            if wait:
                response.headers["Retry-After"] = str(wait)
            return response
        redirect = RedirectResponse(_safe_next(next), status_code=status.HTTP_303_SEE_OTHER)
        redirect.set_cookie(
            SESSION_COOKIE,
            await _token(ctx, member),
            max_age=SESSION_HOURS * 3600,
            httponly=True,
            samesite="lax",
            secure=ctx.secure_cookies,
        )
        return redirect

    @router.post("/logout", include_in_schema=False)
    async def logout() -> Response:
        # No CSRF check needed: the worst a forged sign-out does is ask the officer to sign in again.
        redirect = RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)
        redirect.delete_cookie(SESSION_COOKIE)
        return redirect

    @router.post("/api/token", response_model=Token, tags=["auth"], responses=_TOKEN_REFUSALS)
    async def token(request: Request, ctx: Ctx, form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Token:
        """A bearer token for the API (OAuth2 password flow), valid for one working day."""
        member, wait = await _sign_in(ctx, form.username, form.password, client_address(request))
        if wait:
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS, "too many wrong passwords", headers={"Retry-After": str(wait)}
            )
        if member is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED, "wrong username or password", headers={"WWW-Authenticate": "Bearer"}
            )
        return Token(access_token=await _token(ctx, member))

    return router
