"""A survey as data: questions of six kinds, texts per language, simple skip logic.

`text` maps language -> text; single/multi questions have `options`; `max` for multi,
`required`, `show_if`, `anonymous` and title/intro/thanks texts. `machine_drafts` names the
languages whose texts a machine made ({language: {provider, reviewed}}, bot/surveys/drafts.py):
members reading them see a machine-translation label. The intake
(bot/data/intake.yaml) is a definition of this shape too; its name question says where
the member's profile keeps the answer (`member_field`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot import languages

KINDS = ("single", "multi", "scale", "yesno", "text", "number")
CHOICE_KINDS = ("single", "multi")
TYPED_KINDS = ("text", "number")
MEMBER_FIELDS = ("display_name",)  # member profile fields a text answer may fill
YES, NO = "yes", "no"

Texts = Mapping[str, str]
Answers = Mapping[str, Any]


def pick_text(texts: Texts, language: str) -> tuple[str, str]:
    """(language used, text) by the one fallback rule (bot/languages.py)."""
    return languages.pick(texts, language) if texts else (language, "")


def shown(texts: Texts, language: str) -> str:
    """The text for a reader; a fallback is marked with its language code so it is visible."""
    used, text = pick_text(texts, language)
    return text if used == language else f"[{used}] {text}"


@dataclass(frozen=True)
class MachineDraft:
    """A language whose texts a translation provider made; `reviewed` once a coordinator
    confirmed them."""

    provider: str
    reviewed: bool = False


@dataclass(frozen=True)
class Choice:
    id: str
    text: Texts


@dataclass(frozen=True)
class Condition:
    """show_if: the question is asked only when `question` was answered with one of `values`."""

    question: str
    values: tuple[str, ...]

    def holds(self, answers: Answers) -> bool:
        given = answers.get(self.question)
        if given is None:
            return False
        if isinstance(given, list):
            return any(str(v) in self.values for v in given)
        return str(given) in self.values


@dataclass(frozen=True)
class SurveyQuestion:
    id: str
    kind: str
    text: Texts
    required: bool = False
    options: tuple[Choice, ...] = ()
    max_choices: int | None = None  # multi
    low: int = 0  # scale and number bounds
    high: int = 0
    low_label: Texts | None = None  # scale ends
    high_label: Texts | None = None
    max_length: int = 500  # text
    member_field: str | None = None  # text: kept as this member field by the intake
    show_if: tuple[Condition, ...] = ()

    def option(self, option_id: str) -> Choice | None:
        return next((o for o in self.options if o.id == option_id), None)

    def answer_ids(self) -> tuple[str, ...]:
        """Every value a button of this question can give (for show_if and exports)."""
        if self.kind in CHOICE_KINDS:
            return tuple(o.id for o in self.options)
        if self.kind == "yesno":
            return (YES, NO)
        if self.kind == "scale":
            return tuple(str(v) for v in range(self.low, self.high + 1))
        return ()

    def visible(self, answers: Answers) -> bool:
        return all(condition.holds(answers) for condition in self.show_if)


@dataclass(frozen=True)
class SurveyDefinition:
    slug: str
    title: Texts
    questions: tuple[SurveyQuestion, ...]
    intro: Texts | None = None
    thanks: Texts | None = None
    anonymous: bool = False
    machine_drafts: Mapping[str, MachineDraft] = field(default_factory=dict)

    def unreviewed(self) -> list[str]:
        """Languages whose machine drafts nobody reviewed yet."""
        return [code for code, mark in self.machine_drafts.items() if not mark.reviewed]

    def question(self, question_id: str | None) -> SurveyQuestion | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def path(self, answers: Answers) -> list[SurveyQuestion]:
        """The questions this respondent sees, given the answers so far."""
        return [q for q in self.questions if q.visible(answers)]

    def first(self, answers: Answers) -> SurveyQuestion | None:
        return self.after(None, answers)

    def after(self, question_id: str | None, answers: Answers) -> SurveyQuestion | None:
        ids = [q.id for q in self.questions]
        start = ids.index(question_id) + 1 if question_id in ids else 0
        return next((q for q in self.questions[start:] if q.visible(answers)), None)

    def before(self, question_id: str, answers: Answers) -> SurveyQuestion | None:
        ids = [q.id for q in self.questions]
        if question_id not in ids:
            return None
        earlier = self.questions[: ids.index(question_id)]
        return next((q for q in reversed(earlier) if q.visible(answers)), None)

    def progress(self, question_id: str, answers: Answers) -> tuple[int, int]:
        """(position, total) for "2/5": questions whose condition waits for an answer count."""
        counted = [
            q.id
            for q in self.questions
            if q.id == question_id
            or all(c.question not in answers or c.holds(answers) for c in q.show_if)
        ]
        return counted.index(question_id) + 1, len(counted)

    def texts(self) -> Sequence[tuple[str, Texts]]:
        """Every translatable text with its field path (for the missing-translation report)."""
        found: list[tuple[str, Texts]] = [("title", self.title)]
        if self.intro:
            found.append(("intro", self.intro))
        if self.thanks:
            found.append(("thanks", self.thanks))
        for i, question in enumerate(self.questions):
            found.append((f"questions[{i}].text", question.text))
            for j, option in enumerate(question.options):
                found.append((f"questions[{i}].options[{j}].text", option.text))
            if question.low_label:
                found.append((f"questions[{i}].labels.min", question.low_label))
            if question.high_label:
                found.append((f"questions[{i}].labels.max", question.high_label))
        return found
