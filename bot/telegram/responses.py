"""Keeps aiogram's response models alive: one per API method, built once per process.

aiogram validates every API answer with `Response[<the method's return type>]`; pydantic
caches that parametrised class only weakly, so between two calls it is often collected and
built again (milliseconds of CPU for each answerCallbackQuery, edit or send). Holding a
strong reference to the class of each method the bot calls keeps pydantic's cache warm.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

_PINNED: dict[type[Any], Any] = {}


def pin(method: type[TelegramMethod[Any]]) -> None:
    if method not in _PINNED:
        _PINNED[method] = Response[method.__returning__]  # type: ignore[name-defined]


def pinned(method: type[TelegramMethod[Any]]) -> Any:
    """The pinned response model of `method` (pin it first)."""
    return _PINNED[method]


class PinResponseTypes(BaseRequestMiddleware):
    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        pin(type(method))
        return await make_request(bot, method)
