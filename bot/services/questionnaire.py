"""Question definitions as data (YAML): texts per language, options, kinds.

The intake uses it now; survey files use the same shape and extend it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot import languages
from bot.config import SUPPORTED_LOCALES

KINDS = ("single", "multi", "text")


class DefinitionError(ValueError):
    pass


def localized(texts: dict[str, str], language: str) -> str:
    """The text in `language`, else English, else Dutch, else any."""
    return languages.pick(texts, language)[1] if texts else ""


@dataclass(frozen=True)
class Option:
    id: str
    text: dict[str, str]

    def label(self, language: str) -> str:
        return localized(self.text, language)


@dataclass(frozen=True)
class Question:
    id: str
    kind: str
    text: dict[str, str]
    options: tuple[Option, ...] = ()
    max_length: int = 200

    def prompt(self, language: str) -> str:
        return localized(self.text, language)

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)


@dataclass(frozen=True)
class Questionnaire:
    slug: str
    questions: tuple[Question, ...]
    missing: dict[str, list[str]] = field(default_factory=dict)

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def after(self, question_id: str | None) -> Question | None:
        """The question following `question_id` (the first one for None)."""
        if question_id is None:
            return self.questions[0] if self.questions else None
        ids = [q.id for q in self.questions]
        index = ids.index(question_id) + 1 if question_id in ids else len(ids)
        return self.questions[index] if index < len(ids) else None


def _texts(raw: Any, where: str, missing: dict[str, list[str]]) -> dict[str, str]:
    if not isinstance(raw, dict) or not raw:
        raise DefinitionError(f"{where}: expected a mapping of language -> text")
    texts = {str(k): str(v) for k, v in raw.items() if v}
    for code in SUPPORTED_LOCALES:
        if code not in texts:
            missing.setdefault(code, []).append(where)
    return texts


def parse(data: Any) -> Questionnaire:
    if not isinstance(data, dict) or "slug" not in data:
        raise DefinitionError("expected a mapping with 'slug' and 'questions'")
    missing: dict[str, list[str]] = {}
    questions = []
    for i, raw in enumerate(data.get("questions") or []):
        where = f"questions[{i}]"
        kind = raw.get("kind")
        if kind not in KINDS:
            raise DefinitionError(f"{where}.kind: '{kind}' is not one of {', '.join(KINDS)}")
        options = tuple(
            Option(id=str(o["id"]), text=_texts(o.get("text"), f"{where}.options[{j}]", missing))
            for j, o in enumerate(raw.get("options") or [])
        )
        if kind != "text" and not options:
            raise DefinitionError(f"{where}.options: a {kind} question needs options")
        questions.append(
            Question(
                id=str(raw["id"]),
                kind=kind,
                text=_texts(raw.get("text"), f"{where}.text", missing),
                options=options,
                max_length=int(raw.get("max_length", 200)),
            )
        )
    return Questionnaire(slug=str(data["slug"]), questions=tuple(questions), missing=missing)


def load(path: Path) -> Questionnaire:
    with path.open(encoding="utf-8") as fh:
        return parse(yaml.safe_load(fh))


INTAKE_FILE = Path(__file__).resolve().parent.parent / "data" / "intake.yaml"
