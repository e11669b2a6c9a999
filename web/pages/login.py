"""Signing in and out with the login form: the session cookie the pages (and the API) accept."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from core.services import staff
from web.auth import client_address, issue_token, safe_next, sign_in
from web.deps import Ctx, WebContext
from web.i18n import translator
from web.pages.common import render
from web.security import LOGIN_COOKIE, LOGIN_FORM_SECONDS, SESSION_COOKIE, SESSION_SECONDS

router = APIRouter()


class Credentials(BaseModel):
    """The login form; `next` is the page to go back to, checked by safe_next before use."""

    username: str = Field(max_length=200)
    password: str = Field(max_length=1000)
    next: str = "/"
    csrf: str = Field("", max_length=64)


def _login_form(request: Request, ctx: WebContext, *, status_code: int = 200, **values: Any) -> Response:
    """The login page with a fresh pre-session CSRF token: a signed cookie, and its HMAC in the form."""
    cookie = ctx.sessions.login_cookie()
    response = render(request, "login.html", None, login_csrf=ctx.sessions.csrf(cookie), status_code=status_code,
                      **values)  # fmt: skip
    response.set_cookie(
        LOGIN_COOKIE,
        cookie,
        max_age=LOGIN_FORM_SECONDS,
        path="/login",
        httponly=True,
        samesite="strict",
        secure=ctx.secure_cookies,
    )
    return response


@router.get("/login")
async def login_page(request: Request, ctx: Ctx, next: str = "/") -> Response:
    return _login_form(request, ctx, next=safe_next(next), username="")


@router.post("/login")
async def login(request: Request, ctx: Ctx, form: Annotated[Credentials, Form()]) -> Response:
    _ = translator(request)
    # Without the form's token another site could sign the officer in to an account of its choosing (login CSRF).
    if not ctx.sessions.login_ok(request.cookies.get(LOGIN_COOKIE), form.csrf):
        error = _("This sign-in form is out of date or did not come from this site. Sign in again.")
        return _login_form(request, ctx, next=safe_next(form.next), username=form.username, error=error,
                           status_code=status.HTTP_403_FORBIDDEN)  # fmt: skip
    member, wait = await sign_in(ctx, form.username, form.password, client_address(request))
    if member is None:
        if wait:
            error = _("Too many wrong passwords. Try again in {minutes} minutes.").format(
                minutes=max(1, round(wait / 60))
            )
            code = status.HTTP_429_TOO_MANY_REQUESTS
        else:
            error = _("Wrong username or password.")
            code = status.HTTP_401_UNAUTHORIZED
        response = _login_form(
            request, ctx, next=safe_next(form.next), username=form.username, error=error, status_code=code
        )
        if wait:
            response.headers["Retry-After"] = str(wait)
        return response
    redirect = RedirectResponse(safe_next(form.next), status_code=status.HTTP_303_SEE_OTHER)
    redirect.delete_cookie(LOGIN_COOKIE, path="/login")
    redirect.set_cookie(
        SESSION_COOKIE,
        await issue_token(ctx, member),
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="lax",
        secure=ctx.secure_cookies,
    )
    return redirect


@router.post("/logout")
async def logout(request: Request, ctx: Ctx) -> Response:
    """Ends the session on the server, so a copy of the cookie stops working too."""
    # No CSRF check needed: the worst a forged sign-out does is ask the officer to sign in again.
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await staff.end_session(ctx.uow(), token)
    redirect = RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)
    redirect.delete_cookie(SESSION_COOKIE)
    return redirect
