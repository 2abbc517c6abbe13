"""A member answering a run: every step is stored at once, so it resumes after anything.

The response's `current` is the question on screen; a button for any other question is
stale. Anonymous runs find the response through the keyed hash, never the member id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.surveys.anonymity import respondent_key
from bot.surveys.definition import SurveyDefinition, SurveyQuestion
from bot.surveys.errors import (
    REQUIRED,
    TOO_MANY,
    AlreadyFinished,
    Closed,
    NotFound,
    Rejected,
    Stale,
)
from bot.surveys.library import definition_of
from bot.surveys.typed import parse_typed
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
class Answering:
    run: SurveyRun
    definition: SurveyDefinition
    response: SurveyResponse
    answers: dict[str, Any]

    @property
    def question(self) -> SurveyQuestion | None:
        return self.definition.question(self.response.current)


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
) -> Answering:
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
        )
        session.add(response)
        await session.flush()
        return Answering(run, definition, response, {})
    return Answering(run, definition, response, await answers_of(session, response.id))


async def resume(
    session: AsyncSession,
    settings: Settings,
    member: Member | None,
    run_id: int,
    question_id: str,
    now: datetime,
) -> Answering:
    """The member's response for a button press on `question_id` (checked: open, current)."""
    answering = await begin(session, settings, member, run_id, now)
    if answering.response.current != question_id:
        raise Stale
    return answering


async def _store(session: AsyncSession, answering: Answering, question: str, value: Any) -> None:
    response_id = answering.response.id
    row = await session.scalar(
        select(SurveyAnswer).where(
            SurveyAnswer.response_id == response_id, SurveyAnswer.question == question
        )
    )
    if value is None:
        if row is not None:
            await session.delete(row)
        answering.answers.pop(question, None)
    else:
        encoded = json.dumps(value, ensure_ascii=False)
        if row is None:
            session.add(SurveyAnswer(response_id=response_id, question=question, value=encoded))
        else:
            row.value = encoded
        answering.answers[question] = value
    await session.flush()


async def _advance(session: AsyncSession, answering: Answering, now: datetime) -> None:
    definition, response = answering.definition, answering.response
    following = definition.after(response.current, answering.answers)
    if following is not None:
        response.current = following.id
        await session.flush()
        return
    visible = {q.id for q in definition.path(answering.answers)}
    hidden = [q for q in answering.answers if q not in visible]
    if hidden:
        await session.execute(
            delete(SurveyAnswer).where(
                SurveyAnswer.response_id == response.id, SurveyAnswer.question.in_(hidden)
            )
        )
        for question in hidden:
            answering.answers.pop(question, None)
    response.current, response.finished = None, True
    response.finished_at = None if answering.definition.anonymous else now
    await session.flush()


async def choose(session: AsyncSession, answering: Answering, option: str, now: datetime) -> None:
    """A button answer of a single, yesno or scale question."""
    question = answering.question
    if question is None or question.kind == "multi" or option not in question.answer_ids():
        raise Stale
    value: Any = int(option) if question.kind == "scale" else option
    await _store(session, answering, question.id, value)
    await _advance(session, answering, now)


async def toggle(session: AsyncSession, answering: Answering, option: str) -> list[str]:
    question = answering.question
    if question is None or question.kind != "multi" or question.option(option) is None:
        raise Stale
    selected = list(answering.answers.get(question.id) or [])
    if option in selected:
        selected.remove(option)
    else:
        if question.max_choices is not None and len(selected) >= question.max_choices:
            raise Rejected(TOO_MANY, limit=question.max_choices)
        selected.append(option)
    ordered = [o.id for o in question.options if o.id in selected]
    await _store(session, answering, question.id, ordered or None)
    return ordered


async def done(session: AsyncSession, answering: Answering, now: datetime) -> None:
    question = answering.question
    if question is None or question.kind != "multi":
        raise Stale
    if question.required and not answering.answers.get(question.id):
        raise Rejected(REQUIRED)
    await _advance(session, answering, now)


async def skip(session: AsyncSession, answering: Answering, now: datetime) -> None:
    question = answering.question
    if question is None:
        raise Stale
    if question.required:
        raise Rejected(REQUIRED)
    await _store(session, answering, question.id, None)
    await _advance(session, answering, now)


async def back(session: AsyncSession, answering: Answering) -> SurveyQuestion:
    current = answering.response.current
    previous = answering.definition.before(current or "", answering.answers) if current else None
    if previous is None:
        raise Stale
    answering.response.current = previous.id
    await session.flush()
    return previous


async def typed(session: AsyncSession, answering: Answering, text: str, now: datetime) -> None:
    """A typed answer to the current text or number question (validated)."""
    question = answering.question
    if question is None or question.kind not in ("text", "number"):
        raise Stale
    await _store(session, answering, question.id, parse_typed(question, text))
    await _advance(session, answering, now)
