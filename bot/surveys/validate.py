"""Checking a survey file: every problem names its line and field; texts missing per language."""

from __future__ import annotations

from typing import Any

from bot.config import SUPPORTED_LOCALES
from bot.surveys import source
from bot.surveys.checker import (
    BAD_ID,
    BAD_SLUG,
    BUTTON_LIMIT,
    COMMON_FIELDS,
    DUPLICATE,
    EARLIER,
    ID,
    INVALID_YAML,
    KIND_FIELDS,
    MAX_OPTIONS,
    MAX_QUESTIONS,
    MISSING,
    NOT_ANSWER,
    NOT_ONE_OF,
    NOT_TEXT,
    RANGE,
    SLUG,
    TOP_FIELDS,
    Checked,
    Checker,
    Problem,
)
from bot.surveys.definition import (
    CHOICE_KINDS,
    KINDS,
    MEMBER_FIELDS,
    TYPED_KINDS,
    Choice,
    Condition,
    MachineDraft,
    SurveyDefinition,
    SurveyQuestion,
)

NUMBER_LIMIT = 1_000_000_000


def check_text(text: str) -> Checked:
    try:
        located = source.load(text)
    except source.SourceError as exc:
        return Checked(None, [Problem(exc.line, "", INVALID_YAML, {"reason": exc.reason})], {})
    return check(located)


def check(located: source.Located) -> Checked:
    checker = Checker(located)
    top = checker.mapping("", located.data, TOP_FIELDS)
    if top is None:
        return Checked(None, checker.problems, {})
    slug = checker.ident("slug", top.get("slug"), SLUG, BAD_SLUG)
    title = checker.texts("title", top.get("title"))
    intro = checker.texts("intro", top["intro"]) if "intro" in top else None
    thanks = checker.texts("thanks", top["thanks"]) if "thanks" in top else None
    anonymous = checker.flag("anonymous", top.get("anonymous"))
    questions: list[SurveyQuestion] = []
    for i, raw in enumerate(checker.items("questions", top.get("questions"), 1, MAX_QUESTIONS)):
        parsed = _question(checker, f"questions[{i}]", raw, questions)
        if parsed is not None:
            questions.append(parsed)
        elif isinstance(raw, dict) and raw.get("id") is not None:
            checker.broken.add(source.as_word(raw["id"]))  # reported already
    drafts = _machine_drafts(checker, top.get("machine_drafts"))
    if checker.problems:
        return Checked(None, checker.problems, {})
    definition = SurveyDefinition(
        slug=slug, title=title, questions=tuple(questions), intro=intro, thanks=thanks,
        anonymous=anonymous, machine_drafts=drafts,
    )  # fmt: skip
    return Checked(definition, [], missing_texts(definition))


def missing_texts(definition: SurveyDefinition) -> dict[str, list[str]]:
    missing: dict[str, list[str]] = {}
    for path, texts in definition.texts():
        for code in SUPPORTED_LOCALES:
            if code not in texts:
                missing.setdefault(code, []).append(path)
    return missing


def _machine_drafts(checker: Checker, raw: Any) -> dict[str, MachineDraft]:
    """machine_drafts: {language: {provider: name, reviewed: true|false}}."""
    if raw is None:
        return {}
    found: dict[str, MachineDraft] = {}
    for code, mark in (
        checker.mapping("machine_drafts", raw, set(SUPPORTED_LOCALES)) or {}
    ).items():
        where = f"machine_drafts.{code}"
        if checker.mapping(where, mark, {"provider", "reviewed"}) is None:
            continue
        provider = mark.get("provider")
        if not isinstance(provider, str) or not provider.strip():
            checker.fail(f"{where}.provider", NOT_TEXT if provider is not None else MISSING)
            continue
        found[code] = MachineDraft(
            provider.strip(), checker.flag(f"{where}.reviewed", mark.get("reviewed"))
        )
    return found


def _question(
    checker: Checker, path: str, raw: Any, earlier: list[SurveyQuestion]
) -> SurveyQuestion | None:
    if not isinstance(raw, dict):
        checker.mapping(path, raw, set())
        return None
    kind = source.as_word(raw.get("kind")) if raw.get("kind") is not None else None
    if kind not in KINDS:
        checker.fail(f"{path}.kind", NOT_ONE_OF, value=kind or "", allowed=", ".join(KINDS))
        return None
    checker.mapping(path, raw, COMMON_FIELDS | KIND_FIELDS[kind])
    question_id = checker.ident(f"{path}.id", raw.get("id"), ID, BAD_ID)
    if any(q.id == question_id for q in earlier):
        checker.fail(f"{path}.id", DUPLICATE, value=question_id)
    values: dict[str, Any] = {
        "id": question_id,
        "kind": kind,
        "text": checker.texts(f"{path}.text", raw.get("text")),
        "required": checker.flag(f"{path}.required", raw.get("required")),
        "show_if": _conditions(checker, f"{path}.show_if", raw.get("show_if"), earlier),
    }
    if kind in CHOICE_KINDS:
        values["options"] = _options(checker, f"{path}.options", raw.get("options"))
        if kind == "multi" and "max" in raw:
            most = max(1, len(values["options"]))
            values["max_choices"] = checker.integer(f"{path}.max", raw["max"], 1, most)
    elif kind == "scale":
        values["low"] = checker.integer(f"{path}.min", raw.get("min", 1), 0, 1) or 0
        values["high"] = checker.integer(f"{path}.max", raw.get("max", 5), 2, 10) or 0
        labels = checker.mapping(f"{path}.labels", raw.get("labels"), {"min", "max"}) or {}
        values["low_label"] = checker.texts(f"{path}.labels.min", labels.get("min"))
        values["high_label"] = checker.texts(f"{path}.labels.max", labels.get("max"))
    elif kind == "number":
        low = checker.integer(f"{path}.min", raw.get("min", 0), -NUMBER_LIMIT, NUMBER_LIMIT)
        high = checker.integer(f"{path}.max", raw.get("max", 100_000), -NUMBER_LIMIT, NUMBER_LIMIT)
        if low is not None and high is not None and low > high:
            checker.fail(f"{path}.max", RANGE, low=low, high=NUMBER_LIMIT)
        values["low"], values["high"] = low or 0, high or 0
    elif kind == "text":
        values["max_length"] = checker.integer(
            f"{path}.max_length", raw.get("max_length", 500), 1, 2000
        ) or 500  # fmt: skip
        if "member_field" in raw:
            field = source.as_word(raw["member_field"])
            if field not in MEMBER_FIELDS:
                allowed = ", ".join(MEMBER_FIELDS)
                checker.fail(f"{path}.member_field", NOT_ONE_OF, value=field, allowed=allowed)
            values["member_field"] = field
    return SurveyQuestion(**values)


def _options(checker: Checker, path: str, raw: Any) -> tuple[Choice, ...]:
    options: list[Choice] = []
    for j, item in enumerate(checker.items(path, raw, 2, MAX_OPTIONS)):
        where = f"{path}[{j}]"
        if checker.mapping(where, item, {"id", "text"}) is None:
            continue
        option_id = checker.ident(f"{where}.id", item.get("id"), ID, BAD_ID)
        if any(o.id == option_id for o in options):
            checker.fail(f"{where}.id", DUPLICATE, value=option_id)
        text = checker.texts(f"{where}.text", item.get("text"), BUTTON_LIMIT)
        options.append(Choice(option_id, text))
    return tuple(options)


def _conditions(
    checker: Checker, path: str, raw: Any, earlier: list[SurveyQuestion]
) -> tuple[Condition, ...]:
    if raw is None:
        return ()
    names = {q.id for q in earlier}
    mapping = checker.mapping(path, raw, names | set(raw if isinstance(raw, dict) else ()))
    conditions: list[Condition] = []
    for question_id, wanted in (mapping or {}).items():
        target = next((q for q in earlier if q.id == question_id), None)
        if target is None and question_id in checker.broken:
            continue
        if target is None or target.kind in TYPED_KINDS:
            checker.fail(f"{path}.{question_id}", EARLIER)
            continue
        accepted = tuple(
            source.as_word(v) for v in (wanted if isinstance(wanted, list) else [wanted])
        )
        for value in accepted:
            if value not in target.answer_ids():
                checker.fail(f"{path}.{question_id}", NOT_ANSWER, value=value, question=question_id)
        conditions.append(Condition(question_id, accepted))
    return tuple(conditions)


__all__ = ["Checked", "Problem", "check", "check_text", "missing_texts"]
