"""Quotes for a survey report: written answers a coordinator picks, shown only while the
member allows quotes (`SurveyResponse.quote_ok`).

A pick stores the answer's id, never a copy of its text: when the member withdraws quote
consent the answer drops out of the report, when the answer is deleted the pick goes too.
Listing quotable answers is a read of member data: it is audited.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import audit
from bot.services.roles import Actor, NotAllowed, require_staff
from bot.surveys import library
from bot.surveys.results import NoSurvey, scope_for
from db.models import Survey, SurveyAnswer, SurveyQuotePick, SurveyResponse, SurveyRun

READ = "survey_quotes"
PICK = "survey_quote_pick"
MAX_LISTED = 20


@dataclass(frozen=True)
class Quote:
    answer_id: int
    question: str  # the question's id
    text: str
    run_id: int
    picked: bool


def _text_questions(survey: Survey) -> list[str]:
    return [q.id for q in library.definition_of(survey).questions if q.kind == "text"]


async def _survey(session: AsyncSession, slug: str, version: int | None) -> Survey:
    if version is not None:
        found = await library.version(session, slug.lower(), version)
    else:
        found = await session.scalar(
            select(Survey)
            .join(SurveyRun, SurveyRun.survey_id == Survey.id)
            .where(Survey.slug == slug.lower())
            .order_by(Survey.version.desc())
            .limit(1)
        )
    if found is None:
        raise NoSurvey
    return found


async def _quotable(
    session: AsyncSession,
    survey: Survey,
    region_ids: list[int] | None,
    run_id: int | None = None,
    picked_only: bool = False,
) -> list[Quote]:
    questions = _text_questions(survey)
    if not questions:
        return []
    query = (
        select(SurveyAnswer, SurveyResponse.run_id, SurveyQuotePick.id)
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .join(SurveyRun, SurveyRun.id == SurveyResponse.run_id)
        .outerjoin(SurveyQuotePick, SurveyQuotePick.answer_id == SurveyAnswer.id)
        .where(
            SurveyRun.survey_id == survey.id,
            SurveyResponse.finished.is_(True),
            SurveyResponse.quote_ok.is_(True),
            SurveyAnswer.question.in_(questions),
        )
        .order_by(SurveyAnswer.id)
    )
    if run_id is not None:
        query = query.where(SurveyRun.id == run_id)
    if region_ids is not None:
        query = query.where(SurveyResponse.region_id.in_(region_ids))
    if picked_only:
        query = query.where(SurveyQuotePick.id.is_not(None))
    found: list[Quote] = []
    for answer, run, pick in (await session.execute(query)).all():
        value = json.loads(answer.value)
        if isinstance(value, str) and value.strip():
            found.append(Quote(answer.id, answer.question, value, run, pick is not None))
    return found


async def quotable(
    session: AsyncSession,
    who: Actor,
    slug: str,
    *,
    region_code: str | None = None,
    version: int | None = None,
) -> tuple[Survey, list[Quote]]:
    """Written answers of members who allow quotes, in the reader's regions (audited)."""
    region_ids, _region = await scope_for(session, who, region_code)
    survey = await _survey(session, slug, version)
    found = await _quotable(session, survey, region_ids)
    await audit.record(
        session, who.telegram_id, READ, slug=survey.slug, version=survey.version,
        region=region_code or "*", answers=len(found),
    )  # fmt: skip
    await session.commit()
    return survey, found


async def toggle(session: AsyncSession, who: Actor, answer_id: int, now: datetime) -> bool:
    """Pick or unpick a quotable answer in the reader's regions; True when now picked."""
    require_staff(who)
    row = (
        await session.execute(
            select(SurveyAnswer, SurveyResponse, SurveyRun.survey_id)
            .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
            .join(SurveyRun, SurveyRun.id == SurveyResponse.run_id)
            .where(SurveyAnswer.id == answer_id)
        )
    ).first()
    if row is None:
        raise NotAllowed
    answer, response, survey_id = row
    survey = await session.get(Survey, survey_id)
    if (
        survey is None
        or not who.may_see_region(response.region_id)
        or not response.quote_ok
        or not response.finished
        or answer.question not in _text_questions(survey)
    ):
        raise NotAllowed
    existing = await session.scalar(
        select(SurveyQuotePick).where(SurveyQuotePick.answer_id == answer_id)
    )
    if existing is not None:
        await session.execute(delete(SurveyQuotePick).where(SurveyQuotePick.id == existing.id))
    else:
        session.add(SurveyQuotePick(answer_id=answer_id, picked_by=who.telegram_id, picked_at=now))
    await audit.record(
        session, who.telegram_id, PICK, slug=survey.slug, answer=answer_id,
        picked=existing is None,
    )  # fmt: skip
    await session.commit()
    return existing is None


async def picked(
    session: AsyncSession, survey: Survey, region_ids: list[int] | None, run_id: int | None
) -> list[Quote]:
    """The picked answers a report may show: still allowed, in the report's regions and run."""
    return await _quotable(session, survey, region_ids, run_id, picked_only=True)
