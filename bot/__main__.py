"""`python -m bot`: run the bot with long polling, configured from the environment."""

import asyncio
import logging

from bot.app import run_polling
from core.config import Settings

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(run_polling(Settings()))
