"""What coordinators and admins see of members: always scoped to the regions they may see."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audit
from bot.services.roles import Actor, NotAllowed, require_member, require_staff
from db.base import utcnow
from db.models import (
    BroadcastDelivery,
    DeliveryState,
    FaqDeflection,
    FaqEntry,
    FaqRating,
    FaqText,
    Member,
    MemberStatus,
    ProfileAnswer,
    Question,
    QuestionStatus,
    Region,
    ReplyTemplateUse,
    SurveyResponse,
    SurveyRun,
)

PAGE_SIZE = 10


def _scoped(query: Select, who: Actor, region_id: int | None) -> Select:  # type: ignore[type-arg]
    if region_id is not None:
        if not who.may_see_region(region_id):
            raise NotAllowed
        return query.where(Member.region_id == region_id)
    if not who.is_admin:
        return query.where(Member.region_id.in_(who.region_ids))
    return query


async def status_counts(
    session: AsyncSession, who: Actor, region_id: int | None = None
) -> dict[str, int]:
    require_staff(who)
    query = _scoped(select(Member.status, func.count()).group_by(Member.status), who, region_id)
    return {status: count for status, count in (await session.execute(query)).all()}


async def list_members(
    session: AsyncSession,
    who: Actor,
    region_id: int | None = None,
    status: str | None = None,
    page: int = 0,
) -> tuple[list[Member], int]:
    """One page of members (oldest first) and the total count."""
    require_staff(who)
    query = _scoped(select(Member), who, region_id)
    if status is not None:
        query = query.where(Member.status == status)
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = await session.scalars(
        query.order_by(Member.id).offset(max(page, 0) * PAGE_SIZE).limit(PAGE_SIZE)
    )
    await audit.record(
        session, who.telegram_id, audit.MEMBER_LIST, region_id=region_id, status=status, page=page
    )
    return list(rows), int(total)


async def view_member(session: AsyncSession, who: Actor, member_id: int) -> Member:
    require_staff(who)
    member = await session.get(Member, member_id)
    if member is None:
        raise NotAllowed  # same answer as "not yours": no probing for ids
    require_member(who, member)
    await audit.record(
        session, who.telegram_id, audit.MEMBER_VIEW, member_id=member.id, region_id=member.region_id
    )
    return member


async def profile(session: AsyncSession, member: Member) -> dict[str, str]:
    rows = await session.scalars(select(ProfileAnswer).where(ProfileAnswer.member_id == member.id))
    return {row.question: row.value for row in rows}


async def set_status(session: AsyncSession, who: Actor, member_id: int, action: str) -> Member:
    """Coordinator actions on a member card: pause (stop messages) or remove from the pool."""
    member = await view_member(session, who, member_id)
    if action == audit.PAUSE and member.status == MemberStatus.ACTIVE:
        member.status = MemberStatus.PAUSED
    elif action == audit.REMOVE and member.status != MemberStatus.LEFT:
        member.status = MemberStatus.LEFT
    else:
        raise ValueError(action)
    await audit.record(
        session, who.telegram_id, action, member_id=member.id, region_id=member.region_id
    )
    return member


@dataclass
class RegionStats:
    region: Region
    by_status: Counter[str] = field(default_factory=Counter)
    by_language: Counter[str] = field(default_factory=Counter)
    joined_30d: int = 0
    active_30d: int = 0
    questions: dict[str, int] = field(default_factory=dict)
    median_first_answer: timedelta | None = None
    satisfaction: float | None = None
    survey_response_rate: float | None = None
    template_uses: int = 0  # answers sent from reply templates (bot.templates)
    faq_answered: int = 0  # questions not sent because the FAQ answered them
    # The region's FAQ entries: (number, title in the staff language, count)
    faq_most_viewed: list[tuple[int, str, int]] = field(default_factory=list)
    faq_thumbs_down: list[tuple[int, str, int]] = field(default_factory=list)


async def stats(
    session: AsyncSession, who: Actor, region_id: int | None = None, staff_language: str = "nl"
) -> list[RegionStats]:
    require_staff(who)
    regions = list(await session.scalars(select(Region).order_by(Region.name)))
    visible = [r for r in regions if who.may_see_region(r.id) and (region_id in (None, r.id))]
    if region_id is not None and not visible:
        raise NotAllowed
    since = utcnow() - timedelta(days=30)
    result = []
    for region in visible:
        entry = RegionStats(region)
        members = list(await session.scalars(select(Member).where(Member.region_id == region.id)))
        for member in members:
            entry.by_status[member.status] += 1
            if member.status in (MemberStatus.ACTIVE, MemberStatus.PAUSED):
                entry.by_language[member.language or "?"] += 1
            if member.joined_at and member.joined_at >= since:
                entry.joined_30d += 1
            if member.last_seen_at and member.last_seen_at >= since:
                entry.active_30d += 1
        await _question_stats(session, entry)
        await _survey_stats(session, entry)
        entry.template_uses = (
            await session.scalar(
                select(func.count())
                .select_from(ReplyTemplateUse)
                .where(ReplyTemplateUse.region_id == region.id)
            )
            or 0
        )
        await _faq_stats(session, entry, staff_language)
        result.append(entry)
    return result


async def _question_stats(session: AsyncSession, entry: RegionStats) -> None:
    questions = list(
        await session.scalars(
            select(Question).where(
                Question.region_id == entry.region.id, Question.status != QuestionStatus.DRAFT
            )
        )
    )
    waits = [
        (q.first_answer_at - q.sent_at).total_seconds()
        for q in questions
        if q.first_answer_at is not None and q.sent_at is not None
    ]
    rated = [q.satisfaction for q in questions if q.satisfaction]
    # Each question in one state: new (no answer yet), answered (waiting for the member),
    # closed. asked = new + answered + closed.
    entry.questions = {
        "asked": len(questions),
        "new": sum(1 for q in questions if q.status == QuestionStatus.OPEN),
        "answered": sum(1 for q in questions if q.status == QuestionStatus.ANSWERED),
        "closed": sum(1 for q in questions if q.status == QuestionStatus.CLOSED),
    }
    entry.median_first_answer = timedelta(seconds=statistics.median(waits)) if waits else None
    entry.satisfaction = rated.count("up") / len(rated) if rated else None


async def _faq_stats(
    session: AsyncSession, entry: RegionStats, staff_language: str, top: int = 3
) -> None:
    """Deflections (questions the FAQ answered) in the region; its own entries read most,
    and those with a 👎."""
    entry.faq_answered = (
        await session.scalar(
            select(func.count())
            .select_from(FaqDeflection)
            .where(FaqDeflection.region_id == entry.region.id)
        )
    ) or 0
    title = (
        select(FaqText.question)
        .where(FaqText.entry_id == FaqEntry.id, FaqText.language == staff_language)
        .scalar_subquery()
    )
    viewed = await session.execute(
        select(FaqEntry.id, title, FaqEntry.views)
        .where(FaqEntry.region_id == entry.region.id, FaqEntry.views > 0)
        .order_by(FaqEntry.views.desc(), FaqEntry.id)
        .limit(top)
    )
    entry.faq_most_viewed = [(i, t or "", n) for i, t, n in viewed.all()]
    downs = await session.execute(
        select(FaqEntry.id, title, func.count(FaqRating.member_id))
        .join(FaqRating, FaqRating.entry_id == FaqEntry.id)
        .where(FaqEntry.region_id == entry.region.id, FaqRating.value == "down")
        .group_by(FaqEntry.id)
        .order_by(func.count(FaqRating.member_id).desc(), FaqEntry.id)
        .limit(top)
    )
    entry.faq_thumbs_down = [(i, t or "", n) for i, t, n in downs.all()]


async def _survey_stats(session: AsyncSession, entry: RegionStats, runs: int = 3) -> None:
    """Finished responses / delivered invitations over the region's last `runs` survey runs."""
    recent = list(
        await session.scalars(
            select(SurveyRun)
            .where(
                (SurveyRun.region_id == entry.region.id) | SurveyRun.region_id.is_(None),
                SurveyRun.broadcast_id.is_not(None),
            )
            .order_by(SurveyRun.due_at.desc(), SurveyRun.id.desc())
            .limit(runs)
        )
    )
    if not recent:
        return
    delivered = await session.scalar(
        select(func.count())
        .select_from(BroadcastDelivery)
        .join(Member, BroadcastDelivery.member_id == Member.id)
        .where(
            BroadcastDelivery.broadcast_id.in_([r.broadcast_id for r in recent]),
            BroadcastDelivery.state == DeliveryState.SENT.value,
            Member.region_id == entry.region.id,
        )
    )
    finished = await session.scalar(
        select(func.count())
        .select_from(SurveyResponse)
        .where(
            SurveyResponse.run_id.in_([r.id for r in recent]),
            SurveyResponse.region_id == entry.region.id,
            SurveyResponse.finished,
        )
    )
    if delivered:
        entry.survey_response_rate = min(1.0, (finished or 0) / delivered)
