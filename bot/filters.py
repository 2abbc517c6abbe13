"""Filters shared by handlers."""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.types import Message
from aiogram.utils.i18n import I18n

from bot.services.roles import Actor
from bot.telegram.route_index import MessageKey
from bot.texts import MENU_MSGIDS
from db.models import Member, MemberStatus


class MenuButton(Filter):
    """A main-menu button in any supported language (an old keyboard may be in another one)."""

    def __init__(self, action: str) -> None:
        self.msgid = MENU_MSGIDS[action]
        self._labels: frozenset[str] | None = None

    async def __call__(self, message: Message, i18n: I18n) -> bool:
        if self._labels is None:
            self._labels = frozenset(
                i18n.gettext(self.msgid, locale=code) for code in (*i18n.available_locales, "en")
            )
        return message.text in self._labels

    def routes_messages(self) -> MessageKey:
        return MessageKey(text=True)  # bot/telegram/route_index.py


class Onboarding(Filter):
    """The sender is a member still signing up, optionally at a step starting with `prefix`."""

    def __init__(self, prefix: str | None = None) -> None:
        self.prefix = prefix

    async def __call__(self, event: Any, member: Member | None = None) -> bool:
        if member is None or member.status != MemberStatus.ONBOARDING:
            return False
        return self.prefix is None or (member.onboarding_step or "").startswith(self.prefix)


class Staff(Filter):
    """Coordinators and admins. Others fall through to the unknown-command reply."""

    def __init__(self, admin: bool = False) -> None:
        self.admin = admin

    async def __call__(self, event: Any, actor: Actor | None = None) -> bool:
        if actor is None:
            return False
        return actor.is_admin if self.admin else actor.is_staff
