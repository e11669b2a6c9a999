"""The help topics' texts in every language, read from the catalogs the bot and the web app use."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from babel.support import Translations

from core.faq.index import FaqIndex
from core.faq.topics import TOPICS
from core.languages import LANGUAGES, LOCALES


def catalog_gettext() -> dict[str, Callable[[str], str]]:
    """For each language, its catalog's gettext."""
    return {lang: Translations.load(str(LOCALES), [lang], "messages").gettext for lang in LANGUAGES}


@lru_cache(maxsize=1)
def faq_index() -> FaqIndex:
    """The process's index of the help topics, built once (in about 20 ms) on first use."""
    return FaqIndex(TOPICS, catalog_gettext())
