"""Gettext catalogs for the bot: Indonesian by default, English when the applicant's Telegram or choice says so."""

from __future__ import annotations

from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.types import TelegramObject, User
from aiogram.utils.i18n import I18n, I18nMiddleware

from core.languages import DEFAULT_LANGUAGE, LANGUAGES, LOCALES


def make_i18n() -> I18n:
    return I18n(path=LOCALES, default_locale=DEFAULT_LANGUAGE, domain="messages")


def language_of(user: User | None) -> str:
    """English for an English Telegram, Indonesian for everyone else."""
    return language_of_app((user.language_code or "") if user else "")


def language_of_app(code: str) -> str:
    """The same from the Telegram app's language code alone (an update not yet parsed: bot/inbox.py)."""
    return "en" if code.lower().startswith("en") else DEFAULT_LANGUAGE


class LocaleMiddleware(I18nMiddleware):
    """The account's chosen language wins; before registration, one chosen with /language, else the Telegram app's."""

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        account = data.get("account")
        if account is not None and account.language in LANGUAGES:
            return str(account.language)
        state: FSMContext | None = data.get("state")  # aiogram's FSM middleware runs first, on the update
        chosen = (await state.get_data()).get("language") if state is not None else None
        return str(chosen) if chosen in LANGUAGES else language_of(data.get("event_from_user"))
