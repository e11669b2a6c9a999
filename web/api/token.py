"""The API's token endpoint: a bearer token for a username and password (OAuth2 password flow)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from web.auth import client_address, issue_token, sign_in
from web.deps import Ctx
from web.security import SESSION_SECONDS

router = APIRouter(tags=["auth"])


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = SESSION_SECONDS


class TokenRefused(BaseModel):
    detail: str


_TOKEN_REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"model": TokenRefused, "description": "Wrong username or password, or the account is turned off."},
    429: {
        "model": TokenRefused,
        "description": "Too many wrong passwords for this name or address: Retry-After says how many seconds.",
    },
}


@router.post("/token", response_model=Token, responses=_TOKEN_REFUSALS)
async def token(request: Request, ctx: Ctx, form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Token:
    """A bearer token for the API (OAuth2 password flow), valid for one working day."""
    member, wait = await sign_in(ctx, form.username, form.password, client_address(request))
    if wait:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS, "too many wrong passwords", headers={"Retry-After": str(wait)}
        )
    if member is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "wrong username or password", headers={"WWW-Authenticate": "Bearer"}
        )
    return Token(access_token=await issue_token(ctx, member))
