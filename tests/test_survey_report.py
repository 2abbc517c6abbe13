"""The report's and charts' data: the small-group rule at its boundary (4, 5, 6) for counts,
shares, response rates, breakdown groups and cells, and the per-question sections."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from bot.i18n import create_i18n
from bot.reports import survey_report
from bot.reports.survey_report import _rates, _section, breakdown, count_text, rate_text, share_text
from bot.surveys.definition import YES, SurveyQuestion
from bot.surveys.results import Group, QuestionResult

HELP = SurveyQuestion(id="help", kind="yesno", text={"en": "Did you get help?"})


I18N = create_i18n("en")


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with I18N.context(), I18N.use_locale("en"):
        yield


@pytest.mark.parametrize(("n", "count", "share"), [(4, "<5", ""), (5, "5", "25%"), (6, "6", "30%")])
def test_counts_and_shares(n: int, count: str, share: str) -> None:
    assert count_text(n, "en") == count
    assert share_text(n, 20, "en") == share
    assert share_text(2, n, "en") == ""  # a share of a small total is not a safe number


@pytest.mark.parametrize(("asked", "shown"), [(4, "<5"), (5, "<5 of 5"), (6, "<5 of 6")])
def test_a_small_answer_count_never_shows_beside_a_small_total(asked: int, shown: str) -> None:
    assert rate_text(3, asked, "en") == shown


@pytest.mark.parametrize(
    ("finished", "rows"),
    [
        (4, []),  # A, B and C together are one row: no more than the total
        (5, [("A", "5 of 8 (62%)"), ("Other", "5 of 5 (100%)")]),
        (6, [("A", "6 of 8 (75%)"), ("Other", "5 of 5 (100%)")]),
    ],
)
def test_response_rows_list_only_groups_of_five(finished: int, rows: list[tuple[str, str]]) -> None:
    """A group under 5 is never listed; small groups count together when that makes 5."""
    groups = [Group("A", 8, finished), Group("B", 2, 2), Group("C", 3, 3)]
    assert _rates(groups, "en", "Other") == rows


def test_no_response_rows_when_the_rest_is_under_five() -> None:
    """Total minus the listed groups would tell the small group's number."""
    assert _rates([Group("A", 8, 6), Group("B", 2, 2)], "en", "Other") == []


def _rows(region: int, answers: list[str]) -> list[tuple[object, dict[str, object]]]:
    return [(SimpleNamespace(region_id=region, language="nl"), {"help": a}) for a in answers]


def _result(rows: list[tuple[object, dict[str, object]]]) -> QuestionResult:
    return QuestionResult(HELP, len(rows), Counter(str(a["help"]) for _r, a in rows))


@pytest.mark.parametrize(
    ("n", "chat", "printed"),
    [(4, [], False), (5, ["Big", "Small"], True), (6, ["Big", "Small"], True)],
)
def test_breakdown_groups(n: int, chat: list[str], printed: bool) -> None:
    """A group of n respondents (all Yes) beside one of 10 (5 Yes, 5 No): with 4, the chat
    draws no breakdown (the question's chart minus Big's bars would show the 4 answers)."""
    rows = _rows(1, [YES] * 5 + ["no"] * 5) + _rows(2, [YES] * n)
    split = breakdown(_result(rows), rows, "region", {1: "Big", 2: "Small"}, "en")
    assert [s.name for s in split.for_chat()] == chat
    assert split.safe_to_print() is printed


def test_small_groups_left_out_together_five_or_more_keep_the_chat_breakdown() -> None:
    rows = _rows(1, [YES] * 5 + ["no"] * 5) + _rows(2, [YES] * 4) + _rows(3, ["no"] * 3)
    names = {1: "Big", 2: "Small", 3: "Smaller"}
    split = breakdown(_result(rows), rows, "region", names, "en")
    assert [s.name for s in split.for_chat()] == ["Big"]


@pytest.mark.parametrize(("n", "printed"), [(4, False), (5, True), (6, True)])
def test_breakdown_cells(n: int, printed: bool) -> None:
    """Both groups big enough; one cell holds n people (a cell of 0 is not a small group)."""
    rows = _rows(1, [YES] * n + ["no"] * 6) + _rows(2, [YES] * 10)
    split = breakdown(_result(rows), rows, "region", {1: "A", 2: "B"}, "en")
    assert split.safe_to_print() is printed


@pytest.mark.parametrize(("n", "table"), [(4, []), (5, [["Yes", "5", "100%"], ["No", "0", "0%"]]),
                                          (6, [["Yes", "6", "100%"], ["No", "0", "0%"]])])  # fmt: skip
def test_a_question_answered_by_fewer_than_five_shows_no_numbers(
    n: int, table: list[list[str]]
) -> None:
    rows = _rows(1, [YES] * n)
    section = _section(1, _result(rows), rows, {1: "A"}, "en")
    assert section.rows == table
    assert bool(section.note) is (n == 4)
    assert section.answered == ("fewer than 5 answers" if n == 4 else f"{n} answers")


def test_chart_specs_leave_small_groups_out() -> None:
    """Big (6) beside Small (3): no chart by region, as 9 Yes minus Big's 6 would give
    Small's answers away; by language all 9 are Dutch."""
    rows = _rows(1, [YES] * 6) + _rows(2, [YES] * 3)
    found = SimpleNamespace(questions=[_result(rows)], rows=rows)
    specs = survey_report.chart_specs(found, {1: "Big", 2: "Small"}, "en")  # type: ignore[arg-type]
    assert [s.title for s in specs] == ["Did you get help?", "Did you get help? — by language"]
    assert [[g.name for g in s.series] for s in specs[1:]] == [["Dutch"]]
