"""The keyed hash that stands in for the member in anonymous surveys.

HMAC-SHA256 of run id and Telegram id under a key derived from the bot token, which is
never stored in the database: the rows alone cannot be linked to anyone, yet the bot can
resume an unfinished response and refuse a second one.
"""

from __future__ import annotations

import hashlib
import hmac

from bot.config import Settings

_PURPOSE = b"expertpool-survey-anonymity-v1"


def _secret(settings: Settings) -> bytes:
    token = settings.require_token().encode()
    return hmac.new(token, _PURPOSE, hashlib.sha256).digest()


def respondent_key(settings: Settings, run_id: int, telegram_id: int) -> str:
    message = f"{run_id}:{telegram_id}".encode()
    return hmac.new(_secret(settings), message, hashlib.sha256).hexdigest()
