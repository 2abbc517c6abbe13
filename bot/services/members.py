"""Member lookups and the member's own settings."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import SUPPORTED_LOCALES
from db.base import utcnow
from db.models import Member


async def get_by_telegram_id(session: AsyncSession, telegram_id: int) -> Member | None:
    return await session.scalar(select(Member).where(Member.telegram_id == telegram_id))


async def set_language(session: AsyncSession, telegram_id: int, language: str) -> Member:
    """Store the member's language, creating the row (status onboarding) on first contact."""
    if language not in SUPPORTED_LOCALES:
        raise ValueError(f"unsupported language {language!r}")
    member = await get_by_telegram_id(session, telegram_id)
    if member is None:
        member = Member(telegram_id=telegram_id, language=language, last_seen_at=utcnow())
        session.add(member)
    else:
        member.language = language
    await session.flush()
    return member
