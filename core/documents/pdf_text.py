"""Text on our PDFs (proof, daily list): the standard fonts, Indonesian and English dates, masked NIKs."""

from __future__ import annotations

import functools
import unicodedata
from datetime import date, time

from babel import Locale
from babel.dates import format_date
from reportlab.lib.pagesizes import A4

from core.domain.identity import mask_number

PAGE_W, PAGE_H = A4
REGULAR = "Helvetica"
BOLD = "Helvetica-Bold"
Rgb = tuple[float, float, float]
GREY: Rgb = (0.35, 0.35, 0.35)
RULE: Rgb = (0.75, 0.75, 0.75)


@functools.cache
def _locale(code: str) -> Locale:
    return Locale.parse(code)


def format_day(day: date, locale: str) -> str:
    """'Jumat, 27 November 2026' (id) or 'Friday, 27 November 2026' (en)."""
    return format_date(day, "EEEE, d MMMM y", locale=_locale(locale))


def format_times(start: time, end: time, zone_label: str) -> str:
    """'09:00–10:00 WIB'."""
    return f"{start:%H:%M}–{end:%H:%M} {zone_label}"


def masked_nik(nik: str) -> str:
    """The NIK as given if it is masked already; a full number passed by mistake is masked here, never printed."""
    return nik if "*" in nik else mask_number(nik)


# Letters that do not decompose into a WinAnsi letter and an accent, spelled the way they are read.
_SPELLED = str.maketrans({"ı": "i", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ħ": "h", "ŀ": "l", "ſ": "s"})


def latin(text: str) -> str:
    """Text the standard PDF fonts can show (WinAnsi): accents dropped where needed, '?' for anything else."""
    if text.isprintable() and _in_cp1252(text):
        return text
    out = []
    for ch in text.translate(_SPELLED):
        if unicodedata.category(ch)[0] == "C":
            out.append(" ")  # a tab, newline or other control has no glyph
        elif _in_cp1252(ch):
            out.append(ch)
        else:
            # 'ğ' -> 'g' + breve -> 'g'; an emoji or a CJK letter has no Latin base and becomes '?'.
            base = "".join(b for b in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(b))
            out.append(base if base and _in_cp1252(base) else "?")
    return "".join(out)


def _in_cp1252(text: str) -> bool:
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True
