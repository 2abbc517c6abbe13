"""The audit log: every staff action that reads or changes member data."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.roles import Actor, require_staff
from db.base import utcnow
from db.models import AuditEntry

MEMBER_VIEW = "member_view"
MEMBER_LIST = "member_list"
APPROVE = "approve"
DECLINE = "decline"
REMOVE = "remove"
PAUSE = "pause"
EXPORT = "export"
BROADCAST = "broadcast"
ROLE_GRANT = "role_grant"
ROLE_REVOKE = "role_revoke"
REGION_CHANGE = "region_change"


async def record(
    session: AsyncSession,
    actor_id: int,
    action: str,
    *,
    member_id: int | None = None,
    region_id: int | None = None,
    **detail: Any,
) -> None:
    session.add(
        AuditEntry(
            actor_id=actor_id,
            action=action,
            member_id=member_id,
            region_id=region_id,
            detail=json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
            created_at=utcnow(),
        )
    )
    await session.flush()


async def latest(session: AsyncSession, who: Actor, limit: int = 20) -> list[AuditEntry]:
    """Newest first; coordinators see what happened in their regions and what they did."""
    require_staff(who)
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(max(1, min(limit, 100)))
    if not who.is_admin:
        query = query.where(
            or_(AuditEntry.region_id.in_(who.region_ids), AuditEntry.actor_id == who.telegram_id)
        )
    return list(await session.scalars(query))


async def about_member(session: AsyncSession, member_id: int) -> list[AuditEntry]:
    """For the member's own /mydata: who looked at or exported their data."""
    return list(
        await session.scalars(
            select(AuditEntry).where(AuditEntry.member_id == member_id).order_by(AuditEntry.id)
        )
    )
