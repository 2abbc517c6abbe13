"""Picks the locale: the member's stored language, else Telegram's, else DEFAULT_LOCALE."""

from __future__ import annotations

from typing import Any

from aiogram.types import TelegramObject, User
from aiogram.utils.i18n import I18nMiddleware

from bot.i18n import resolve_locale


class LocaleMiddleware(I18nMiddleware):
    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        member = data.get("member")
        user: User | None = data.get("event_from_user")
        return resolve_locale(
            member.language if member is not None else None,
            user.language_code if user is not None else None,
            self.i18n.default_locale,
        )
