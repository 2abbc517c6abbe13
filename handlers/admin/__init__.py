"""Coordinator and admin commands. Non-staff never match: they get the unknown-command reply."""

from __future__ import annotations

from aiogram import F, Router

from bot.filters import Staff
from handlers.admin import members, regions, roles_audit


def create_router() -> Router:
    """This feature's handlers on a new router (one per Dispatcher)."""
    router = Router(name=__name__)
    router.message.filter(F.chat.type == "private", Staff())
    router.callback_query.filter(Staff())
    router.include_routers(
        members.create_router(), regions.create_router(), roles_audit.create_router()
    )
    return router
