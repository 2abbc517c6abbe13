"""The keyed hash that stands in for the member in anonymous surveys.

HMAC-SHA256 of run id and Telegram id under a key derived from SURVEY_SECRET, which is
never stored in the database and does not change with the bot token: the rows alone cannot
be linked to anyone, yet the bot can resume an unfinished response and refuse a second one.
"""

from __future__ import annotations

import hashlib
import hmac

from bot.config import ConfigError, Settings

_PURPOSE = b"expertpool-survey-anonymity-v1"
MISSING_SECRET = (
    "SURVEY_SECRET is not set: anonymous surveys need their own key "
    "(at least 32 characters, see .env.example)"
)


def has_secret(settings: Settings | None) -> bool:
    return settings is not None and settings.survey_secret is not None


def _secret(settings: Settings) -> bytes:
    if settings.survey_secret is None:
        raise ConfigError(MISSING_SECRET)
    key = settings.survey_secret.get_secret_value().encode()
    return hmac.new(key, _PURPOSE, hashlib.sha256).digest()


def respondent_key(settings: Settings, run_id: int, telegram_id: int) -> str:
    message = f"{run_id}:{telegram_id}".encode()
    return hmac.new(_secret(settings), message, hashlib.sha256).hexdigest()
