"""Settings refuse the combinations that would run insecurely or lose conversations."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from core.config import Settings

TOKEN = "123456:TEST-antrean"


def test_production_refuses_the_development_secret() -> None:
    with pytest.raises(ValidationError, match="ANTREAN_SECRET_KEY"):
        Settings(environment="production")


def test_a_webhook_needs_a_secret_token_to_tell_telegrams_posts_from_others() -> None:
    with pytest.raises(ValidationError, match="ANTREAN_WEBHOOK_SECRET"):
        Settings(webhook_url="https://antrean.example.id", bot_token=TOKEN)
    assert Settings(webhook_url="https://antrean.example.id", bot_token=TOKEN, webhook_secret="s" * 16).webhook_secret


def test_a_webhook_without_a_bot_token_is_refused_at_start_not_at_the_first_update() -> None:
    with pytest.raises(ValidationError, match="ANTREAN_BOT_TOKEN"):
        Settings(webhook_url="https://antrean.example.id", webhook_secret="s" * 16)


def test_several_web_workers_need_redis_to_share_conversations() -> None:
    with pytest.raises(ValidationError, match="ANTREAN_REDIS_URL"):
        Settings(web_workers=2)
    assert Settings(web_workers=2, redis_url="redis://127.0.0.1:6379/0").web_workers == 2
