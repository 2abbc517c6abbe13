"""Gives handlers `messenger`: the services' Telegram interface on the update's own Bot."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject

from bot.telegram.messenger import TelegramMessenger


class MessengerMiddleware(BaseMiddleware):
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        data["messenger"] = TelegramMessenger(data["bot"])
        return await handler(event, data)
