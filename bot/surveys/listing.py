"""The open runs a member may answer, with their own response if they started one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.surveys.library import definition_of
from bot.surveys.responses import MAY_ANSWER, find_response
from db.models import Member, Survey, SurveyResponse, SurveyRun, SurveyRunStatus


async def open_for(
    session: AsyncSession, settings: Settings, member: Member, now: datetime
) -> list[tuple[SurveyRun, Survey, SurveyResponse | None]]:
    """Open runs for the member's region (or every region), newest first."""
    if member.status not in MAY_ANSWER:
        return []
    rows = await session.execute(
        select(SurveyRun, Survey)
        .join(Survey, Survey.id == SurveyRun.survey_id)
        .where(
            SurveyRun.status == SurveyRunStatus.OPEN.value,
            SurveyRun.due_at <= now,
            SurveyRun.close_at > now,
            or_(SurveyRun.region_id.is_(None), SurveyRun.region_id == member.region_id),
        )
        .order_by(SurveyRun.id.desc())
    )
    found = []
    for run, survey in rows.all():
        found.append((run, survey, await find_response(session, settings, run, survey, member)))
    return found


async def waiting_for_text(
    session: AsyncSession, settings: Settings, member: Member, now: datetime
) -> list[int]:
    """Open runs in which the member's current question wants typed input (newest first)."""
    found: list[int] = []
    for run, survey, response in await open_for(session, settings, member, now):
        if response is None or response.finished:
            continue
        question = definition_of(survey).question(response.current)
        if question is not None and question.kind in ("text", "number"):
            found.append(run.id)
    return found
