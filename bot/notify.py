"""Messages to coordinators about a member, each in the reader's language.

Every copy is recorded (OutboundCopy) so the member's /delete can remove it later.
Until coordinator roles exist, the coordinators of every region are the ADMIN_IDS.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.services import members
from db.base import utcnow
from db.models import Member, OutboundCopy

log = logging.getLogger(__name__)


async def coordinator_ids(settings: Settings, region_id: int | None) -> list[int]:
    return list(settings.admin_ids)


async def notify_coordinators(
    *,
    bot: Bot,
    session: AsyncSession,
    settings: Settings,
    i18n: I18n,
    member: Member,
    region_ids: list[int | None],
    purpose: str,
    render: Callable[[], str],
    markup: Callable[[], InlineKeyboardMarkup | None] | None = None,
) -> int:
    """Send `render()` to the coordinators of the given regions; return how many got it."""
    recipients: list[int] = []
    for region_id in region_ids:
        for chat_id in await coordinator_ids(settings, region_id):
            if chat_id not in recipients:
                recipients.append(chat_id)
    delivered = 0
    for chat_id in recipients:
        reader = await members.get_by_telegram_id(session, chat_id)
        locale = reader.language if reader and reader.language else settings.default_locale
        with i18n.use_locale(locale):
            text, keyboard = render(), markup() if markup else None
        try:
            sent = await bot.send_message(chat_id, text, reply_markup=keyboard)
        except TelegramAPIError as exc:
            log.warning(
                "coordinator notification failed", extra={"purpose": purpose, "error": str(exc)}
            )
            continue
        session.add(
            OutboundCopy(
                member_id=member.id,
                chat_id=chat_id,
                message_id=sent.message_id,
                purpose=purpose,
                sent_at=utcnow(),
            )
        )
        delivered += 1
    await session.flush()
    return delivered
