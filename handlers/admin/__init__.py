"""Coordinator and admin commands. Non-staff never match: they get the unknown-command reply."""

from __future__ import annotations

from aiogram import F, Router

from bot.filters import Staff
from handlers.admin import members, regions, roles_audit

router = Router(name=__name__)
router.message.filter(F.chat.type == "private", Staff())
router.callback_query.filter(Staff())
router.include_routers(members.router, regions.router, roles_audit.router)
