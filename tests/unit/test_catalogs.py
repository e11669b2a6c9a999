"""The gettext catalogs: complete in both languages, current with the code, Indonesian plural rule."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "locales"
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def _catalog(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f)


def _ids(catalog: Catalog) -> set[str]:
    return {str(m.id) for m in catalog if m.id}


@pytest.mark.parametrize("language", ["id", "en"])
def test_every_message_is_translated_and_none_is_fuzzy(language: str) -> None:
    catalog = _catalog(LOCALES / language / "LC_MESSAGES" / "messages.po")
    untranslated = [m.id for m in catalog if m.id and not m.string]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not untranslated, f"untranslated in {language}: {untranslated}"
    assert not fuzzy, f"fuzzy in {language}: {fuzzy}"


@pytest.mark.parametrize("language", ["id", "en"])
def test_translations_keep_every_placeholder(language: str) -> None:
    for m in _catalog(LOCALES / language / "LC_MESSAGES" / "messages.po"):
        if m.id:
            assert set(PLACEHOLDER.findall(str(m.id))) == set(PLACEHOLDER.findall(str(m.string))), m.id


def test_indonesian_has_one_plural_form() -> None:
    text = (LOCALES / "id" / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    assert '"Plural-Forms: nplurals=1; plural=0;\\n"' in text


def test_the_catalogs_hold_exactly_the_texts_of_the_code(tmp_path: Path) -> None:
    fresh = tmp_path / "messages.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run(
        [str(pybabel), "extract", "-F", "babel.cfg", "-k", "_", "-k", "__", "-o", str(fresh), "."],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    in_code = _ids(_catalog(fresh))
    for language in ("id", "en"):
        in_catalog = _ids(_catalog(LOCALES / language / "LC_MESSAGES" / "messages.po"))
        assert in_code == in_catalog, f"run scripts/catalogs --update ({language})"
