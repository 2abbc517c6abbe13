"""A member answering a survey run: the answers are kept in the run's response.

The response's `current` is the question on screen. Anonymous runs find the response
through the keyed hash, never the member id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.surveys.anonymity import respondent_key
from bot.surveys.answering import Answering
from bot.surveys.definition import SurveyQuestion
from bot.surveys.errors import AlreadyFinished, Closed, NotFound, Stale
from bot.surveys.library import definition_of
from db.models import (
    Member,
    MemberStatus,
    Survey,
    SurveyAnswer,
    SurveyResponse,
    SurveyRun,
    SurveyRunStatus,
)

MAY_ANSWER = (MemberStatus.ACTIVE.value, MemberStatus.PAUSED.value)


def is_open(run: SurveyRun, now: datetime) -> bool:
    return run.status == SurveyRunStatus.OPEN and run.due_at <= now < run.close_at


@dataclass
class RunAnswering(Answering):
    run: SurveyRun
    response: SurveyResponse

    @property
    def current(self) -> str | None:
        return self.response.current

    async def move(self, session: AsyncSession, question_id: str) -> None:
        self.response.current = question_id
        await session.flush()

    async def finish(self, session: AsyncSession, now: datetime) -> None:
        self.response.current, self.response.finished = None, True
        self.response.finished_at = None if self.definition.anonymous else now
        await session.flush()

    async def keep(self, session: AsyncSession, question: SurveyQuestion, value: Any) -> None:
        row = await session.scalar(
            select(SurveyAnswer).where(
                SurveyAnswer.response_id == self.response.id, SurveyAnswer.question == question.id
            )
        )
        if value is None:
            if row is not None:
                await session.delete(row)
        else:
            encoded = json.dumps(value, ensure_ascii=False)
            if row is None:
                session.add(
                    SurveyAnswer(response_id=self.response.id, question=question.id, value=encoded)
                )
            else:
                row.value = encoded
        await session.flush()


async def run_for(session: AsyncSession, member: Member | None, run_id: int) -> SurveyRun:
    run = await session.get(SurveyRun, run_id)
    if (
        run is None
        or member is None
        or member.status not in MAY_ANSWER
        or run.status in (SurveyRunStatus.SCHEDULED, SurveyRunStatus.CANCELLED)
        or (run.region_id is not None and run.region_id != member.region_id)
    ):
        raise NotFound
    return run


async def find_response(
    session: AsyncSession, settings: Settings, run: SurveyRun, survey: Survey, member: Member
) -> SurveyResponse | None:
    if survey.anonymous:
        key = respondent_key(settings, run.id, member.telegram_id)
        where = SurveyResponse.respondent_key == key
    else:
        where = SurveyResponse.member_id == member.id
    return await session.scalar(
        select(SurveyResponse).where(SurveyResponse.run_id == run.id, where)
    )


async def answers_of(session: AsyncSession, response_id: int) -> dict[str, Any]:
    rows = await session.scalars(
        select(SurveyAnswer).where(SurveyAnswer.response_id == response_id)
    )
    return {row.question: json.loads(row.value) for row in rows}


async def begin(
    session: AsyncSession, settings: Settings, member: Member | None, run_id: int, now: datetime
) -> RunAnswering:
    """Start the run for the member, or pick up where they stopped."""
    run = await run_for(session, member, run_id)
    assert member is not None
    survey = await session.get(Survey, run.survey_id)
    assert survey is not None
    definition = definition_of(survey)
    response = await find_response(session, settings, run, survey, member)
    if response is not None and response.finished:
        raise AlreadyFinished
    if not is_open(run, now):
        raise Closed
    if response is None:
        first = definition.first({})
        response = SurveyResponse(
            run_id=run.id,
            member_id=None if survey.anonymous else member.id,
            respondent_key=respondent_key(settings, run.id, member.telegram_id)
            if survey.anonymous
            else None,
            region_id=member.region_id,
            language=member.language or settings.default_locale,
            current=first.id if first else None,
            finished=False,
            started_at=None if survey.anonymous else now,
            quote_ok=member.quote_consent_version is not None,
        )
        session.add(response)
        await session.flush()
        return RunAnswering(definition, {}, run, response)
    answers = await answers_of(session, response.id)
    return RunAnswering(definition, answers, run, response)


async def resume(
    session: AsyncSession,
    settings: Settings,
    member: Member | None,
    run_id: int,
    question_id: str,
    now: datetime,
) -> RunAnswering:
    """The member's response for a button press on `question_id` (checked: open, current)."""
    answering = await begin(session, settings, member, run_id, now)
    if answering.response.current != question_id:
        raise Stale
    return answering
