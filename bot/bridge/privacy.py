"""Cached translations in a member's /mydata and /delete.

A translation is linked to a member when it was made of their text or of an answer to them
(`member_id` given to bot.bridge.service.translate). One text has one row: when two members
sent the same text, the row stays linked to the first (a row nobody owned, e.g. a staff text,
is linked to the next member it is used for). Only a hash of the original is stored, never
the original itself. ON DELETE CASCADE removes these rows with
the member anyway; `forget_member_translations` does it explicitly, e.g. before the member row
goes or when a member withdraws consent but stays.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import CachedTranslation


async def member_translations(session: AsyncSession, member_id: int) -> list[dict[str, Any]]:
    """The member's cached translations, oldest first, ready for a JSON export."""
    rows = await session.scalars(
        select(CachedTranslation)
        .where(CachedTranslation.member_id == member_id)
        .order_by(CachedTranslation.id)
    )
    return [
        {
            "from": row.source,
            "to": row.target,
            "translated_by": row.provider,
            "translation": row.translated,
            "at": row.created_at.isoformat(),
        }
        for row in rows
    ]


async def forget_member_translations(session: AsyncSession, member_id: int) -> int:
    """Delete the member's cached translations (no commit); returns how many."""
    result = await session.execute(
        delete(CachedTranslation).where(CachedTranslation.member_id == member_id)
    )
    return int(getattr(result, "rowcount", 0) or 0)


__all__ = ["forget_member_translations", "member_translations"]
