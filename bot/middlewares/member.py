"""Loads the member behind the update (if any) into `data["member"]`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User

from bot.services import members


class MemberMiddleware(BaseMiddleware):
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        data["member"] = None
        if user is not None and not user.is_bot:
            data["member"] = await members.get_by_telegram_id(data["session"], user.id)
        return await handler(event, data)
