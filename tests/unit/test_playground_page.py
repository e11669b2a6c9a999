"""The playground's own words come from the catalogs, in the page's language."""

from __future__ import annotations

import json
import re

from core.languages import LOCALES
from devtools.playground import TEXTS, render_page


def _config(page: str) -> dict[str, object]:
    found = re.search(r'<script id="config" type="application/json">(.*?)</script>', page, re.S)
    assert found is not None
    loaded = json.loads(found.group(1))
    assert isinstance(loaded, dict)
    return loaded


def test_the_page_speaks_indonesian_by_default_and_english_on_request() -> None:
    indonesian = render_page("http://127.0.0.1:9", locales=LOCALES)
    english = render_page("http://127.0.0.1:9", lang="en", locales=LOCALES)
    assert '<html lang="id">' in indonesian and "Tulis pesan…" in indonesian and "Pemohon baru" in indonesian
    assert '<html lang="en">' in english and "Write a message…" in english and "New applicant" in english


def test_every_text_the_script_shows_is_translated() -> None:
    texts = _config(render_page("http://127.0.0.1:9", locales=LOCALES))["texts"]
    assert isinstance(texts, dict) and texts.keys() == TEXTS.keys()
    untranslated = [key for key, text in texts.items() if text == TEXTS[key]]
    assert untranslated == []


def test_a_language_it_does_not_know_gets_indonesian() -> None:
    assert '<html lang="id">' in render_page("http://127.0.0.1:9", lang="fr", locales=LOCALES)
