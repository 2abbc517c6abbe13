"""The intake: a few questions about the newcomer, asked once during onboarding.

It is a survey definition (bot/data/intake.yaml, checked by the survey validator) asked by
the survey engine (bot/surveys/answering.py). Its answers belong to the member's profile:
a ProfileAnswer row per question, or the member field a question names (`member_field`).
The question on screen is the member's onboarding step ("intake:<question id>"), so a
restart loses nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.surveys import answering as engine
from bot.surveys.answering import Answering
from bot.surveys.definition import MEMBER_FIELDS, SurveyDefinition, SurveyQuestion
from bot.surveys.errors import Stale
from bot.surveys.validate import check_text
from db.base import utcnow
from db.models import Member, ProfileAnswer

INTAKE_FILE = Path(__file__).resolve().parent.parent / "data" / "intake.yaml"
PREFIX = "intake:"


def load(path: Path) -> SurveyDefinition:
    checked = check_text(path.read_text(encoding="utf-8"))
    if checked.definition is None:
        problems = "; ".join(problem.render() for problem in checked.problems)
        raise ValueError(f"{path}: {problems}")
    return checked.definition


@cache
def definition() -> SurveyDefinition:
    return load(INTAKE_FILE)


def step(question_id: str) -> str:
    return PREFIX + question_id


def current_question(member: Member) -> SurveyQuestion | None:
    """The intake question the member is at (None when they are not in the intake)."""
    at = member.onboarding_step or ""
    return definition().question(at.removeprefix(PREFIX)) if at.startswith(PREFIX) else None


def start(member: Member) -> None:
    """Put the member at the first question (past the intake if it has none)."""
    first = definition().first({})
    member.onboarding_step = step(first.id) if first else None


@dataclass
class IntakeAnswering(Answering):
    member: Member
    rows: dict[str, ProfileAnswer] = field(default_factory=dict)  # stored answers by question

    @property
    def current(self) -> str | None:
        at = self.member.onboarding_step or ""
        return at.removeprefix(PREFIX) if at.startswith(PREFIX) else None

    async def move(self, session: AsyncSession, question_id: str) -> None:
        self.member.onboarding_step = step(question_id)
        await session.flush()

    async def finish(self, session: AsyncSession, now: datetime) -> None:
        self.member.onboarding_step = None
        await session.flush()

    async def keep(self, session: AsyncSession, question: SurveyQuestion, value: Any) -> None:
        if question.member_field in MEMBER_FIELDS:
            # A name is one line: inner runs of spaces and line breaks become one space.
            text = " ".join(str(value).split()) if value is not None else None
            setattr(self.member, question.member_field, text)
        else:
            await self._keep_profile_answer(session, question.id, value)
        # No flush of its own: move/finish flush right after (one UPDATE of the member), and
        # the commit flushes a multi-select toggle.

    async def _keep_profile_answer(
        self, session: AsyncSession, question_id: str, value: Any
    ) -> None:
        row = self.rows.get(question_id)
        if value is None:
            if row is not None:
                del self.rows[question_id]
                if row in session.new:  # added in this update, never stored
                    session.expunge(row)
                else:
                    await session.delete(row)
            return
        encoded = json.dumps(value, ensure_ascii=False)
        if row is None:
            self.rows[question_id] = row = ProfileAnswer(
                member_id=self.member.id, question=question_id, value=encoded, answered_at=utcnow()
            )
            session.add(row)
        else:
            row.value, row.answered_at = encoded, utcnow()


_ANSWERS = select(ProfileAnswer).where(ProfileAnswer.member_id == bindparam("member_id"))
_IN_SESSION = "intake.answering"  # session.info key: the intake loaded in this unit of work


async def answering(session: AsyncSession, member: Member) -> IntakeAnswering:
    """The member's intake with the answers given so far. Loaded once per session (one
    update): an answer and the next question use the same object, which keeps its answers
    and rows up to date (the intake's answers change only through it)."""
    cached = session.info.get(_IN_SESSION)
    if isinstance(cached, IntakeAnswering) and cached.member is member:
        return cached
    rows = {row.question: row for row in await session.scalars(_ANSWERS, {"member_id": member.id})}
    answers: dict[str, Any] = {question: json.loads(row.value) for question, row in rows.items()}
    for question in definition().questions:
        if question.member_field in MEMBER_FIELDS:
            value = getattr(member, question.member_field)
            if value is not None:
                answers[question.id] = value
    found = IntakeAnswering(definition(), answers, member, rows)
    session.info[_IN_SESSION] = found
    return found


async def at(session: AsyncSession, member: Member, question_id: str) -> IntakeAnswering:
    """The intake for a button or answer to `question_id`: Stale unless it is current."""
    if (question := current_question(member)) is None or question.id != question_id:
        raise Stale
    return await answering(session, member)


async def answer_choice(
    session: AsyncSession, member: Member, question_id: str, option_id: str
) -> IntakeAnswering:
    intake = await at(session, member, question_id)
    await engine.choose(session, intake, option_id, utcnow())
    return intake


async def toggle_option(
    session: AsyncSession, member: Member, question_id: str, option_id: str
) -> list[str]:
    """Multi-select: add or remove an option; the selection is saved at once."""
    return await engine.toggle(session, await at(session, member, question_id), option_id)


async def finish_multi(session: AsyncSession, member: Member, question_id: str) -> IntakeAnswering:
    intake = await at(session, member, question_id)
    await engine.done(session, intake, utcnow())
    return intake


async def skip_question(session: AsyncSession, member: Member, question_id: str) -> IntakeAnswering:
    intake = await at(session, member, question_id)
    await engine.skip(session, intake, utcnow())
    return intake


async def answer_text(
    session: AsyncSession, member: Member, question_id: str, text: str
) -> IntakeAnswering:
    """A typed answer, checked like a survey's (Rejected when too long or empty)."""
    intake = await at(session, member, question_id)
    await engine.typed(session, intake, text, utcnow())
    return intake
