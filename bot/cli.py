"""`antrean`: the engine's commands, plus the doors the engine cannot know about.

`antrean bot` runs the bot by long polling; `antrean web` serves the web app (staff pages and API), which takes
the bot's updates by webhook when ANTREAN_WEBHOOK_URL is set, in ANTREAN_WEB_WORKERS processes; `antrean demo`
runs everything in one process against the Bot API stand-in.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Sequence

from core import cli as core_cli
from core.config import Settings


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["bot"]:
        from bot.app import run_polling

        settings = Settings()
        if not settings.bot_token:
            print(
                "antrean bot: set ANTREAN_BOT_TOKEN (and ANTREAN_TELEGRAM_API_URL for a self-hosted Bot API)",
                file=sys.stderr,
            )
            return 2
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        asyncio.run(run_polling(settings))
        return 0
    if args[:1] == ["web"]:
        import uvicorn
        from pydantic import ValidationError

        try:
            settings = Settings()
        except ValidationError as err:
            print(f"antrean web: {err}", file=sys.stderr)
            return 2
        uvicorn.run(
            "bot.app:webhook_app",
            factory=True,
            host=settings.web_host,
            port=settings.web_port,
            workers=settings.web_workers,
            proxy_headers=True,
        )
        return 0
    if args[:1] == ["demo"]:
        from bot.demo import run_demo

        parsed = core_cli.build_parser().parse_args(args)
        logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        asyncio.run(run_demo(Settings(), web_port=parsed.port, standin_port=parsed.standin_port))
        return 0
    return core_cli.main(args)


if __name__ == "__main__":
    raise SystemExit(main())
