"""The API's refusals as the OpenAPI schema documents them: `{"error": code, "detail": text}` per status."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorOut(BaseModel):
    """A refusal: `error` is the engine's stable code (null when signing in failed), `detail` says it in words."""

    error: str | None = Field(None, examples=["not_allowed"])
    detail: str = Field(examples=["Your account may not do this, or not at this office."])


class FieldError(BaseModel):
    loc: list[str | int] = Field(examples=[["body", "capacity"]])
    msg: str
    type: str


class ValidationErrors(BaseModel):
    """Input that does not fit the schema: what is wrong with each field."""

    detail: list[FieldError]


_MEANING = {
    400: "The body is not JSON.",
    401: "Not signed in: no valid bearer token or session cookie.",
    403: "The account's role or offices do not allow this, or a cookie session sent no X-CSRF-Token.",
    404: "No office, booking or staff account has this code or number.",
    409: "The request conflicts with the data as it stands (places taken, already checked in, name taken).",
    422: "The input is malformed (a list of field errors) or the engine refused it (error and detail).",
}


def refusals(*codes: int, body: bool = False) -> dict[int | str, dict[str, Any]]:
    """The error responses of a route for the OpenAPI schema; 401 for every route, as all need a member."""
    out: dict[int | str, dict[str, Any]] = {}
    for code in sorted({401, 422, *codes, *([400] if body else [])}):
        # 422 is either pydantic's list of field errors or the engine's refusal.
        model: Any = ErrorOut | ValidationErrors if code == 422 else ErrorOut
        out[code] = {"model": model, "description": _MEANING[code]}
    return out
