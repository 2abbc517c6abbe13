"""Messages to coordinators about a member, each in the reader's language.

Every copy is recorded (OutboundCopy) so the member's /delete can remove it later.
A region without coordinators falls back to the admins.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from aiogram import Bot, html
from aiogram.exceptions import TelegramAPIError
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot import keyboards
from bot.config import Settings
from bot.services import members, roles
from db.base import utcnow
from db.models import Member, MemberStatus, OutboundCopy, Region

log = logging.getLogger(__name__)


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
        for chat_id in await roles.coordinator_ids(session, settings, region_id):
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


async def tell_member_decision(
    bot: Bot, settings: Settings, i18n: I18n, session: AsyncSession, member_id: int
) -> bool:
    """Tell a member the outcome of their approval, in their language."""
    member = await session.get(Member, member_id)
    if member is None:
        return False
    region = await session.get(Region, member.region_id) if member.region_id else None
    pool = html.quote(region.name) if region else "–"
    with i18n.use_locale(member.language or settings.default_locale):
        if member.status == MemberStatus.ACTIVE:
            text = _("Good news: you are now a member of the pool {region}!").format(region=pool)
            markup = keyboards.main_menu()
        else:
            text = _(
                "Sorry, your registration for {region} was not accepted. "
                "You can choose another pool with /region or delete your data with /delete."
            ).format(region=pool)
            markup = None
        try:
            await bot.send_message(member.telegram_id, text, reply_markup=markup)
        except TelegramAPIError:
            return False
    return True
