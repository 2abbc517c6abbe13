"""A run's life: scheduled → open (invitations) → reminder → closed, or missed.

Each step is a conditional update, so a step done twice (two jobs, a restart) does
nothing the second time. Invitations and reminders go through the broadcaster: quiet
hours, rate limits and the reader's language are its business.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import service as broadcasts
from bot.broadcast.audience import Audience
from bot.config import Settings
from bot.scheduler import JobContext
from bot.surveys import invite, library
from bot.surveys.anonymity import respondent_key
from bot.surveys.schedule import next_run
from db.models import (
    BroadcastDelivery,
    DeliveryState,
    Member,
    Survey,
    SurveyResponse,
    SurveyRun,
    SurveyRunStatus,
)

# A run found due later than this was held up (the bot was down), so its coordinator hears.
LATE_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class Notice:
    """Something to tell the run's coordinator: kind is "late" or "missed"."""

    kind: str
    run_id: int


async def _claim(
    session: AsyncSession, run: SurveyRun, to: SurveyRunStatus, *where: Any, **values: Any
) -> bool:
    """Move the run on, unless someone else did already (then nothing changes)."""
    result = await session.execute(
        update(SurveyRun)
        .where(SurveyRun.id == run.id, SurveyRun.status == run.status, *where)
        .values(status=to.value, **values)
        .execution_options(synchronize_session="fetch")
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def open_run(
    session: AsyncSession, ctx: JobContext, run: SurveyRun, now: datetime, username: str
) -> Notice | None:
    """Send the invitations (or mark the run missed when it is past its closing time)."""
    if run.status != SurveyRunStatus.SCHEDULED or run.due_at > now:
        return None
    if now >= run.close_at:
        if not await _claim(session, run, SurveyRunStatus.MISSED):
            return None
        await next_run(session, run, now, ctx.settings)
        return Notice("missed", run.id)
    late = now - run.due_at > LATE_AFTER
    if not await _claim(session, run, SurveyRunStatus.OPEN, opened_at=now, late=late):
        return None
    survey = await session.get(Survey, run.survey_id)
    assert survey is not None
    definition = library.definition_of(survey)
    versions = invite.versions(
        ctx.i18n, definition, link=invite.deep_link(username, run.id), close_at=run.close_at,
        tz=ctx.settings.tz,
    )  # fmt: skip
    broadcast = await broadcasts.create(
        session, ctx.settings, actor=None, audience=_audience(run), versions=versions, now=now,
        locale=run.locale, kind="survey",
    )  # fmt: skip
    broadcast.created_by = run.created_by  # progress and summary for the coordinator
    run.broadcast_id = broadcast.id
    await session.flush()
    await next_run(session, run, now, ctx.settings)
    return Notice("late", run.id) if late else None


def _audience(run: SurveyRun) -> Audience:
    return Audience(region_ids=(run.region_id,) if run.region_id is not None else None)


async def remind(
    session: AsyncSession, ctx: JobContext, run: SurveyRun, now: datetime, username: str
) -> int:
    """One reminder to those who got the invitation and have not finished; returns how many."""
    if run.status != SurveyRunStatus.OPEN or run.reminded_at is not None or run.remind_at is None:
        return 0
    if not await _claim(
        session, run, SurveyRunStatus.OPEN, SurveyRun.reminded_at.is_(None), reminded_at=now
    ):
        return 0
    if run.broadcast_id is None or now >= run.close_at:
        return 0
    survey = await session.get(Survey, run.survey_id)
    assert survey is not None
    versions = invite.versions(
        ctx.i18n, library.definition_of(survey), link=invite.deep_link(username, run.id),
        close_at=run.close_at, tz=ctx.settings.tz, remind=True,
    )  # fmt: skip
    broadcast = await broadcasts.create(
        session, ctx.settings, actor=None, audience=_audience(run), versions=versions, now=now,
        locale=run.locale, kind="survey_reminder",
    )  # fmt: skip
    keep = await _unfinished_invitees(session, ctx.settings, run, survey)
    await session.execute(
        delete(BroadcastDelivery).where(
            BroadcastDelivery.broadcast_id == broadcast.id,
            BroadcastDelivery.member_id.not_in(keep) if keep else BroadcastDelivery.id.is_not(None),
        )
    )
    broadcast.total = int(
        await session.scalar(
            select(func.count()).where(BroadcastDelivery.broadcast_id == broadcast.id)
        )
        or 0
    )
    run.reminder_broadcast_id = broadcast.id
    await session.flush()
    return broadcast.total


async def _unfinished_invitees(
    session: AsyncSession, settings: Settings, run: SurveyRun, survey: Survey
) -> list[int]:
    invited = (
        await session.execute(
            select(Member.id, Member.telegram_id)
            .join(BroadcastDelivery, BroadcastDelivery.member_id == Member.id)
            .where(
                BroadcastDelivery.broadcast_id == run.broadcast_id,
                BroadcastDelivery.state == DeliveryState.SENT.value,
            )
        )
    ).all()
    finished = SurveyResponse.run_id == run.id, SurveyResponse.finished.is_(True)
    if survey.anonymous:
        done = set(await session.scalars(select(SurveyResponse.respondent_key).where(*finished)))
        return [m for m, t in invited if respondent_key(settings, run.id, t) not in done]
    done_ids = set(await session.scalars(select(SurveyResponse.member_id).where(*finished)))
    return [m for m, _t in invited if m not in done_ids]


async def close(session: AsyncSession, run: SurveyRun, now: datetime) -> bool:
    if run.status != SurveyRunStatus.OPEN or now < run.close_at:
        return False
    return await _claim(session, run, SurveyRunStatus.CLOSED)
