"""The languages Antrean speaks, shared by the bot and the web app: Indonesian by default, English beside it."""

from __future__ import annotations

from pathlib import Path

# The gettext catalogs (locales/<lang>/LC_MESSAGES/messages.po), one set for every adapter.
LOCALES = Path(__file__).resolve().parent.parent / "locales"
LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
