"""A browser chat that plays a Telegram user against the Bot API stand-in: the bot, tried without Telegram.

The page talks to the stand-in's HTTP API (`/standin/users/...`) from the browser; it imports nothing of the
product. Its own words come from the product's gettext catalogs (the `locales` folder the caller names), so they
are translated where every other text is.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from babel.support import NullTranslations, Translations
from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

PLAYGROUND_PATH = "/playground"
STATIC_PATH = PLAYGROUND_PATH + "/static"
DEMO_PHONE = "+6281234567890"  # what the contact button shares: a well-formed Indonesian mobile number
LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
HERE = Path(__file__).resolve().parent


def N_(message: str) -> str:
    """Marks a text for the catalogs; it is translated when the page is rendered."""
    return message


# The page's own words (the bot's words come from the bot), by the key the page's script reads them with.
TEXTS = {
    "title": N_("Antrean — chat playground"),
    "subtitle": N_("playground bot"),
    "user": N_("Applicant {id}"),
    "language": N_("Telegram language"),
    "newApplicant": N_("New applicant"),
    "composer": N_("Write a message…"),
    "send": N_("Send"),
    "start": N_("START"),
    "empty": N_("No messages yet. Press START or send /start."),
    "edited": N_("edited"),
    "download": N_("Download"),
    "contact": N_("Contact: {phone}"),
    "sticker": N_("Sticker"),
    "confirmContact": N_("Share the demo phone number {phone} with the bot?"),
    "unsupportedButton": N_("This kind of button is not supported in the playground."),
    "unreachable": N_("The Telegram stand-in cannot be reached: {error}"),
    "failed": N_("Not sent: {error}"),
    "close": N_("Close"),
}


def _json_in_script(value: object) -> str:
    # JSON inside <script> must not close the element or open a comment, whatever the strings hold.
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError(f"the stand-in URL must be http(s)://host:port, not {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def _translator(locales: Path | None, lang: str) -> Callable[[str], str]:
    if locales is None:
        return NullTranslations().gettext
    return Translations.load(str(locales), [lang], domain="messages").gettext


def render_page(
    standin_url: str, *, bot_name: str = "Antrean", lang: str = DEFAULT_LANGUAGE, locales: Path | None = None
) -> str:
    """The playground page with its chrome in `lang` (Indonesian for any language it does not know)."""
    lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
    _ = _translator(locales, lang)
    texts = {key: _(text) for key, text in TEXTS.items()}
    config = {"standinUrl": standin_url.rstrip("/"), "lang": lang, "texts": texts, "demoPhone": DEMO_PHONE}
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True))
    return env.get_template("playground.html").render(
        lang=lang, texts=texts, bot_name=bot_name, static=STATIC_PATH, config=_json_in_script(config)
    )


def playground_router(standin_url: str, *, bot_name: str = "Antrean", locales: Path | None = None) -> APIRouter:
    """GET /playground: a Telegram-like chat in the browser, talking to the stand-in at `standin_url`."""
    origin = _origin(standin_url)
    # The page shows what the bot sends; the policy lets only our own script and style load and only the
    # stand-in be fetched, so even a rendering mistake cannot load or run anything else.
    policy = "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            f"connect-src {origin}",
            "img-src data:",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )
    headers = {"Content-Security-Policy": policy, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    pages = {lang: render_page(standin_url, bot_name=bot_name, lang=lang, locales=locales) for lang in LANGUAGES}
    static = {name: HERE / "static" / name for name in ("playground.css", "playground.js")}

    router = APIRouter()

    @router.get(PLAYGROUND_PATH, response_class=HTMLResponse, include_in_schema=False)
    async def playground(lang: str = DEFAULT_LANGUAGE) -> HTMLResponse:
        """The chat page; its own texts in Indonesian, or in English with ?lang=en."""
        return HTMLResponse(pages.get(lang, pages[DEFAULT_LANGUAGE]), headers=headers)

    @router.get(STATIC_PATH + "/{name}", include_in_schema=False)
    async def asset(name: str) -> FileResponse:
        """The page's script and style sheet."""
        path = static.get(name)
        if path is None:
            raise HTTPException(404, "no such file")
        return FileResponse(path, headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"})

    return router
