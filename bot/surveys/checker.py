"""The checker behind survey validation: problems with line and field, typed field readers."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.config import SUPPORTED_LOCALES
from bot.marking import N_, N_plural, Plural
from bot.surveys import source
from bot.surveys.definition import SurveyDefinition, Texts

SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
ID = re.compile(r"[a-z0-9_]{1,20}")
TOP_FIELDS = {"slug", "title", "intro", "thanks", "anonymous", "questions", "machine_drafts"}
COMMON_FIELDS = {"id", "kind", "text", "required", "show_if"}
KIND_FIELDS = {
    "single": {"options"},
    "multi": {"options", "max"},
    "scale": {"min", "max", "labels"},
    "yesno": set(),
    "text": {"max_length", "member_field"},
    "number": {"min", "max"},
}
MAX_QUESTIONS, MAX_OPTIONS = 50, 12
TEXT_LIMIT, BUTTON_LIMIT = 1000, 100  # characters: a message must fit 4096 with the rest

INVALID_YAML = N_("This is not valid YAML: {reason}")
NOT_MAPPING = N_("must be a mapping (key: value)")
NOT_LIST = N_("must be a list (lines starting with -)")
NOT_TEXT = N_("must be text (put quotes around words like Yes, No, On and Off)")
NOT_NUMBER = N_("must be a whole number")
NOT_BOOL = N_("must be true or false")
MISSING = N_("is missing")
TOO_LONG = N_plural(
    "is too long (at most {limit} character)", "is too long (at most {limit} characters)", "limit"
)
UNKNOWN_FIELD = N_("unknown field (check the spelling)")
BAD_SLUG = N_("must be 1 to 32 small letters, digits, - or _")
BAD_ID = N_("must be 1 to 20 small letters, digits or _")
DUPLICATE = N_("“{value}” is used twice")
NOT_ONE_OF = N_("“{value}” is not one of: {allowed}")
UNKNOWN_LANGUAGE = N_("unknown language code “{value}” (use: {allowed})")
COUNT = N_("needs {low} to {high} items")
RANGE = N_("must be from {low} to {high}")
EARLIER = N_("must name an earlier question with buttons")
NOT_ANSWER = N_("“{value}” is not an answer of question {question}")
WITH_LINE = N_("Line {line}, {field}: {problem}")
WITHOUT_LINE = N_("{field}: {problem}")
LINE_ONLY = N_("Line {line}: {problem}")


@dataclass(frozen=True)
class Problem:
    line: int | None
    path: str  # the field, like questions[2].kind
    msgid: str | Plural
    params: dict[str, Any] = field(default_factory=dict)

    def render(self, gettext: Callable[..., str] = str) -> str:
        if isinstance(self.msgid, Plural):
            n = self.params[self.msgid.n]
            if gettext is str:
                problem = self.msgid.singular if n == 1 else self.msgid.plural
            else:
                problem = gettext(self.msgid.singular, self.msgid.plural, n)
            problem = problem.format(**self.params)
        else:
            problem = gettext(self.msgid).format(**self.params)
        if self.line is None:
            return gettext(WITHOUT_LINE).format(field=self.path or "–", problem=problem)
        if not self.path:
            return gettext(LINE_ONLY).format(line=self.line, problem=problem)
        return gettext(WITH_LINE).format(line=self.line, field=self.path, problem=problem)


class Checker:
    def __init__(self, located: source.Located) -> None:
        self.located = located
        self.problems: list[Problem] = []
        self.broken: set[str] = set()  # ids of questions that failed to parse

    def fail(self, path: str, msgid: str | Plural, **params: Any) -> None:
        self.problems.append(Problem(self.located.line(path), path, msgid, params))

    def mapping(self, path: str, value: Any, allowed: set[str]) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.fail(path, NOT_MAPPING)
            return None
        for key in value:
            if key not in allowed:
                self.fail(f"{path}.{key}" if path else key, UNKNOWN_FIELD)
        return value

    def items(self, path: str, value: Any, low: int, high: int) -> list[Any]:
        if not isinstance(value, list):
            self.fail(path, MISSING if value is None else NOT_LIST)
            return []
        if not low <= len(value) <= high:
            self.fail(path, COUNT, low=low, high=high)
        return value

    def texts(self, path: str, value: Any, limit: int = TEXT_LIMIT) -> Texts:
        if value is None:
            self.fail(path, MISSING)
            return {}
        if not isinstance(value, dict) or not value:
            self.fail(path, NOT_MAPPING)
            return {}
        texts: dict[str, str] = {}
        for code, text in value.items():
            where = f"{path}.{code}"
            if code not in SUPPORTED_LOCALES:
                self.fail(where, UNKNOWN_LANGUAGE, value=code, allowed=" ".join(SUPPORTED_LOCALES))
            elif isinstance(text, bool) or not isinstance(text, str | int | float):
                self.fail(where, NOT_TEXT)
            elif len(str(text).strip()) > limit:
                self.fail(where, TOO_LONG, limit=limit)
            elif str(text).strip():
                texts[code] = str(text).strip()
        return texts

    def integer(self, path: str, value: Any, low: int, high: int) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(path, NOT_NUMBER)
            return None
        if not low <= value <= high:
            self.fail(path, RANGE, low=low, high=high)
            return None
        return value

    def flag(self, path: str, value: Any) -> bool:
        if value is None:
            return False
        if not isinstance(value, bool):
            self.fail(path, NOT_BOOL)
            return False
        return value

    def ident(self, path: str, value: Any, pattern: re.Pattern[str], msgid: str) -> str:
        text = source.as_word(value) if value is not None else ""
        if value is None:
            self.fail(path, MISSING)
        elif not pattern.fullmatch(text):
            self.fail(path, msgid)
        return text


@dataclass
class Checked:
    definition: SurveyDefinition | None
    problems: list[Problem]
    missing: dict[str, list[str]]  # language -> fields without a text in it
