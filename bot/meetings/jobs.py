"""Meeting reminders from the leader's scheduler, built from the database.

Each planned meeting has two reminders (MEETING_REMINDER_EARLY_HOURS and _LATE_HOURS before
its start, on the local clock) for those who said Yes or Maybe. One idempotent tick sends
what is due: at start at once (catching up what fell due while the bot was down, but only
for meetings still ahead), then every 30 seconds, plus a job at the next known moment.
A reminder is claimed by a conditional update, so two ticks never send it twice; when the
late one is due the early one is no longer sent.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.meetings import texts
from bot.meetings.rules import PLANNED, wall_clock_before
from bot.meetings.service import notify
from bot.scheduler import Every, JobContext, Scheduler, tick_then_next
from db.base import utcnow
from db.models import Meeting

log = logging.getLogger(__name__)
TICK_ID, NEXT_ID = "meetings:tick", "meetings:next"
INTERVAL_SECONDS = 30


def due_times(ctx: JobContext, meeting: Meeting) -> tuple[datetime | None, datetime | None]:
    """(early, late) reminder moments; None for a reminder switched off (0 hours)."""
    settings, tz = ctx.settings, ctx.settings.tz
    early, late = settings.meeting_reminder_early_hours, settings.meeting_reminder_late_hours
    return (
        wall_clock_before(meeting.starts_at, early, tz) if early else None,
        wall_clock_before(meeting.starts_at, late, tz) if late else None,
    )


async def _claim(session: AsyncSession, meeting: Meeting, column: str, now: datetime) -> bool:
    field = getattr(Meeting, column)
    result = await session.execute(
        update(Meeting)
        .where(Meeting.id == meeting.id, field.is_(None), Meeting.status == PLANNED)
        .values({column: now})
        .execution_options(synchronize_session="fetch")
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def _step(ctx: JobContext, session: AsyncSession, meeting: Meeting, now: datetime) -> int:
    early, late = due_times(ctx, meeting)
    ahead = meeting.starts_at > now
    early_done = meeting.early_reminded_at is not None
    send = False
    if meeting.late_reminded_at is None and (late is None or late <= now or not ahead):
        send = await _claim(session, meeting, "late_reminded_at", now) and ahead and bool(late)
        if not early_done:  # the late reminder makes the early one moot
            await _claim(session, meeting, "early_reminded_at", now)
            early_done = True
    if not early_done and (early is None or early <= now or not ahead):
        send = await _claim(session, meeting, "early_reminded_at", now) and ahead and bool(early)
    if send:
        await notify(
            session, ctx.settings, meeting, texts.reminders(ctx.i18n, meeting, ctx.settings.tz),
            kind="meeting_reminder", now=now, actor=None, waitlist=False,
        )  # fmt: skip
    return int(send)


async def tick(ctx: JobContext, now: datetime | None = None) -> int:
    """Send the reminders that are due; returns how many reminders were sent."""
    now = now or utcnow()
    sent = 0
    async with ctx.session_factory() as session:
        meetings = await session.scalars(
            select(Meeting).where(
                Meeting.status == PLANNED,
                or_(Meeting.early_reminded_at.is_(None), Meeting.late_reminded_at.is_(None)),
            )
        )
        for meeting in list(meetings):
            early, late = due_times(ctx, meeting)
            moments = [m for m in (early, late, meeting.starts_at) if m is not None]
            if min(moments) <= now:
                sent += await _step(ctx, session, meeting, now)
        await session.commit()
    if sent:
        log.info("meeting reminders queued", extra={"reminders": sent})
    return sent


async def next_event(ctx: JobContext, now: datetime) -> datetime | None:
    async with ctx.session_factory() as session:
        meetings = await session.scalars(
            select(Meeting).where(
                Meeting.status == PLANNED,
                Meeting.starts_at > now,
                or_(Meeting.early_reminded_at.is_(None), Meeting.late_reminded_at.is_(None)),
            )
        )
        moments = [
            moment
            for meeting in meetings
            for moment, done in zip(
                due_times(ctx, meeting),
                (meeting.early_reminded_at, meeting.late_reminded_at),
                strict=True,
            )
            if moment is not None and done is None
        ]
    return max(min(moments), now) if moments else None


async def run_due(scheduler: Scheduler) -> None:
    """The job: send what is due, then set a job for the next known moment."""
    await tick_then_next(scheduler, run_due, tick, next_event, NEXT_ID)


async def rebuild(scheduler: Scheduler) -> None:
    scheduler.add_job(run_due, Every(INTERVAL_SECONDS), id=TICK_ID)
