"""A member's own data: export everything stored about them, or erase it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audit
from db.models import Consent, Member, Municipality, OutboundCopy, ProfileAnswer, Region


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


async def export(session: AsyncSession, member: Member) -> dict[str, Any]:
    """Everything the database holds about the member, as one JSON-ready document."""
    region = await session.get(Region, member.region_id) if member.region_id else None
    municipality = (
        await session.get(Municipality, member.municipality_id) if member.municipality_id else None
    )
    consents = await session.scalars(
        select(Consent).where(Consent.member_id == member.id).order_by(Consent.id)
    )
    answers = await session.scalars(
        select(ProfileAnswer).where(ProfileAnswer.member_id == member.id).order_by(ProfileAnswer.id)
    )
    copies = await session.scalars(
        select(OutboundCopy).where(OutboundCopy.member_id == member.id).order_by(OutboundCopy.id)
    )
    return {
        "member": {
            "telegram_id": member.telegram_id,
            "language": member.language,
            "status": member.status,
            "display_name": member.display_name,
            "region": region.name if region else None,
            "municipality": municipality.name if municipality else member.municipality_text,
            "joined_at": _iso(member.joined_at),
            "created_at": _iso(member.created_at),
            "last_seen_at": _iso(member.last_seen_at),
        },
        "consents": [
            {
                "notice_version": c.notice_version,
                "given_at": _iso(c.given_at),
                "withdrawn_at": _iso(c.withdrawn_at),
            }
            for c in consents
        ],
        "profile": {a.question: json.loads(a.value) for a in answers},
        "messages_about_you_in_coordinator_chats": [
            {"purpose": c.purpose, "sent_at": _iso(c.sent_at)} for c in copies
        ],
        "staff_access_to_your_data": [
            {"action": entry.action, "at": _iso(entry.created_at)}
            for entry in await audit.about_member(session, member.id)
        ],
    }


@dataclass(frozen=True)
class Erasure:
    """What the caller must still remove on Telegram's side after the rows are gone."""

    copies: list[tuple[int, int]]


async def erase(session: AsyncSession, member: Member) -> Erasure:
    copies = await session.scalars(select(OutboundCopy).where(OutboundCopy.member_id == member.id))
    targets = [(c.chat_id, c.message_id) for c in copies]
    await session.delete(member)  # consents, answers and copies go with it (ON DELETE CASCADE)
    await session.flush()
    return Erasure(copies=targets)
