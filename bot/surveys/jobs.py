"""Scheduler jobs: everything due (open, remind, close) is done by one idempotent tick.

At start the tick runs at once, which catches up runs that fell due while the bot was
down; then every 30 seconds (schedules made by any process), plus one job at the exact
moment of the next known event.
"""

from __future__ import annotations

import logging
from datetime import datetime

from aiogram import html
from aiogram.exceptions import TelegramAPIError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.scheduler import Every, JobContext, Scheduler, tick_then_next
from bot.surveys import invite, library, runs
from bot.surveys.definition import shown
from db.base import utcnow
from db.models import Region, Survey, SurveyRun, SurveyRunStatus

log = logging.getLogger(__name__)
TICK_ID, NEXT_ID = "surveys:tick", "surveys:next"
INTERVAL_SECONDS = 30
OPEN, SCHEDULED = SurveyRunStatus.OPEN.value, SurveyRunStatus.SCHEDULED.value


async def tick(ctx: JobContext, now: datetime | None = None) -> int:
    """Open due runs, send due reminders, close expired runs; returns how many steps."""
    now = now or utcnow()
    username = (await ctx.bot.me()).username or ""
    steps, notices = 0, []
    async with ctx.session_factory() as session:
        due = await session.scalars(
            select(SurveyRun)
            .where(SurveyRun.status == SCHEDULED, SurveyRun.due_at <= now)
            .order_by(SurveyRun.due_at)
        )
        for run in list(due):
            notice = await runs.open_run(session, ctx, run, now, username)
            steps += run.status != SCHEDULED
            if notice is not None:
                notices.append(notice)
        reminders = await session.scalars(
            select(SurveyRun).where(
                SurveyRun.status == OPEN,
                SurveyRun.remind_at <= now,
                SurveyRun.reminded_at.is_(None),
            )
        )
        for run in list(reminders):
            await runs.remind(session, ctx, run, now, username)
            steps += 1
        expired = await session.scalars(
            select(SurveyRun).where(SurveyRun.status == OPEN, SurveyRun.close_at <= now)
        )
        for run in list(expired):
            steps += await runs.close(session, run, now)
        await session.commit()
        for notice in notices:
            await _tell(ctx, session, notice)
    if steps:
        log.info("survey runs advanced", extra={"steps": steps})
    return steps


async def _tell(ctx: JobContext, session: AsyncSession, notice: runs.Notice) -> None:
    run = await session.get(SurveyRun, notice.run_id)
    if run is None or run.created_by is None:
        return
    survey = await session.get(Survey, run.survey_id)
    region = await session.get(Region, run.region_id) if run.region_id else None
    assert survey is not None
    locale, tz = run.locale, ctx.settings.tz
    title = html.quote(shown(library.definition_of(survey).title, locale))
    where = html.quote(region.name) if region else ctx.i18n.gettext("all regions", locale=locale)
    if notice.kind == "late":
        text = ctx.i18n.gettext(
            "⏰ The survey “{title}” for {region} was due at {due}, but the bot was not "
            "running then. It is being sent now.",
            locale=locale,
        )
    else:
        text = ctx.i18n.gettext(
            "The survey “{title}” for {region} was not sent: the bot was not running from "
            "its start ({due}) until its closing time ({close}).",
            locale=locale,
        )
    text = text.format(
        title=title, region=where, due=invite.when(run.due_at, tz, locale),
        close=invite.when(run.close_at, tz, locale),
    )  # fmt: skip
    try:
        await ctx.bot.send_message(run.created_by, text)
    except TelegramAPIError as exc:
        log.warning("survey notice not delivered", extra={"reason": str(exc)})


async def next_event(ctx: JobContext, now: datetime) -> datetime | None:
    async with ctx.session_factory() as session:
        moments = [
            await session.scalar(
                select(func.min(SurveyRun.due_at)).where(SurveyRun.status == SCHEDULED)
            ),
            await session.scalar(
                select(func.min(SurveyRun.remind_at)).where(
                    SurveyRun.status == OPEN, SurveyRun.reminded_at.is_(None)
                )
            ),
            await session.scalar(
                select(func.min(SurveyRun.close_at)).where(SurveyRun.status == OPEN)
            ),
        ]
    future = [m for m in moments if m is not None]
    return max(min(future), now) if future else None


async def run_due(scheduler: Scheduler) -> None:
    """The job: do what is due, then set a job for the next known moment."""
    await tick_then_next(scheduler, run_due, tick, next_event, NEXT_ID)


async def rebuild(scheduler: Scheduler) -> None:
    scheduler.add_job(run_due, Every(INTERVAL_SECONDS), id=TICK_ID)
