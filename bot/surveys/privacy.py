"""Survey data in a member's /mydata and /delete.

/delete (forget_member, before the member row is deleted):
- finished named responses are detached: member id, message id and times are cleared, free
  text and number answers deleted; the button choices stay as anonymous totals;
- unfinished responses (named or anonymous) are deleted;
- finished anonymous responses lose their keyed hash, so nothing can link them any more
  (needs `settings`: the key is derived from SURVEY_SECRET);
- schedules and runs they made forget their Telegram id.
Without this hook, ON DELETE CASCADE still removes every named response with the member.
Retention (bot/retention) applies the same rule, `anonymise`, to responses of old runs.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.surveys.anonymity import has_secret, respondent_key
from bot.surveys.definition import TYPED_KINDS, SurveyQuestion, shown
from bot.surveys.library import definition_of
from bot.surveys.responses import answers_of
from db.models import (
    Member,
    Survey,
    SurveyAnswer,
    SurveyResponse,
    SurveyRun,
    SurveySchedule,
)


async def _anonymous_keys(session: AsyncSession, settings: Settings, member: Member) -> list[str]:
    run_ids = await session.scalars(
        select(SurveyRun.id).join(Survey, Survey.id == SurveyRun.survey_id).where(Survey.anonymous)
    )
    return [respondent_key(settings, run_id, member.telegram_id) for run_id in run_ids]


async def _responses(
    session: AsyncSession, settings: Settings | None, member: Member
) -> list[SurveyResponse]:
    """Named responses, and with `settings` (the key comes from SURVEY_SECRET) anonymous ones."""
    found = list(
        await session.scalars(select(SurveyResponse).where(SurveyResponse.member_id == member.id))
    )
    keys = (
        await _anonymous_keys(session, settings, member)
        if settings is not None and has_secret(settings)
        else []
    )
    for start in range(0, len(keys), 500):
        found += await session.scalars(
            select(SurveyResponse).where(
                SurveyResponse.respondent_key.in_(keys[start : start + 500])
            )
        )
    return sorted(found, key=lambda r: r.id)


async def anonymise(session: AsyncSession, response: SurveyResponse) -> None:
    """The one rule that makes a response anonymous (no flush).

    Unfinished: deleted. Finished: member id, keyed hash, message id and times cleared; free
    text and number answers deleted; the button choices stay as anonymous totals.
    """
    if not response.finished:
        await session.delete(response)
        return
    run = await session.get(SurveyRun, response.run_id)
    survey = await session.get(Survey, run.survey_id) if run else None
    if survey is not None:
        typed = [q.id for q in definition_of(survey).questions if q.kind in TYPED_KINDS]
        await session.execute(
            delete(SurveyAnswer).where(
                SurveyAnswer.response_id == response.id, SurveyAnswer.question.in_(typed)
            )
        )
    response.member_id = response.respondent_key = response.message_id = None
    response.started_at = response.finished_at = None


async def forget_member(
    session: AsyncSession, member: Member, settings: Settings | None = None
) -> int:
    """Anonymise the member's responses; returns how many finished ones stay for the totals."""
    kept = 0
    for response in await _responses(session, settings, member):
        kept += response.finished
        await anonymise(session, response)
    for model in (SurveySchedule, SurveyRun):
        await session.execute(
            update(model).where(model.created_by == member.telegram_id).values(created_by=None)
        )
    await session.execute(
        update(Survey).where(Survey.imported_by == member.telegram_id).values(imported_by=None)
    )
    await session.flush()
    return kept


async def allow_quotes(
    session: AsyncSession, member: Member, settings: Settings | None, allowed: bool
) -> None:
    """Keep the member's responses (named, and anonymous with `settings`) in step with their
    quote consent: results and exports quote written answers only where `quote_ok`."""
    for response in await _responses(session, settings, member):
        response.quote_ok = allowed
    await session.flush()


async def member_survey_data(
    session: AsyncSession, member: Member, settings: Settings | None = None
) -> list[dict[str, Any]]:
    """The member's survey responses with their answers, readable (for /mydata).

    With `settings` (SURVEY_SECRET is the key) anonymous responses are found too.
    """
    responses = await _responses(session, settings, member)
    language = member.language or "en"
    data: list[dict[str, Any]] = []
    for response in responses:
        run = await session.get(SurveyRun, response.run_id)
        survey = await session.get(Survey, run.survey_id) if run else None
        if run is None or survey is None:
            continue
        definition = definition_of(survey)
        answers = await answers_of(session, response.id)
        data.append(
            {
                "survey": survey.slug,
                "version": survey.version,
                "run": run.id,
                "anonymous": survey.anonymous,
                "finished": response.finished,
                "started_at": response.started_at.isoformat() if response.started_at else None,
                "answers": {
                    q.id: {
                        "question": shown(q.text, language),
                        "answer": _readable(q, answers[q.id], language),
                    }
                    for q in definition.questions
                    if q.id in answers
                },
            }
        )
    return data


def _readable(question: SurveyQuestion, value: Any, language: str) -> Any:
    if question.kind not in ("single", "multi"):
        return value
    chosen = value if isinstance(value, list) else [value]
    labels = [shown(o.text, language) for o in question.options if o.id in chosen]
    return labels if isinstance(value, list) else (labels[0] if labels else value)
