"""Who receives a broadcast, and who may send one.

Recipients: reachable members (bot.members.consent) in the chosen regions (or all),
optionally only those reading one language or who gave one intake answer.

Senders: admins (ADMIN_IDS, or a role grant "admin" without a region) for any regions;
coordinators (role grant "coordinator" with a region) for their own regions only.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.members.consent import reachable
from bot.services import roles
from db.models import BroadcastDelivery, DeliveryState, Member, ProfileAnswer


@dataclass(frozen=True)
class Audience:
    region_ids: tuple[int, ...] | None = None  # None: every region
    language: str | None = None
    answer: tuple[str, str] | None = None  # (intake question id, option id)
    # Only members an earlier broadcast reached (e.g. a survey run's invitation).
    reached_by: int | None = None


def recipient_criteria(audience: Audience, default_locale: str) -> list[ColumnElement[bool]]:
    criteria = reachable()
    if audience.region_ids is not None:
        criteria.append(Member.region_id.in_(audience.region_ids))
    if audience.language is not None:
        same = Member.language == audience.language
        if audience.language == default_locale:
            same = or_(same, Member.language.is_(None))
        criteria.append(same)
    if audience.reached_by is not None:
        criteria.append(
            exists().where(
                BroadcastDelivery.member_id == Member.id,
                BroadcastDelivery.broadcast_id == audience.reached_by,
                BroadcastDelivery.state == DeliveryState.SENT.value,
            )
        )
    if audience.answer is not None:
        question, option = audience.answer
        encoded = json.dumps(option, ensure_ascii=False)
        criteria.append(
            exists().where(
                ProfileAnswer.member_id == Member.id,
                ProfileAnswer.question == question,
                or_(
                    ProfileAnswer.value == encoded,
                    and_(
                        ProfileAnswer.value.startswith("["),
                        ProfileAnswer.value.contains(encoded, autoescape=True),
                    ),
                ),
            )
        )
    return criteria


async def language_counts(
    session: AsyncSession, audience: Audience, default_locale: str
) -> dict[str, int]:
    """Recipients per reading language (members without one read the default), largest first."""
    language = func.coalesce(Member.language, default_locale)
    rows = await session.execute(
        select(language, func.count())
        .where(*recipient_criteria(audience, default_locale))
        .group_by(language)
    )
    counts = {str(code): int(count) for code, count in rows.all()}
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


@dataclass(frozen=True)
class Scope:
    """Where someone may broadcast: everywhere (admin) or in these regions."""

    admin: bool
    region_ids: frozenset[int]

    @property
    def any(self) -> bool:
        return self.admin or bool(self.region_ids)

    def covers(self, region_ids: Sequence[int] | None) -> bool:
        if self.admin:
            return True
        return bool(region_ids) and set(region_ids or ()) <= self.region_ids


async def scope(session: AsyncSession, settings: Settings, telegram_id: int) -> Scope:
    who = await roles.actor(session, settings, telegram_id)
    return Scope(who.is_admin, who.region_ids)


async def can_broadcast(
    session: AsyncSession, settings: Settings, telegram_id: int, region_ids: Sequence[int] | None
) -> bool:
    """May `telegram_id` broadcast to these regions (None: every region, admins only)?"""
    return (await scope(session, settings, telegram_id)).covers(region_ids)
