"""Results of a survey version within what the reader may see (their regions, or all).

Counts are exact here; written answers are quoted only from respondents who allow quotes
(their quote consent, `SurveyResponse.quote_ok`), the others are counted. The small-group rule (bot/surveys/suppression.py) is applied where
they are shown: the chat report ("<5") and the CSV exports.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import regions
from bot.services.roles import Actor, NotAllowed, require_staff
from bot.surveys import library
from bot.surveys.definition import SurveyDefinition, SurveyQuestion
from db.models import (
    BroadcastDelivery,
    DeliveryState,
    Member,
    Region,
    Survey,
    SurveyAnswer,
    SurveyResponse,
    SurveyRun,
)


class NoSurvey(Exception):
    pass


@dataclass
class QuestionResult:
    question: SurveyQuestion
    answered: int = 0
    counts: Counter[str] = field(default_factory=Counter)  # button answers: value -> how many
    numbers: list[int] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)  # only from respondents who allow quotes
    unquoted: int = 0  # written answers left out: the respondent did not allow quotes


@dataclass
class Group:
    key: str  # region name or language code
    delivered: int = 0
    finished: int = 0


@dataclass
class Results:
    survey: Survey
    definition: SurveyDefinition
    runs: int
    delivered: int
    started: int
    finished: int
    questions: list[QuestionResult]
    by_region: list[Group]
    by_language: list[Group]
    # Finished responses with their answers, for the export: (response, answers).
    rows: list[tuple[SurveyResponse, dict[str, Any]]] = field(default_factory=list)


async def _version(session: AsyncSession, slug: str, number: int | None) -> Survey:
    if number is not None:
        found = await library.version(session, slug, number)
    else:  # the newest version that was sent, else the newest
        found = await session.scalar(
            select(Survey)
            .join(SurveyRun, SurveyRun.survey_id == Survey.id)
            .where(Survey.slug == slug)
            .order_by(Survey.version.desc())
            .limit(1)
        ) or await library.latest(session, slug)
    if found is None:
        raise NoSurvey
    return found


async def scope_for(
    session: AsyncSession, who: Actor, region_code: str | None
) -> tuple[list[int] | None, Region | None]:
    """Region ids the reader may see (None = every region), narrowed to `region_code`."""
    require_staff(who)
    if region_code is None:
        return who.scope(), None
    region = await regions.by_code(session, region_code.lower())
    if region is None or not who.may_see_region(region.id):
        raise NotAllowed
    return [region.id], region


async def collect(
    session: AsyncSession,
    who: Actor,
    slug: str,
    *,
    region_code: str | None = None,
    version: int | None = None,
    unfinished: bool = False,
    run_id: int | None = None,
) -> Results:
    """With `run_id`, only that run of the survey (its version follows from the run)."""
    region_ids, _region = await scope_for(session, who, region_code)
    if run_id is not None:
        run = await session.get(SurveyRun, run_id)
        survey_of_run = await session.get(Survey, run.survey_id) if run else None
        if survey_of_run is None or survey_of_run.slug != slug.lower():
            raise NoSurvey
        survey = survey_of_run
    else:
        survey = await _version(session, slug.lower(), version)
    definition = library.definition_of(survey)
    of_runs = (SurveyRun.id == run_id) if run_id is not None else (SurveyRun.survey_id == survey.id)
    run_ids = list(await session.scalars(select(SurveyRun.id).where(of_runs)))
    broadcast_ids = list(
        await session.scalars(
            select(SurveyRun.broadcast_id).where(of_runs, SurveyRun.broadcast_id.is_not(None))
        )
    )
    delivered = select(Member.region_id, Member.language, func.count()).join(
        BroadcastDelivery, BroadcastDelivery.member_id == Member.id
    ).where(
        BroadcastDelivery.broadcast_id.in_(broadcast_ids),
        BroadcastDelivery.state == DeliveryState.SENT.value,
    )  # fmt: skip
    responses = select(SurveyResponse).where(SurveyResponse.run_id.in_(run_ids))
    if region_ids is not None:
        delivered = delivered.where(Member.region_id.in_(region_ids))
        responses = responses.where(SurveyResponse.region_id.in_(region_ids))
    sent = (await session.execute(delivered.group_by(Member.region_id, Member.language))).all()
    found = list(await session.scalars(responses.order_by(SurveyResponse.id)))
    finished = [r for r in found if r.finished]
    answers = await _answers(session, [r.id for r in (found if unfinished else finished)])
    names = {r.id: r.name for r in await regions.all_regions(session)}
    results = Results(
        survey, definition, len(run_ids), sum(n for _r, _l, n in sent), len(found),
        len(finished),
        _per_question(definition, [(answers.get(r.id, {}), r.quote_ok) for r in finished]),
        _groups([(names.get(r or 0, "–"), n) for r, _l, n in sent],
                [names.get(x.region_id or 0, "–") for x in finished]),
        _groups([(lang or "–", n) for _r, lang, n in sent], [x.language for x in finished]),
    )  # fmt: skip
    chosen = found if unfinished else finished
    results.rows = [(r, answers.get(r.id, {})) for r in chosen]
    return results


async def run_counts(
    session: AsyncSession, run_id: int, definition: SurveyDefinition
) -> list[QuestionResult]:
    """Per question, exact counts of one run's finished responses, written answers left
    out (for totals shown to members, such as findings' headline: suppress where shown)."""
    ids = list(
        await session.scalars(
            select(SurveyResponse.id).where(
                SurveyResponse.run_id == run_id, SurveyResponse.finished
            )
        )
    )
    answers = await _answers(session, ids)
    return _per_question(definition, [(answers.get(i, {}), False) for i in ids])


async def _answers(session: AsyncSession, response_ids: list[int]) -> dict[int, dict[str, Any]]:
    found: dict[int, dict[str, Any]] = {}
    for start in range(0, len(response_ids), 500):
        chunk = response_ids[start : start + 500]
        rows = await session.scalars(
            select(SurveyAnswer).where(SurveyAnswer.response_id.in_(chunk))
        )
        for row in rows:
            found.setdefault(row.response_id, {})[row.question] = json.loads(row.value)
    return found


def _per_question(
    definition: SurveyDefinition, answer_sets: list[tuple[dict[str, Any], bool]]
) -> list[QuestionResult]:
    """Per question; written answers are quoted only with the respondent's quote consent."""
    results = {q.id: QuestionResult(q) for q in definition.questions}
    for answers, quote_ok in answer_sets:
        for question_id, value in answers.items():
            result = results.get(question_id)
            if result is None or value in (None, []):
                continue
            result.answered += 1
            kind = result.question.kind
            if kind == "number":
                result.numbers.append(int(value))
            elif kind == "text" and quote_ok:
                result.texts.append(str(value))
            elif kind == "text":
                result.unquoted += 1
            else:
                result.counts.update(
                    str(v) for v in (value if isinstance(value, list) else [value])
                )
    return list(results.values())


def _groups(delivered: list[tuple[str, int]], finished: list[str]) -> list[Group]:
    groups: dict[str, Group] = {}
    for key, count in delivered:
        groups.setdefault(key, Group(key)).delivered += count
    for key in finished:
        groups.setdefault(key, Group(key)).finished += 1
    return sorted(groups.values(), key=lambda g: (-g.delivered, g.key))
