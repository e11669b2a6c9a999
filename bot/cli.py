"""`antrean`: the engine's commands, plus `antrean bot` (long polling), which the engine cannot know about."""

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
    return core_cli.main(args)


if __name__ == "__main__":
    raise SystemExit(main())
