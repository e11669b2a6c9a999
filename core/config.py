"""One validated Settings object, read from the environment (ANTREAN_*) or `.env`, built at start-up."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET = "antrean-development-secret-do-not-use-in-production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ANTREAN_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///var/antrean.sqlite3"
    # Derives the keys that encrypt NIKs, hash them for lookup and sign proofs: keep it out of the database.
    secret_key: str = Field(default=DEVELOPMENT_SECRET, min_length=16)
    hold_minutes: int = Field(default=5, ge=1, le=60)
    redis_url: str | None = None
    bot_token: str | None = None
    telegram_api_url: str = "https://api.telegram.org"
    # Telegram allows a bot about 30 messages a second; with several bot workers, give each its share.
    telegram_messages_per_second: float = Field(default=30.0, gt=0, le=30)

    @model_validator(mode="after")
    def _refuse_default_secret_in_production(self) -> Settings:
        if self.environment == "production" and self.secret_key == DEVELOPMENT_SECRET:
            raise ValueError("ANTREAN_SECRET_KEY must be set to a real secret in production")
        return self
