"""The staff pages' language: Indonesian by default, English on request; the same catalogs as the bot."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.support import NullTranslations, Translations
from fastapi import Request

from core.languages import DEFAULT_LANGUAGE, LANGUAGES, LOCALES

LANGUAGE_COOKIE = "lang"


def load_translations() -> dict[str, NullTranslations]:
    return {lang: Translations.load(str(LOCALES), [lang], "messages") for lang in LANGUAGES}


def language_of(request: Request) -> str:
    """?lang= first (and the page then sets the cookie), then the cookie, then the browser's first choice."""
    asked = request.query_params.get("lang") or request.cookies.get(LANGUAGE_COOKIE)
    if asked in LANGUAGES:
        return str(asked)
    first = request.headers.get("accept-language", "").split(",")[0].strip().lower()
    return "en" if first.startswith("en") else DEFAULT_LANGUAGE


def translator(request: Request) -> Callable[[str], str]:
    """`_` for texts written in Python (errors, notices) in this request's language."""
    translations: dict[str, NullTranslations] = request.app.state.translations
    return translations[language_of(request)].gettext


def hm(value: time) -> str:
    return f"{value:%H:%M}"


def local_time(instant: datetime | None, zone: str, lang: str) -> str:
    """An instant as the office's wall clock reads it: '08:05'; with the date when it is not today's."""
    if instant is None:
        return ""
    return format_datetime(instant.astimezone(ZoneInfo(zone)), "HH:mm", locale=lang)


def local_datetime(instant: datetime | str | None, zone: str, lang: str) -> str:
    """'6 Des 2026 14:05'; `instant` may be ISO text (as kept in a ticket's context)."""
    if instant is None or instant == "":
        return ""
    if isinstance(instant, str):
        try:
            parsed = datetime.fromisoformat(instant)
        except ValueError:
            return instant
        instant = parsed
    return format_datetime(instant.astimezone(ZoneInfo(zone)), "d MMM y HH:mm", locale=lang)
