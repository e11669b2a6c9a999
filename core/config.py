"""One validated Settings object, read from the environment (ANTREAN_*) or `.env`, built at start-up."""

from __future__ import annotations

from datetime import timedelta
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
    # Days after a booking's day that its people stay named on it; then the worker keeps only what offices count.
    retention_days: int = Field(default=90, ge=1, le=3650)
    redis_url: str | None = None
    bot_token: str | None = None
    telegram_api_url: str = "https://api.telegram.org"
    # Telegram allows a bot about 30 messages a second; with several bot workers, give each its share.
    telegram_messages_per_second: float = Field(default=30.0, gt=0, le=30)
    # The outbox's sender (`antrean worker`): new messages a second to different chats, the same with Telegram's
    # paid broadcasts (an office option for opening alerts), and the least time between two messages in one chat.
    outbox_messages_per_second: float = Field(default=30.0, gt=0, le=30)
    outbox_paid_messages_per_second: float = Field(default=1000.0, gt=0, le=1000)
    outbox_chat_interval: float = Field(default=1.0, ge=0, le=60)
    # Updates handled at once by one process; more wait in Telegram's queue (polling) or for a turn (webhook).
    # Bounded so that a rush never asks the database pool for more connections than it has. 16 answered a rush
    # sooner than 32 and handled as many updates a second, on SQLite and PostgreSQL (bench/bot_rush.py).
    updates_in_flight: int = Field(default=16, ge=1, le=1000)
    # Long polling takes at most this many updates per getUpdates (Telegram's own default is 100): the rest of
    # a rush waits at Telegram instead of inside this process (bot/limiter.py, FetchAtMost, says why).
    updates_per_fetch: int = Field(default=8, ge=1, le=100)
    # Processes that render PDF proofs beside the event loop (0: a thread instead, on a one-core machine).
    proof_workers: int = Field(default=1, ge=0, le=16)
    # Webhook mode: Telegram POSTs updates to {webhook_url}/telegram/webhook with this secret in a header.
    webhook_url: str | None = None
    webhook_secret: str | None = Field(default=None, min_length=16, pattern=r"^[A-Za-z0-9_-]{16,256}$")
    # Telegram opens at most this many connections to the webhook at once (`antrean webhook set`; 1-100).
    webhook_max_connections: int = Field(default=40, ge=1, le=100)
    # Webhook mode keeps each update in the inbox before answering Telegram. A worker holds the updates it took for
    # this long, renewing while it handles them: a worker that dies leaves them to the others after at most this.
    inbox_lease_seconds: float = Field(default=30.0, ge=1, le=600)
    # When updates have waited longer than this for a worker, a tap is answered at once with "in line".
    busy_answer_after: float = Field(default=1.0, ge=0, le=60)
    # Optional: a Telegram supergroup with topics (its id, -100…) where support staff answer tickets in Telegram as
    # well as on the help-desk pages. The bot must be an administrator there, allowed to manage topics.
    support_group_id: int | None = Field(default=None, lt=0)
    # /metrics answers only with this bearer token (Prometheus: `authorization: {credentials: …}`); unset, it is off.
    metrics_token: str | None = Field(default=None, min_length=16)
    # `antrean worker` serves its own metrics (the outbox's) on this port, when set; it is not the public app.
    worker_metrics_port: int | None = Field(default=None, ge=1, le=65535)
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8080, ge=1, le=65535)
    web_workers: int = Field(default=1, ge=1, le=64)
    # The proxies whose X-Forwarded-For / -Proto `antrean web` believes, comma-separated ("10.0.0.5,10.0.0.6", or
    # "*" behind a proxy that strips the headers clients send). None: the client's own address counts, so nobody
    # can pick the address the sign-in throttle sees by sending the header.
    forwarded_allow_ips: str | None = None

    @property
    def retention(self) -> timedelta:
        return timedelta(days=self.retention_days)

    @model_validator(mode="after")
    def _refuse_default_secret_in_production(self) -> Settings:
        if self.environment == "production" and self.secret_key == DEVELOPMENT_SECRET:
            raise ValueError("ANTREAN_SECRET_KEY must be set to a real secret in production")
        if self.webhook_url and not self.bot_token:
            raise ValueError("ANTREAN_BOT_TOKEN must be set with ANTREAN_WEBHOOK_URL: the webhook feeds that bot")
        if self.webhook_url and not self.webhook_secret:
            raise ValueError(
                "ANTREAN_WEBHOOK_SECRET must be set with ANTREAN_WEBHOOK_URL: it proves a POST is Telegram's"
            )
        if self.web_workers > 1 and not self.redis_url:
            # Each worker keeps the conversations it serves in memory; Telegram may send a chat's next update to
            # any worker, so several workers must share conversation state through Redis.
            raise ValueError("ANTREAN_REDIS_URL must be set when ANTREAN_WEB_WORKERS is more than 1")
        return self
