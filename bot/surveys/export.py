"""CSV exports (UTF-8 with BOM, so Excel shows Arabic and Tigrinya right).

responses: one row per response, question ids as columns; option ids as values (multi
answers joined with ";"). No member ids or Telegram ids, also for named surveys.
totals: one row per question and answer with count and share of those who answered
(finished responses, like /survey_results).
Written answers of respondents who did not allow quotes are left out (a note row counts them).
Anonymous surveys follow the small-group rule (bot/surveys/suppression.py): rows of small
groups are coarsened or withheld, counts under 5 show as "<5", and both files end with a
note row (first cell starting with "#") saying what was left out.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from statistics import mean
from typing import Any

from bot.surveys import suppression
from bot.surveys.definition import SurveyQuestion, shown
from bot.surveys.results import Results
from bot.surveys.suppression import Level

ENCODING = "utf-8-sig"
FIXED = ["response", "run", "version", "region", "language", "finished"]
TOTALS = ["question", "kind", "answer", "label", "count", "percent"]
SMALL = "<5"
NOTE = "#"


@dataclass(frozen=True)
class Exported:
    responses: bytes
    totals: bytes
    rows: int
    coarsened: int = 0  # rows shown without language (and maybe region) to protect small groups
    withheld: int = 0  # rows left out: even coarsened, their group was smaller than 5
    unquoted: int = 0  # written answers left out: the respondent did not allow quotes

    def names(self, slug: str, version: int) -> tuple[str, str]:
        return f"{slug}-v{version}-responses.csv", f"{slug}-v{version}-totals.csv"


def _csv(rows: Iterable[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(rows)
    return buffer.getvalue().encode(ENCODING)


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value)


Label = Callable[[SurveyQuestion, str], str]
# The label column's words for the rows of written and number answers.
WORDS = {"answered": "answered", "average": "average"}


def _english(question: SurveyQuestion, value: str) -> str:
    option = question.option(value)
    return shown(option.text, "en") if option else value


def export(
    results: Results,
    region_names: dict[int, str],
    label: Label = _english,
    words: Mapping[str, str] = WORDS,
) -> Exported:
    """`label` gives the totals' label column in the reader's language (the answer column
    keeps the option ids); `words` the labels "answered" and "average"."""
    questions = results.definition.questions
    anonymous = results.survey.anonymous
    header = FIXED + [q.id for q in questions]
    body: list[list[Any]] = [header]
    rows = [(response, answers, Level.WHOLE) for response, answers in results.rows]
    withheld = coarsened = unquoted = 0
    if anonymous:
        protected = suppression.protect(
            results.rows, lambda row: row[0].region_id, lambda row: row[0].language
        )
        order = {Level.WHOLE: 0, Level.REGION: 1, Level.NONE: 2}
        rows = sorted(
            ((response, answers, level) for (response, answers), level in protected.rows),
            key=lambda row: order[row[2]],
        )
        withheld, coarsened = protected.withheld, protected.coarsened
    for number, (response, answers, level) in enumerate(rows, start=1):
        region = level != Level.NONE
        if not response.quote_ok:
            hidden_texts = [q.id for q in questions if q.kind == "text" and answers.get(q.id)]
            unquoted += len(hidden_texts)
            answers = {k: v for k, v in answers.items() if k not in hidden_texts}
        body.append(
            [
                number,
                response.run_id if region else "",
                results.survey.version,
                region_names.get(response.region_id or 0, "") if region else "",
                response.language if level == Level.WHOLE else "",
                "yes" if response.finished else "no",
                *(
                    ""
                    if q.kind == "text" and anonymous and level != Level.WHOLE
                    else cell(answers.get(q.id))
                    for q in questions
                ),
            ]
        )
    if coarsened or withheld:
        body.append([f"{NOTE} {_note(coarsened, withheld)}"])
    if unquoted:
        body.append(
            [f"{NOTE} Written answers left out (the respondent did not allow quotes): {unquoted}"]
        )
    totals: list[list[Any]] = [TOTALS]
    hidden = False
    for result in results.questions:
        question, answered = result.question, result.answered
        if question.kind in ("text", "number"):
            if anonymous and suppression.is_small(answered):
                totals.append([question.id, question.kind, "", words["answered"], SMALL, ""])
                hidden = True
                continue
            totals.append([question.id, question.kind, "", words["answered"], answered, ""])
            if question.kind == "number" and result.numbers:
                average = round(mean(result.numbers), 2)
                totals.append([question.id, question.kind, "", words["average"], average, ""])
            continue
        for value in question.answer_ids():
            got = result.counts.get(value, 0)
            text = label(question, value)
            percent = round(100 * got / answered, 1) if answered else 0
            if anonymous and suppression.is_small(got):
                got, percent, hidden = SMALL, "", True
            totals.append([question.id, question.kind, value, text, got, percent])
    if hidden:
        totals.append([f"{NOTE} Anonymous survey: counts of fewer than 5 people show as <5."])
    return Exported(_csv(body), _csv(totals), len(rows), coarsened, withheld, unquoted)


def _note(coarsened: int, withheld: int) -> str:
    return (
        "Anonymous survey: rows of groups (region x language) with fewer than 5 respondents "
        f"are shown without language, region or written answers ({coarsened} rows) "
        f"or left out ({withheld} rows)."
    )


def parse(data: bytes) -> list[dict[str, str]]:
    """Read an export back (used by tests and handy for scripts)."""
    rows = csv.DictReader(io.StringIO(data.decode(ENCODING)))
    return [row for row in rows if not (next(iter(row.values()), "") or "").startswith(NOTE)]


def notes(data: bytes) -> list[str]:
    """The note rows of an export (what the small-group rule left out)."""
    rows = csv.reader(io.StringIO(data.decode(ENCODING)))
    return [row[0] for row in rows if row and row[0].startswith(NOTE)]
