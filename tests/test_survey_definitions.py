"""Survey files: the shipped examples, errors with line and field, fallbacks, skip logic."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli_admin import CliError
from bot.cli_surveys import run as cli_run
from bot.config import SUPPORTED_LOCALES
from bot.onboarding.intake import INTAKE_FILE, load
from bot.surveys import when
from bot.surveys.definition import shown
from bot.surveys.errors import NOT_A_NUMBER, OUT_OF_RANGE, TOO_LONG, Rejected
from bot.surveys.typed import parse_number, parse_typed
from bot.surveys.validate import check_text

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "surveys").glob("*.yaml"))
TZ = ZoneInfo("Europe/Amsterdam")

SMALL = """\
slug: demo
title: {en: Demo, nl: Demo}
questions:
  - id: fine
    kind: yesno
    text: {en: "All fine?"}
  - id: why
    kind: text
    show_if: {fine: "no"}
    text: {en: "Why not?", nl: "Waarom niet?"}
  - id: score
    kind: scale
    min: 0
    max: 10
    labels: {min: {en: Low}, max: {en: High}}
    text: {en: "Score?"}
"""


def _problems(text: str) -> list[str]:
    return [p.render() for p in check_text(text).problems]


def test_examples_are_valid_and_complete_in_every_language() -> None:
    assert len(EXAMPLES) == 2
    kinds: set[str] = set()
    for path in EXAMPLES:
        checked = check_text(path.read_text(encoding="utf-8"))
        assert checked.problems == [], path
        assert checked.missing == {}, path
        assert checked.definition is not None
        kinds |= {q.kind for q in checked.definition.questions}
        assert any(q.show_if for q in checked.definition.questions)
    assert kinds == {"single", "multi", "scale", "yesno", "text", "number"}


def test_intake_file_still_loads_and_fits_the_survey_shape() -> None:
    intake = load(INTAKE_FILE)
    assert [q.id for q in intake.questions][:2] == ["since", "route"]
    text = INTAKE_FILE.read_text(encoding="utf-8") + "\ntitle: {en: Intake}\n"
    checked = check_text(text)
    assert checked.problems == []
    assert checked.definition is not None
    assert len(checked.definition.questions) == len(intake.questions)


def test_intake_is_complete_and_names_its_member_field() -> None:
    checked = check_text(INTAKE_FILE.read_text(encoding="utf-8"))
    assert (checked.problems, checked.missing) == ([], {})
    assert checked.definition is not None
    fields = {q.id: q.member_field for q in checked.definition.questions if q.member_field}
    assert fields == {"display_name": "display_name"}
    assert _problems(SMALL.replace("kind: text", "kind: text\n    member_field: region_id")) == [
        "Line 9, questions[1].member_field: “region_id” is not one of: display_name"
    ]
    assert _problems(SMALL.replace("kind: yesno", "kind: yesno\n    member_field: x")) == [
        "Line 6, questions[0].member_field: unknown field (check the spelling)"
    ]


def test_errors_name_line_and_field() -> None:
    broken = SMALL.replace("kind: yesno", "kind: yes_no").replace("max: 10", "max: 11")
    assert _problems(broken) == [
        "Line 5, questions[0].kind: “yes_no” is not one of: single, multi, scale, yesno, text, number",
        "Line 14, questions[2].max: must be from 2 to 10",
    ]
    assert _problems(SMALL.replace("title:", "titel:")) == [
        "Line 2, titel: unknown field (check the spelling)",
        "Line 1, title: is missing",
    ]
    assert _problems(SMALL.replace('{fine: "no"}', "{fine: maybe}")) == [
        "Line 9, questions[1].show_if.fine: “maybe” is not an answer of question fine"
    ]
    assert _problems(SMALL.replace('{fine: "no"}', "{score: 3, later: 1}")) == [
        "Line 9, questions[1].show_if.score: must name an earlier question with buttons",
        "Line 9, questions[1].show_if.later: must name an earlier question with buttons",
    ]
    assert _problems(SMALL.replace('nl: "Waarom niet?"', 'xx: "?"')) == [
        "Line 10, questions[1].text.xx: unknown language code “xx” (use: nl en ar fa ti tr uk so)"
    ]
    assert _problems("slug: x\ntitle: [unclosed")[0].startswith("Line 2: This is not valid YAML")
    assert _problems("- just a list") == ["Line 1: must be a mapping (key: value)"]
    assert _problems(SMALL.replace('"Why not?"', '"' + "?" * 1001 + '"')) == [
        "Line 10, questions[1].text.en: is too long (at most 1000 characters)"
    ]


def test_yes_and_no_without_quotes() -> None:
    # YAML 1.1 reads bare yes/no as booleans: as ids and show_if values they mean the words.
    assert check_text(SMALL.replace('{fine: "no"}', "{fine: no}")).problems == []
    assert _problems(SMALL.replace('{en: "All fine?"}', "{en: Yes}")) == [
        "Line 6, questions[0].text.en: must be text (put quotes around words like Yes, No, "
        "On and Off)"
    ]


def test_missing_translations_are_reported_and_fall_back_visibly() -> None:
    checked = check_text(SMALL)
    assert checked.definition is not None
    assert set(checked.missing) == set(SUPPORTED_LOCALES) - {"en"}
    assert checked.missing["nl"] == [
        "questions[0].text",
        "questions[2].text",
        "questions[2].labels.min",
        "questions[2].labels.max",
    ]
    why = checked.definition.questions[1]
    assert shown(why.text, "nl") == "Waarom niet?"
    assert shown(why.text, "ar") == "[en] Why not?"
    assert shown({"nl": "Alleen Nederlands"}, "ti") == "[nl] Alleen Nederlands"


def test_skip_logic_navigation_and_progress() -> None:
    definition = check_text(SMALL).definition
    assert definition is not None
    assert definition.after("fine", {"fine": "yes"}).id == "score"  # type: ignore[union-attr]
    assert definition.after("fine", {"fine": "no"}).id == "why"  # type: ignore[union-attr]
    assert definition.before("score", {"fine": "yes"}).id == "fine"  # type: ignore[union-attr]
    assert definition.before("score", {"fine": "no"}).id == "why"  # type: ignore[union-attr]
    assert definition.progress("score", {"fine": "yes"}) == (2, 2)
    assert definition.progress("score", {"fine": "no"}) == (3, 3)
    assert definition.after("score", {}) is None


def test_typed_answers() -> None:
    definition = check_text(SMALL.replace("kind: text", "kind: text\n    max_length: 5")).definition
    assert definition is not None
    text = definition.questions[1]
    assert parse_typed(text, "  fine ") == "fine"
    with pytest.raises(Rejected) as too_long:
        parse_typed(text, "too long")
    assert (too_long.value.reason, too_long.value.params) == (TOO_LONG, {"limit": 5})
    assert parse_number("٣٢") == 32 and parse_number("۱۲") == 12 and parse_number(" -4 ") == -4
    assert parse_number("4.5") is None and parse_number("") is None and parse_number("x") is None
    number = check_text(
        SMALL.replace("kind: text", "kind: number\n    min: 0\n    max: 50")
    ).definition.questions[1]  # type: ignore[union-attr]
    assert parse_typed(number, "12") == 12
    for bad, reason in (("twelve", NOT_A_NUMBER), ("51", OUT_OF_RANGE)):
        with pytest.raises(Rejected) as rejected:
            parse_typed(number, bad)
        assert rejected.value.reason == reason


def test_schedule_wording() -> None:
    now = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)  # a Wednesday
    plan = when.parse(["2026-03-05", "10:00", "remind=2h", "close=1d"], now, TZ)
    assert (plan.rule, plan.first) == ("once", datetime(2026, 3, 5, 9, 0, tzinfo=UTC))
    assert (plan.remind_after, plan.close_after) == (7200, 86400)
    weekly = when.parse(["every", "monday", "10:00"], now, TZ)
    assert weekly.rule == "weekly:0:10:00"
    assert weekly.first == datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
    assert (weekly.remind_after, weekly.close_after) == (when.DEFAULT_REMIND, when.DEFAULT_CLOSE)
    monthly = when.parse(["monthly", "1", "9:30", "remind=off", "close=14d"], now, TZ)
    assert monthly.first == datetime(2026, 4, 1, 7, 30, tzinfo=UTC)  # summer time by then
    assert monthly.remind_after is None
    assert when.next_occurrence("monthly:1:09:30", monthly.first, TZ) == datetime(
        2026, 5, 1, 7, 30, tzinfo=UTC
    )
    assert when.parse(["now"], now, TZ).first == now
    for words, key in (
        (["2026-03-01", "10:00"], "past"),
        (["2026-13-01", "10:00"], "date"),
        (["now", "remind=3d", "close=2d"], "remind"),
        (["every", "monday", "10:00", "close=8d"], "close"),
        (["now", "close=forever"], "duration"),
        (["tomorrow"], "usage"),
    ):
        with pytest.raises(when.WhenError) as error:
            when.parse(words, now, TZ)
        assert str(error.value) == key, words


async def test_cli_validate(tmp_path: Path) -> None:
    lines = await cli_run(argparse.Namespace(action="validate", file=EXAMPLES[0]), None)  # type: ignore[arg-type]
    assert lines[0].startswith("valid: ")
    assert lines[-1].startswith("translations: complete")
    small = tmp_path / "small.yaml"
    small.write_text(SMALL, encoding="utf-8")
    lines = await cli_run(argparse.Namespace(action="validate", file=small), None)  # type: ignore[arg-type]
    assert "  ar: 6 — title, questions[0].text" in "\n".join(lines)
    small.write_text(SMALL.replace("kind: yesno", "kind: maybe"), encoding="utf-8")
    with pytest.raises(CliError, match="Line 5, questions\\[0\\].kind"):
        await cli_run(argparse.Namespace(action="validate", file=small), None)  # type: ignore[arg-type]
