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

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import members
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


def first_step() -> str | None:
    """The onboarding step of the intake's first question (None: it has none)."""
    first = definition().first({})
    return step(first.id) if first else None


def start(member: Member) -> None:
    """Put the member at the first question (past the intake if it has none)."""
    member.onboarding_step = first_step()


_ANSWERS_TABLE = ProfileAnswer.__table__
# The intake's statements, Core and built once: its answers are read and written here only
# (by member and question: unique), and no ProfileAnswer object is needed for them.
_ANSWERS = select(_ANSWERS_TABLE.c.question, _ANSWERS_TABLE.c.value).where(
    _ANSWERS_TABLE.c.member_id == bindparam("member_id")
)
_ADD = insert(_ANSWERS_TABLE).values(
    member_id=bindparam("member_id"),
    question=bindparam("question"),
    value=bindparam("value"),
    answered_at=bindparam("answered_at"),
)
_CHANGE = (
    update(_ANSWERS_TABLE)
    .where(
        _ANSWERS_TABLE.c.member_id == bindparam("b_member_id"),  # not a column's name (UPDATE)
        _ANSWERS_TABLE.c.question == bindparam("b_question"),
    )
    .values(value=bindparam("b_value"), answered_at=bindparam("b_answered_at"))
)
_REMOVE = delete(_ANSWERS_TABLE).where(
    _ANSWERS_TABLE.c.member_id == bindparam("member_id"),
    _ANSWERS_TABLE.c.question == bindparam("question"),
)


@dataclass
class IntakeAnswering(Answering):
    member: Member
    stored: set[str] = field(default_factory=set)  # questions with a ProfileAnswer row
    # Member fields answered and not yet written: stored with the member's next step.
    member_values: dict[str, Any] = field(default_factory=dict)

    @property
    def current(self) -> str | None:
        at = self.member.onboarding_step or ""
        return at.removeprefix(PREFIX) if at.startswith(PREFIX) else None

    async def move(self, session: AsyncSession, question_id: str) -> None:
        await self._write_member(session, onboarding_step=step(question_id))

    async def finish(self, session: AsyncSession, now: datetime) -> None:
        await self._write_member(session, onboarding_step=None)

    async def _write_member(self, session: AsyncSession, **values: Any) -> None:
        values = self.member_values | values
        self.member_values = {}
        await members.write(session, self.member, **values)  # one UPDATE

    async def save_member(self, session: AsyncSession) -> None:
        """Write member fields kept without a step change (a multi-select toggle)."""
        if self.member_values:
            await self._write_member(session)

    async def keep(self, session: AsyncSession, question: SurveyQuestion, value: Any) -> None:
        if question.member_field in MEMBER_FIELDS:
            # A name is one line: inner runs of spaces and line breaks become one space.
            text = " ".join(str(value).split()) if value is not None else None
            # Written with the move or finish that comes right after (one UPDATE).
            self.member_values[question.member_field] = text
        else:
            await self._keep_profile_answer(session, question.id, value)

    async def _keep_profile_answer(
        self, session: AsyncSession, question_id: str, value: Any
    ) -> None:
        connection = await session.connection()
        if value is None:
            if question_id in self.stored:
                self.stored.discard(question_id)
                await connection.execute(
                    _REMOVE, {"member_id": self.member.id, "question": question_id}
                )
            return
        encoded = json.dumps(value, ensure_ascii=False)
        if question_id in self.stored:
            await connection.execute(
                _CHANGE,
                {"b_member_id": self.member.id, "b_question": question_id,
                 "b_value": encoded, "b_answered_at": utcnow()},
            )  # fmt: skip
        else:
            self.stored.add(question_id)
            await connection.execute(
                _ADD,
                {"member_id": self.member.id, "question": question_id,
                 "value": encoded, "answered_at": utcnow()},
            )  # fmt: skip


_IN_SESSION = "intake.answering"  # session.info key: the intake loaded in this unit of work


async def answering(session: AsyncSession, member: Member) -> IntakeAnswering:
    """The member's intake with the answers given so far. Loaded once per session (one
    update): an answer and the next question use the same object, which keeps its answers
    up to date (the intake's answers change only through it)."""
    cached = session.info.get(_IN_SESSION)
    if isinstance(cached, IntakeAnswering) and cached.member is member:
        return cached
    connection = await session.connection()
    rows = (await connection.execute(_ANSWERS, {"member_id": member.id})).all()
    answers: dict[str, Any] = {question: json.loads(value) for question, value in rows}
    for question in definition().questions:
        if question.member_field in MEMBER_FIELDS:
            value = getattr(member, question.member_field)
            if value is not None:
                answers[question.id] = value
    found = IntakeAnswering(definition(), answers, member, {question for question, _ in rows})
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
    intake = await at(session, member, question_id)
    selected = await engine.toggle(session, intake, option_id)
    await intake.save_member(session)
    return selected


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
