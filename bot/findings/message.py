"""What members get, per reader language: "You said: … — We did: …" with the headline chart
(bot/reports, drawn in a thread; counts under 5 get no bar). Used when a coordinator sends."""

from __future__ import annotations

from collections.abc import Iterable

from aiogram.utils.i18n import I18n

from bot.findings import rules, views
from bot.findings.rules import FINDINGS, RESPONSE
from bot.findings.service import Card, Outgoing
from bot.reports import charts
from bot.reports.survey_charts import question_chart
from bot.surveys.definition import shown
from bot.surveys.report import answers
from bot.surveys.results import QuestionResult
from db.models import SurveyFinding


def body(i18n: I18n, found: Card, kind: str, code: str, *, preview: bool = False) -> str | None:
    """The member's text in `code` (None: nothing reviewed to send). `preview`: the
    coordinator's look at this language, unchecked drafts included."""
    said, did = found.texts(FINDINGS), found.texts(RESPONSE) if kind == RESPONSE else None
    if preview:
        said_text = said.get(code) or (rules.for_reader(said, code) or (code, None))[1]
        did_text = (
            (did.get(code) or (rules.for_reader(did, code) or (code, None))[1]) if did else None
        )
    else:
        said_text = (rules.for_reader(said, code) or (code, None))[1]
        did_text = (rules.for_reader(did, code) or (code, None))[1] if did else None
    if said_text is None or (kind == RESPONSE and did_text is None):
        return None
    title = shown(found.definition.title, code)
    return rules.compose(title, said_text, did_text, views.labels(i18n, code))


async def outgoing(
    i18n: I18n, found: Card, row: SurveyFinding, result: QuestionResult | None,
    readers: Iterable[str], region: str,
) -> Outgoing:  # fmt: skip
    texts: dict[str, str] = {}
    pictures: dict[str, bytes | None] = {}
    for code in readers:
        text = body(i18n, found, row.kind, code)
        if text is None:
            continue
        texts[code] = text
        pictures[code] = await chart(i18n, found, result, code, region)
    return Outgoing(texts, pictures)


async def chart(
    i18n: I18n, found: Card, result: QuestionResult | None, code: str, region: str
) -> bytes | None:
    """The headline chart in `code` (PNG), or None for a run without a closed question."""
    if result is None:
        return None
    with i18n.use_locale(code):
        subtitle = " · ".join(
            (shown(found.definition.title, code), region, answers(result.answered, code))
        )
        return await charts.render(question_chart, result, subtitle, code)
