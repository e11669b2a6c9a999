"""The help topics' texts in every language, read from the catalogs the bot and the web app use."""

from __future__ import annotations

import re
from collections.abc import Callable

from babel.support import Translations

from core.languages import LANGUAGES, LOCALES
from core.services.offices import parse_offices_csv, shipped_offices_csv


def catalog_gettext() -> dict[str, Callable[[str], str]]:
    """For each language, its catalog's gettext. A missing catalog is an error, not English in its place: the
    index would quietly lose the Indonesian words."""
    found: dict[str, Callable[[str], str]] = {}
    for lang in LANGUAGES:
        translations = Translations.load(str(LOCALES), [lang], "messages")
        if not isinstance(translations, Translations):
            raise FileNotFoundError(f"no compiled catalog for {lang!r} under {LOCALES} (run scripts/catalogs)")
        found[lang] = translations.gettext
    return found


def office_places() -> set[str]:
    """The words of the shipped offices' cities and provinces: a question names them, and they are not typos."""
    offices = parse_offices_csv(shipped_offices_csv())
    return {w for o in offices for w in re.findall(r"[a-z]+", f"{o.city} {o.province}".casefold())}
