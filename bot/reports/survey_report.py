"""What a survey's charts and report show, in the reader's language, with the small-group
rule applied: the data every renderer (chat charts, the PDF) draws from.

Two levels of caution:
- in chat, a breakdown by region or language leaves out the groups under 5 respondents
  (bot/reports/charts.py, `visible_series`) and shows small counts as "<5"; it is not drawn
  at all when the groups left out have fewer than 5 respondents together (the question's
  chart minus the drawn groups would show them);
- in the report for the municipality (it leaves the pool), a breakdown is printed only
  where every group has at least 5 respondents and no cell is under 5, so no hidden group
  can be worked out from the others either.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from statistics import mean, median
from typing import Any

from aiogram.utils.i18n import gettext as _
from babel.numbers import format_decimal
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import format_day, language_name_in
from bot.reports import quotes
from bot.reports.charts import Bar, Series, drawn, grouped_chart, visible_series
from bot.reports.survey_charts import is_closed, question_bars, question_chart
from bot.services import audit, regions
from bot.services.roles import Actor
from bot.surveys import results as survey_results
from bot.surveys.definition import shown
from bot.surveys.report import label
from bot.surveys.results import QuestionResult, Results
from bot.surveys.suppression import MIN_GROUP, SMALL_LABEL, is_small, shown_count, shown_share
from db.models import SurveyRun

READ = "survey_report"
REPORT_LOCALES = ("nl", "en")


count_text = shown_count  # "<5" for 1 to 4 (the report prints plain text, not HTML)


def share_text(part: int, total: int, locale: str) -> str:
    """A share of `total`, or "" where the part (or the total) is a small group."""
    return "" if is_small(total) else shown_share(part, total, locale)


def rate_text(finished: int, asked: int, locale: str) -> str:
    """ "12 of 20 (60%)"; never "<5 of 4" (a total under 5 would tell the hidden count)."""
    if is_small(finished) and asked < MIN_GROUP:
        return SMALL_LABEL
    shown_rate = share_text(finished, max(asked, finished), locale)
    text = _("{finished} of {asked}").format(
        finished=count_text(finished, locale), asked=format_decimal(asked, locale=locale)
    )
    return f"{text} ({shown_rate})" if shown_rate else text


@dataclass(frozen=True)
class Breakdown:
    """One question's counts per group (a region or a language), groups by size."""

    dimension: str  # "region" or "language"
    categories: list[str]  # the answers' labels
    series: list[Series]

    def safe_to_print(self) -> bool:
        """Every group of 5 or more and no cell under 5 (the report's rule)."""
        return len(self.series) >= 2 and all(
            not is_small(s.respondents) and s.respondents > 0 and not any(map(is_small, s.counts))
            for s in self.series
        )

    def for_chat(self) -> list[Series]:
        """The groups a chat chart may draw (5 or more respondents) — none when the groups
        left out have 1 to 4 respondents together: the question's own chart minus the drawn
        groups would tell their answers."""
        shown = visible_series(self.series)
        rest = sum(s.respondents for s in self.series if s not in shown)
        return [] if is_small(rest) else shown


@dataclass
class Section:
    number: int
    title: str
    result: QuestionResult
    answered: str  # "12 answers" / "fewer than 5 answers"
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    breakdowns: list[Breakdown] = field(default_factory=list)
    note: str = ""


@dataclass
class ReportData:
    locale: str
    title: str
    slug: str
    version: int
    run: int | None
    scope: str  # "Twente" / "all regions"
    period: str
    asked: int
    finished: int
    anonymous: bool
    sections: list[Section]
    quotes: list[tuple[str, str]]  # (question title, quote)
    rates: list[tuple[str, str]]  # (group, "n of m (x%)"), groups of 5 or more

    @property
    def rate(self) -> str:
        return rate_text(self.finished, self.asked, self.locale)


def _group_key(response: Any, dimension: str, names: dict[int, str], locale: str) -> str:
    if dimension == "region":
        return names.get(response.region_id or 0, "–")
    return language_name_in(response.language, locale) if response.language else "–"


def breakdown(
    result: QuestionResult,
    rows: Sequence[tuple[Any, dict[str, Any]]],
    dimension: str,
    names: dict[int, str],
    locale: str,
) -> Breakdown:
    """`result`'s answers counted per group of `dimension` from the finished responses."""
    values = result.question.answer_ids()
    counts: dict[str, Counter[str]] = {}
    respondents: Counter[str] = Counter()
    for response, answers in rows:
        value = answers.get(result.question.id)
        if value in (None, []):
            continue
        key = _group_key(response, dimension, names, locale)
        respondents[key] += 1
        counts.setdefault(key, Counter()).update(
            str(v) for v in (value if isinstance(value, list) else [value])
        )
    series = [
        Series(key, [counts[key].get(v, 0) for v in values], respondents[key])
        for key in sorted(respondents, key=lambda k: (-respondents[k], k))
    ]
    return Breakdown(dimension, [label(result.question, v, locale) for v in values], series)


def _section(
    number: int,
    result: QuestionResult,
    rows: Sequence[tuple[Any, dict[str, Any]]],
    names: dict[int, str],
    locale: str,
) -> Section:
    from bot.surveys.report import answers as answers_text

    question = result.question
    section = Section(number, shown(question.text, locale), result,
                      answers_text(result.answered, locale))  # fmt: skip
    if is_small(result.answered):
        section.note = _("Fewer than 5 people answered this question: no numbers are shown.")
        return section
    if is_closed(result):
        section.header = [_("Answer"), _("Number"), _("Share")]
        for bar in question_bars(result, locale):
            section.rows.append(
                [bar.label, count_text(bar.count, locale),
                 share_text(bar.count, result.answered, locale)]
            )  # fmt: skip
        section.breakdowns = [
            breakdown(result, rows, d, names, locale) for d in ("region", "language")
        ]
    elif question.kind == "number" and result.numbers:
        section.header = [_("Measure"), _("Value")]
        section.rows = [
            [_("Average"), format_decimal(round(mean(result.numbers), 1), locale=locale)],
            [_("Median"), format_decimal(median(result.numbers), locale=locale)],
        ]
    elif question.kind == "text":
        section.note = _(
            "Written answers are not printed, only quotes a coordinator chose from members "
            "who allow quoting (see the end of this report)."
        )
    return section


def _rates(groups: list[survey_results.Group], locale: str, other: str) -> list[tuple[str, str]]:
    """Response per group of 5 or more, the smaller groups together as one row; no rows at
    all when those together are under 5 (the total would tell their number)."""
    shown_rows = [(g.key, rate_text(g.finished, g.delivered, locale))
                  for g in groups if g.finished >= MIN_GROUP]  # fmt: skip
    rest = [g for g in groups if g.finished < MIN_GROUP]
    finished, asked = sum(g.finished for g in rest), sum(g.delivered for g in rest)
    if is_small(finished):
        return []
    if rest and finished:
        shown_rows.append((other, rate_text(finished, asked, locale)))
    return shown_rows if len(shown_rows) > 1 else []


async def _period(
    session: AsyncSession, survey_id: int, run_id: int | None, region_ids: list[int] | None,
    locale: str, tz: Any,
) -> str:  # fmt: skip
    query = select(SurveyRun).where(SurveyRun.survey_id == survey_id)
    if run_id is not None:
        query = query.where(SurveyRun.id == run_id)
    runs = [
        r for r in await session.scalars(query)
        if region_ids is None or r.region_id is None or r.region_id in region_ids
    ]  # fmt: skip
    starts = [r.opened_at or r.due_at for r in runs]
    if not starts:
        return ""
    start: datetime = min(starts)
    end: datetime = max(r.close_at for r in runs)
    return f"{format_day(start, locale, tz)} – {format_day(end, locale, tz)}"


async def gather(
    session: AsyncSession,
    who: Actor,
    slug: str,
    *,
    locale: str,
    tz: Any = None,
    run_id: int | None = None,
    region_code: str | None = None,
    version: int | None = None,
) -> ReportData:
    """The report's data within the reader's regions (audited: quotes are member data).
    Needs gettext active in `locale`. Raises NoSurvey, NotAllowed."""
    found = await survey_results.collect(
        session, who, slug, region_code=region_code, version=version, run_id=run_id
    )
    region_ids, region = await survey_results.scope_for(session, who, region_code)
    names = {r.id: r.name for r in await regions.all_regions(session)}
    if region is not None:
        scope = region.name
    elif region_ids is None:
        scope = _("all regions")
    else:
        scope = ", ".join(names.get(i, "") for i in region_ids)
    rows = found.rows
    sections = [_section(i, r, rows, names, locale) for i, r in enumerate(found.questions, 1)]
    titles = {s.result.question.id: s.title for s in sections}
    chosen = await quotes.picked(session, found.survey, region_ids, run_id)
    other = _("Other (groups under 5 together)")
    data = ReportData(
        locale=locale, title=shown(found.definition.title, locale), slug=found.survey.slug,
        version=found.survey.version, run=run_id, scope=scope,
        period=await _period(session, found.survey.id, run_id, region_ids, locale, tz),
        asked=max(found.delivered, found.started), finished=found.finished,
        anonymous=found.survey.anonymous, sections=sections,
        quotes=[(titles.get(q.question, q.question), q.text) for q in chosen],
        rates=_rates(found.by_region, locale, other),
    )  # fmt: skip
    await audit.record(
        session, who.telegram_id, READ, slug=found.survey.slug, version=found.survey.version,
        run=run_id, region=region_code or "*", quotes=len(chosen),
    )  # fmt: skip
    await session.commit()
    return data


def subtitle(found: Results, locale: str, run_id: int | None = None) -> str:
    """The charts' second line: version (and run), response rate."""
    asked = max(found.delivered, found.started)
    where = (
        _("version {version}, run {run}").format(version=found.survey.version, run=run_id)
        if run_id is not None
        else _("version {version}").format(version=found.survey.version)
    )
    return _("{where} · answered: {rate}").format(
        where=where, rate=rate_text(found.finished, asked, locale)
    )


@dataclass(frozen=True)
class ChartSpec:
    """One chart to draw: a question's bars, or a breakdown's groups (already filtered)."""

    title: str
    bars: list[Bar] = field(default_factory=list)
    total: int = 0
    categories: list[str] = field(default_factory=list)
    series: list[Series] = field(default_factory=list)
    result: QuestionResult | None = None


def chart_specs(found: Results, names: dict[int, str], locale: str) -> list[ChartSpec]:
    """What /survey_results draws: per closed question (5 or more answered) its bars, then
    its breakdowns by region and by language where a group of 5 or more has a bar to draw."""
    specs: list[ChartSpec] = []
    for result in found.questions:
        if not is_closed(result) or result.answered == 0 or is_small(result.answered):
            continue  # nothing to draw: every bar would be "<5"
        title = shown(result.question.text, locale)
        specs.append(ChartSpec(title, question_bars(result, locale), result.answered,
                               result=result))  # fmt: skip
        for dimension, heading in (("region", _("{title} — by region")),
                                   ("language", _("{title} — by language"))):  # fmt: skip
            split = breakdown(result, found.rows, dimension, names, locale)
            groups = split.for_chat()
            if any(drawn(count) for group in groups for count in group.counts):  # a bar to draw
                specs.append(ChartSpec(heading.format(title=title), categories=split.categories,
                                       series=groups))  # fmt: skip
    return specs


def draw(spec: ChartSpec, subtitle_text: str, locale: str, footnote: str) -> bytes | None:
    """One chart as PNG (synchronous: call through charts.render)."""
    if spec.result is not None:
        return question_chart(spec.result, subtitle_text, locale, footnote)
    return grouped_chart(spec.title, subtitle_text, spec.categories, spec.series, locale, footnote)


def footnote() -> str:
    return _("Groups of fewer than 5 people show as <5, without a bar.")
