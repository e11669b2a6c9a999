"""Server-rendered staff pages: one Jinja environment per language, filled with the request's context."""

from __future__ import annotations

from collections.abc import Mapping
from gettext import NullTranslations
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from core.documents.pdf_text import format_day
from core.domain.booking import format_booking_code
from core.domain.staff import Permission, StaffMember
from core.languages import LANGUAGES
from web import i18n
from web.audit_view import role_name
from web.security import SESSION_COOKIE

TEMPLATES = Path(__file__).resolve().parent / "templates"


class Pages:
    """Renders templates; an environment per language keeps gettext out of shared mutable state."""

    def __init__(self, translations: Mapping[str, NullTranslations]) -> None:
        self._envs: dict[str, Environment] = {}
        for lang, catalog in translations.items():
            env = Environment(
                loader=FileSystemLoader(TEMPLATES),
                autoescape=select_autoescape(["html"]),
                extensions=["jinja2.ext.i18n"],
                trim_blocks=True,
                lstrip_blocks=True,
            )
            env.install_gettext_translations(catalog, newstyle=True)  # type: ignore[attr-defined]
            # 'Senin, 30 November 2026': the date as the printed list and the proof say it.
            env.filters["long_day"] = lambda d, lang=lang: format_day(d, lang)
            env.filters["hm"] = i18n.hm
            env.filters["booking_code"] = format_booking_code
            env.filters["local_time"] = lambda t, zone, lang=lang: i18n.local_time(t, zone, lang)
            env.filters["local_datetime"] = lambda t, zone, lang=lang: i18n.local_datetime(t, zone, lang)
            env.globals["Permission"] = Permission
            env.globals["role_name"] = lambda role, catalog=catalog: role_name(str(role), catalog.gettext)
            self._envs[lang] = env

    def render(
        self,
        request: Request,
        template: str,
        member: StaffMember | None = None,
        *,
        status_code: int = 200,
        **values: Any,
    ) -> HTMLResponse:
        lang = i18n.language_of(request)
        token = request.cookies.get(SESSION_COOKIE)
        sessions = request.app.state.staff.sessions
        page = (
            self._envs[lang]
            .get_template(template)
            .render(
                request=request,
                member=member,
                lang=lang,
                other_lang="en" if lang == "id" else "id",
                csrf=sessions.csrf(token) if token and member is not None else "",
                **values,
            )
        )
        response = HTMLResponse(page, status_code=status_code)
        if request.query_params.get("lang") in LANGUAGES:
            response.set_cookie(i18n.LANGUAGE_COOKIE, lang, max_age=365 * 86400, samesite="lax")
        return response
