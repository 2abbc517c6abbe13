"""Findings' use cases: runs to report on, write (with machine drafts), review, choose the
chart, send through the broadcaster, members' 👍/👎, a member's /results, numbers for /stats.

Region-scoped through the Actor (a run for every region: admins only); coordinators' writes
and sends are audited. Numbers shown anywhere follow the small-group rule
(bot/surveys/suppression.py): charts and result lines show "<5", never a small count.
No aiogram here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import service as broadcasts
from bot.broadcast.audience import Audience, language_counts
from bot.broadcast.content import Content
from bot.config import Settings
from bot.findings import rules
from bot.findings.rules import FINDINGS, RESPONSE, Texts
from bot.services import audit
from bot.services.roles import Actor, require_staff
from bot.surveys import library
from bot.surveys.definition import SurveyDefinition
from bot.surveys.results import QuestionResult, run_counts
from db.models import (
    Broadcast,
    BroadcastDelivery,
    DeliveryState,
    FindingReaction,
    Member,
    Region,
    Survey,
    SurveyFinding,
    SurveyResponse,
    SurveyRun,
    SurveyRunStatus,
)

WRITE, REVIEW, SEND, CHART = "findings_write", "findings_review", "findings_send", "findings_chart"
DONE = (SurveyRunStatus.CLOSED.value, SurveyRunStatus.OPEN.value)


class Gone(Exception):
    """No such run or findings for this person (unknown, another region's, or forged)."""


class Refused(Exception):
    """Not now: `why` is "no_findings" (a response needs findings first), "sent" (already
    sent), "unreviewed" (machine drafts wait for review) or "nobody" (no recipients)."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


@dataclass
class Card:
    run: SurveyRun
    survey: Survey
    definition: SurveyDefinition
    region: Region | None
    answered: int  # finished responses (shown through the small-group rule)
    findings: dict[str, SurveyFinding]  # kind -> row

    def texts(self, kind: str) -> Texts:
        found = self.findings.get(kind)
        return rules.load(found.texts) if found is not None else {}


# --- coordinators ----------------------------------------------------------------------------


def _visible(actor: Actor, run: SurveyRun) -> bool:
    return actor.is_admin if run.region_id is None else actor.may_see_region(run.region_id)


async def runs(session: AsyncSession, actor: Actor, limit: int = 8) -> list[Card]:
    """The latest open or closed runs the actor may report on, newest first."""
    require_staff(who=actor)
    query = select(SurveyRun).where(SurveyRun.status.in_(DONE))
    if not actor.is_admin:
        query = query.where(SurveyRun.region_id.in_(sorted(actor.region_ids)))
    found = await session.scalars(query.order_by(SurveyRun.due_at.desc()).limit(limit))
    return [await _card(session, run) for run in found]


async def card(session: AsyncSession, actor: Actor, run_id: int) -> Card:
    require_staff(actor)
    run = await session.get(SurveyRun, run_id)
    if run is None or run.status not in DONE or not _visible(actor, run):
        raise Gone
    return await _card(session, run)


async def _card(session: AsyncSession, run: SurveyRun) -> Card:
    survey = await session.get(Survey, run.survey_id)
    assert survey is not None
    region = await session.get(Region, run.region_id) if run.region_id is not None else None
    answered = await session.scalar(
        select(func.count()).where(SurveyResponse.run_id == run.id, SurveyResponse.finished)
    )
    rows = await session.scalars(select(SurveyFinding).where(SurveyFinding.run_id == run.id))
    return Card(
        run, survey, library.definition_of(survey), region, int(answered or 0),
        {row.kind: row for row in rows},
    )  # fmt: skip


async def write(
    session: AsyncSession,
    actor: Actor,
    run_id: int,
    kind: str,
    language: str,
    text: str,
    drafts: Mapping[str, tuple[str, str]],
    now: datetime,
) -> SurveyFinding:
    """Store the staff text and machine drafts (unreviewed) of one kind; commits."""
    if kind not in rules.KINDS:
        raise Gone
    found = await card(session, actor, run_id)
    if kind == RESPONSE and FINDINGS not in found.findings:
        raise Refused("no_findings")
    row = found.findings.get(kind)
    if row is not None and row.sent_at is not None:
        raise Refused("sent")
    texts = rules.written(language, text, drafts)
    if row is None:
        row = SurveyFinding(run_id=run_id, kind=kind, question=_chosen(found))
        session.add(row)
    row.language, row.texts, row.updated_at = language, rules.dump(texts), now
    await session.flush()
    await audit.record(
        session, actor.telegram_id, WRITE, region_id=found.run.region_id, run=run_id, kind=kind,
        languages=sorted(texts), machine=sorted(rules.unreviewed(texts)),
    )  # fmt: skip
    await session.commit()
    return row


async def finding(
    session: AsyncSession, actor: Actor, finding_id: int
) -> tuple[Card, SurveyFinding]:
    row = await session.get(SurveyFinding, finding_id)
    if row is None:
        raise Gone
    found = await card(session, actor, row.run_id)
    return found, row


async def review(session: AsyncSession, actor: Actor, finding_id: int) -> SurveyFinding:
    """The coordinator read the machine drafts and accepts them; commits."""
    found, row = await finding(session, actor, finding_id)
    texts = rules.load(row.texts)
    drafts = rules.unreviewed(texts)
    row.texts = rules.dump(rules.reviewed_all(texts))
    await audit.record(
        session, actor.telegram_id, REVIEW, region_id=found.run.region_id, run=row.run_id,
        kind=row.kind, languages=drafts,
    )  # fmt: skip
    await session.commit()
    return row


def closed_questions(definition: SurveyDefinition) -> list[str]:
    return [q.id for q in definition.questions if q.answer_ids()]


def headline_id(definition: SurveyDefinition, chosen: str | None) -> str | None:
    """The question whose chart goes out: the chosen one, else the first closed one."""
    closed = closed_questions(definition)
    if chosen in closed:
        return chosen
    return closed[0] if closed else None


async def next_chart(session: AsyncSession, actor: Actor, run_id: int) -> str | None:
    """Move the chart to the run's next closed question (findings and response share it;
    not once sent); commits."""
    found = await card(session, actor, run_id)
    said = found.findings.get(FINDINGS)
    if said is None:
        raise Refused("no_findings")
    if said.sent_at is not None:
        raise Refused("sent")
    closed = closed_questions(found.definition)
    if not closed:
        return None
    current = headline_id(found.definition, said.question)
    chosen = closed[(closed.index(current) + 1) % len(closed)] if current else closed[0]
    for row in found.findings.values():
        row.question = chosen
    await audit.record(
        session, actor.telegram_id, CHART, region_id=found.run.region_id, run=run_id,
        question=chosen,
    )  # fmt: skip
    await session.commit()
    return chosen


def _chosen(found: Card) -> str | None:
    row = found.findings.get(FINDINGS)
    return row.question if row is not None else None


async def headline(session: AsyncSession, run: SurveyRun, definition: SurveyDefinition,
                   chosen: str | None) -> QuestionResult | None:  # fmt: skip
    """The run's result for its headline question (exact counts: suppress where shown)."""
    question_id = headline_id(definition, chosen)
    if question_id is None:
        return None
    results = await run_counts(session, run.id, definition)
    return next(r for r in results if r.question.id == question_id)


# --- sending ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outgoing:
    """What members get, per reader language: the HTML and the chart (PNG or None)."""

    html: dict[str, str]
    charts: dict[str, bytes | None]


def audience_of(run: SurveyRun, choice: str) -> Audience:
    regions = (run.region_id,) if run.region_id is not None else None
    if choice == rules.INVITED:
        if run.broadcast_id is None:
            raise Refused("nobody")
        return Audience(region_ids=regions, reached_by=run.broadcast_id)
    return Audience(region_ids=regions)


async def reader_languages(
    session: AsyncSession, settings: Settings, actor: Actor, finding_id: int, choice: str
) -> dict[str, int]:
    """The recipients' languages and how many read each (before sending)."""
    found, _row = await finding(session, actor, finding_id)
    if choice not in rules.AUDIENCES:
        raise Gone
    return await language_counts(session, audience_of(found.run, choice), settings.default_locale)


async def send(
    session: AsyncSession,
    settings: Settings,
    actor: Actor,
    finding_id: int,
    choice: str,
    outgoing: Outgoing,
    markup: Mapping[str, str],
    now: datetime,
    locale: str,
) -> Broadcast:
    """Queue the findings (or response) for the chosen audience, one version per reader
    language with its chart and buttons; commits (the caller wakes the broadcaster)."""
    found, row = await finding(session, actor, finding_id)
    if choice not in rules.AUDIENCES:
        raise Gone
    if row.sent_at is not None:
        raise Refused("sent")
    if rules.unreviewed(rules.load(row.texts)) or (
        row.kind == RESPONSE and rules.unreviewed(found.texts(FINDINGS))
    ):
        raise Refused("unreviewed")
    versions = {
        code: Content(
            "photo" if outgoing.charts.get(code) else "text",
            body,
            len(body),
            None,
            markup.get(code),
            file_data=outgoing.charts.get(code),
        )  # fmt: skip
        for code, body in outgoing.html.items()
    }
    if not versions:
        raise Refused("nobody")
    audience = audience_of(found.run, choice)
    claimed = await session.execute(  # two presses at once: only one broadcast
        update(SurveyFinding)
        .where(SurveyFinding.id == row.id, SurveyFinding.sent_at.is_(None))
        .values(sent_at=now)
        .execution_options(synchronize_session=False)
    )
    if not claimed.rowcount:  # type: ignore[attr-defined]
        raise Refused("sent")
    broadcast = await broadcasts.create(
        session, settings, actor=actor.telegram_id, audience=audience, versions=versions,
        now=now, locale=locale, kind="findings",
    )  # fmt: skip
    if broadcast.total == 0:
        await session.rollback()
        raise Refused("nobody")
    row.broadcast_id, row.audience, row.sent_at = broadcast.id, choice, now
    await audit.record(
        session, actor.telegram_id, SEND, region_id=found.run.region_id, run=row.run_id,
        kind=row.kind, audience=choice, recipients=broadcast.total,
    )  # fmt: skip
    await session.commit()
    return broadcast


# --- members ---------------------------------------------------------------------------------


async def react(
    session: AsyncSession, member: Member | None, finding_id: int, value: str, now: datetime
) -> FindingReaction:
    """A member's 👍/👎 on findings they received (changeable); commits. Gone for anyone
    the findings did not reach (old or forged buttons)."""
    if member is None or value not in (rules.UP, rules.DOWN):
        raise Gone
    row = await session.get(SurveyFinding, finding_id)
    if row is None or row.broadcast_id is None:
        raise Gone
    reached = await session.scalar(
        select(BroadcastDelivery.id).where(
            BroadcastDelivery.broadcast_id == row.broadcast_id,
            BroadcastDelivery.member_id == member.id,
            BroadcastDelivery.state == DeliveryState.SENT.value,
        )
    )
    if reached is None:
        raise Gone
    reaction = await session.get(FindingReaction, (finding_id, member.id))
    if reaction is None:
        reaction = FindingReaction(finding_id=finding_id, member_id=member.id, value=value, at=now)
        session.add(reaction)
    reaction.value, reaction.at = value, now
    await session.commit()
    return reaction


@dataclass
class Past:
    """One run as a member sees it in /results."""

    run: SurveyRun
    definition: SurveyDefinition
    result: QuestionResult | None
    findings: Texts
    response: Texts


async def for_member(session: AsyncSession, member: Member, limit: int = 5) -> list[Past]:
    """The member's pool's runs whose findings or response were sent, newest first."""
    if member.region_id is None:
        return []
    latest = func.max(SurveyFinding.sent_at)
    rows = await session.execute(
        select(SurveyRun)
        .join(SurveyFinding, SurveyFinding.run_id == SurveyRun.id)
        .where(
            SurveyFinding.sent_at.is_not(None),
            (SurveyRun.region_id == member.region_id) | SurveyRun.region_id.is_(None),
        )
        .group_by(SurveyRun.id)
        .order_by(latest.desc())
        .limit(limit)
    )
    found = []
    for run in rows.scalars():
        survey = await session.get(Survey, run.survey_id)
        assert survey is not None
        definition = library.definition_of(survey)
        kinds = {
            row.kind: row
            for row in await session.scalars(
                select(SurveyFinding).where(SurveyFinding.run_id == run.id)
            )
        }
        said, did = kinds.get(FINDINGS), kinds.get(RESPONSE)
        if said is None:
            continue
        found.append(
            Past(
                run,
                definition,
                await headline(session, run, definition, said.question),
                rules.load(said.texts),
                rules.load(did.texts) if did is not None and did.sent_at is not None else {},
            )  # fmt: skip
        )
    return found


async def reactions(
    session: AsyncSession, actor: Actor, region_ids: list[int]
) -> dict[int, Counter[str]]:
    """👍/👎 on findings per member region (the actor's regions only)."""
    allowed = [r for r in region_ids if actor.may_see_region(r)]
    counts: dict[int, Counter[str]] = {r: Counter() for r in allowed}
    if not allowed:
        return counts
    rows = await session.execute(
        select(Member.region_id, FindingReaction.value, func.count())
        .join(Member, Member.id == FindingReaction.member_id)
        .where(Member.region_id.in_(allowed))
        .group_by(Member.region_id, FindingReaction.value)
    )
    for region_id, value, count in rows.all():
        counts[int(region_id)][str(value)] = int(count)
    return counts
