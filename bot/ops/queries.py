"""What /metrics reads from the database when it is scraped: a few cheap aggregate queries
on indexed columns (no aiogram here)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import case, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import (
    Broadcast,
    BroadcastDelivery,
    BroadcastStatus,
    DeliveryState,
    Member,
    Question,
    QuestionMessage,
    QuestionStatus,
    Region,
)

NO_REGION = "none"  # the label of questions whose region was removed


async def ping(session: AsyncSession) -> None:
    await session.execute(text("SELECT 1"))


async def questions_per_region(
    session: AsyncSession, reminder_hours: float
) -> dict[str, tuple[int, int]]:
    """Region code -> (open questions, of which overdue: no answer after `reminder_hours`)."""
    limit = utcnow() - timedelta(hours=reminder_hours)
    overdue = case((Question.first_answer_at.is_(None) & (Question.sent_at <= limit), 1), else_=0)
    rows = await session.execute(
        select(Region.code, func.count(Question.id), func.coalesce(func.sum(overdue), 0))
        .select_from(Question)
        .outerjoin(Region, Region.id == Question.region_id)
        .where(Question.status == QuestionStatus.OPEN.value)
        .group_by(Region.code)
    )
    found = {code or NO_REGION: (int(n), int(late)) for code, n, late in rows.all()}
    for code in await session.scalars(select(Region.code).where(Region.active)):
        found.setdefault(code, (0, 0))  # a region with none shows 0, not nothing
    return found


async def broadcast_queue(session: AsyncSession) -> int:
    """Deliveries of queued or running broadcasts that still wait or are being sent."""
    waiting = (DeliveryState.QUEUED.value, DeliveryState.SENDING.value)
    active = (BroadcastStatus.QUEUED.value, BroadcastStatus.SENDING.value)
    return int(
        await session.scalar(
            select(func.count(BroadcastDelivery.id))
            .join(Broadcast, Broadcast.id == BroadcastDelivery.broadcast_id)
            .where(Broadcast.status.in_(active), BroadcastDelivery.state.in_(waiting))
        )
        or 0
    )


async def message_saved(session: AsyncSession, telegram_id: int, message_id: int) -> bool:
    """The person's message `message_id` is stored as part of one of their questions."""
    found = await session.scalar(
        select(QuestionMessage.id)
        .join(Question, Question.id == QuestionMessage.question_id)
        .join(Member, Member.id == Question.member_id)
        .where(
            Member.telegram_id == telegram_id,
            QuestionMessage.direction == "in",
            QuestionMessage.member_message_id == message_id,
        )
        .limit(1)
    )
    return found is not None
