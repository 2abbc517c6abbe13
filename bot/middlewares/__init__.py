from bot.middlewares.db import DbSessionMiddleware
from bot.middlewares.locale import LocaleMiddleware
from bot.middlewares.member import MemberMiddleware
from bot.middlewares.messenger import MessengerMiddleware

__all__ = [
    "DbSessionMiddleware",
    "LocaleMiddleware",
    "MemberMiddleware",
    "MessengerMiddleware",
]
