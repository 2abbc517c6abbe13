"""Who may do what. Admins come from ADMIN_IDS; coordinator roles join in a later change."""

from __future__ import annotations

from bot.config import Settings


class NotAllowed(Exception):
    """The actor has no right to this action; callers answer as if it did not exist."""


def is_admin(settings: Settings, telegram_id: int) -> bool:
    return telegram_id in settings.admin_ids


def require_admin(settings: Settings, telegram_id: int) -> None:
    if not is_admin(settings, telegram_id):
        raise NotAllowed
