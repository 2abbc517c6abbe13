"""Answering a questionnaire one question at a time: the engine behind surveys and the intake.

Every step is stored at once, so answering resumes after anything. Which question comes
next (skip logic), what a button may do and how a typed answer is checked is decided here;
where the answers and the current question are kept is up to the `Answering` in use: a
survey run's response (bot/surveys/responses.py) or the member's profile for the intake
(bot/onboarding/intake.py). A button for any question but the current one is stale.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.surveys.definition import SurveyDefinition, SurveyQuestion
from bot.surveys.errors import REQUIRED, TOO_MANY, Rejected, Stale
from bot.surveys.typed import parse_typed


@dataclass
class Answering(ABC):
    """One respondent going through one definition, with the answers given so far."""

    definition: SurveyDefinition
    answers: dict[str, Any]

    @property
    @abstractmethod
    def current(self) -> str | None:
        """The id of the question waiting for an answer (None: nothing is asked)."""

    @abstractmethod
    async def move(self, session: AsyncSession, question_id: str) -> None:
        """Make `question_id` the current question."""

    @abstractmethod
    async def finish(self, session: AsyncSession, now: datetime) -> None:
        """Every question is answered or skipped: nothing is current any more."""

    @abstractmethod
    async def keep(self, session: AsyncSession, question: SurveyQuestion, value: Any) -> None:
        """Store the answer to `question` (None removes it)."""

    @property
    def question(self) -> SurveyQuestion | None:
        return self.definition.question(self.current)


async def _store(session: AsyncSession, answering: Answering, question_id: str, value: Any) -> None:
    question = answering.definition.question(question_id)
    assert question is not None
    await answering.keep(session, question, value)
    if value is None:
        answering.answers.pop(question_id, None)
    else:
        answering.answers[question_id] = value


async def _advance(session: AsyncSession, answering: Answering, now: datetime) -> None:
    definition = answering.definition
    following = definition.after(answering.current, answering.answers)
    if following is not None:
        await answering.move(session, following.id)
        return
    visible = {q.id for q in definition.path(answering.answers)}
    for question in definition.questions:
        if question.id in answering.answers and question.id not in visible:
            await _store(session, answering, question.id, None)  # left out by skip logic
    await answering.finish(session, now)


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
    current = answering.current
    previous = answering.definition.before(current or "", answering.answers) if current else None
    if previous is None:
        raise Stale
    await answering.move(session, previous.id)
    return previous


async def typed(session: AsyncSession, answering: Answering, text: str, now: datetime) -> None:
    """A typed answer to the current text or number question (validated)."""
    question = answering.question
    if question is None or question.kind not in ("text", "number"):
        raise Stale
    await _store(session, answering, question.id, parse_typed(question, text))
    await _advance(session, answering, now)
