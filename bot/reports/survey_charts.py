"""A survey question's results as a chart, in the reader's language: the bridge between
bot/surveys/results.py (counts) and bot/reports/charts.py (drawing)."""

from __future__ import annotations

from bot.reports.charts import Bar, bar_chart
from bot.surveys.definition import shown
from bot.surveys.report import label
from bot.surveys.results import QuestionResult


def is_closed(result: QuestionResult) -> bool:
    """A question answered with buttons (a chart shows it); written answers and numbers not."""
    return bool(result.question.answer_ids())


def question_bars(result: QuestionResult, locale: str) -> list[Bar]:
    return [
        Bar(label(result.question, value, locale), result.counts.get(value, 0))
        for value in result.question.answer_ids()
    ]


def question_chart(
    result: QuestionResult, subtitle: str, locale: str, footnote: str | None = None
) -> bytes | None:
    """One closed question's bars (shares of those who answered it); None for an open one.
    Needs the reader's gettext locale active (option labels such as Yes/No are translated)."""
    if not is_closed(result):
        return None
    title = shown(result.question.text, locale)
    bars = question_bars(result, locale)
    return bar_chart(title, subtitle, bars, result.answered, locale, footnote)
