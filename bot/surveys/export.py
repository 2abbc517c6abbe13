"""CSV exports (UTF-8 with BOM, so Excel shows Arabic and Tigrinya right).

responses: one row per response, question ids as columns; option ids as values (multi
answers joined with ";"). No member ids or Telegram ids, also for named surveys.
totals: one row per question and answer with count and share of those who answered
(finished responses, like /survey_results).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from statistics import mean
from typing import Any

from bot.surveys.definition import shown
from bot.surveys.results import Results

ENCODING = "utf-8-sig"
FIXED = ["response", "run", "version", "region", "language", "finished"]
TOTALS = ["question", "kind", "answer", "label", "count", "percent"]


@dataclass(frozen=True)
class Exported:
    responses: bytes
    totals: bytes
    rows: int

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


def export(results: Results, region_names: dict[int, str]) -> Exported:
    questions = results.definition.questions
    header = FIXED + [q.id for q in questions]
    body: list[list[Any]] = [header]
    for number, (response, answers) in enumerate(results.rows, start=1):
        body.append(
            [
                number,
                response.run_id,
                results.survey.version,
                region_names.get(response.region_id or 0, ""),
                response.language,
                "yes" if response.finished else "no",
                *(cell(answers.get(q.id)) for q in questions),
            ]
        )
    totals: list[list[Any]] = [TOTALS]
    for result in results.questions:
        question, answered = result.question, result.answered
        if question.kind in ("text", "number"):
            totals.append([question.id, question.kind, "", "answered", answered, ""])
            if question.kind == "number" and result.numbers:
                average = round(mean(result.numbers), 2)
                totals.append([question.id, question.kind, "", "average", average, ""])
            continue
        for value in question.answer_ids():
            got = result.counts.get(value, 0)
            option = question.option(value)
            label = shown(option.text, "en") if option else value
            percent = round(100 * got / answered, 1) if answered else 0
            totals.append([question.id, question.kind, value, label, got, percent])
    return Exported(_csv(body), _csv(totals), len(body) - 1)


def parse(data: bytes) -> list[dict[str, str]]:
    """Read an export back (used by tests and handy for scripts)."""
    return list(csv.DictReader(io.StringIO(data.decode(ENCODING))))
