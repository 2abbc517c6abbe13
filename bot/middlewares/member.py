"""Loads the member and the actor (roles) behind the update into `data`, in one query."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update, User

from bot.services import roles
from db.base import utcnow
from db.models import MemberStatus

SEEN_RESOLUTION = timedelta(minutes=10)


def _wrote(event: TelegramObject) -> bool:
    """The person wrote or pressed a button (not a chat-member change such as blocking)."""
    return isinstance(event, Update) and (
        event.message is not None or event.callback_query is not None
    )


class MemberMiddleware(BaseMiddleware):
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        data["member"] = None
        data["actor"] = None
        if user is not None and not user.is_bot:
            session = data["session"]
            member, actor = await roles.identify(session, data["settings"], user.id, user.username)
            if member is not None:
                now = utcnow()
                if member.status == MemberStatus.UNREACHABLE and _wrote(event):
                    member.status = MemberStatus.ACTIVE  # they write to the bot again
                if member.last_seen_at is None or now - member.last_seen_at > SEEN_RESOLUTION:
                    member.last_seen_at = now
            data["member"] = member
            data["actor"] = actor
        return await handler(event, data)
