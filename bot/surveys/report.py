"""Results as chat text for coordinators: rates, per-question bars, region and language rows.

Any group of fewer than 5 respondents shows as "<5" (no count, share or bar), so nobody
can be singled out in a report. Numbers and shares are formatted for the reader's locale.
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import mean, median

from aiogram import html
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from babel.numbers import format_decimal

from bot.i18n import language_with_code
from bot.surveys import suppression
from bot.surveys.definition import NO, YES, SurveyQuestion, shown
from bot.surveys.results import Group, QuestionResult, Results
from bot.surveys.suppression import MIN_GROUP, is_small

SMALL = MIN_GROUP
BAR = 10
LIMIT = 3900  # under Telegram's 4096 characters per message
SMALL_LABEL = html.quote(suppression.SMALL_LABEL)  # "&lt;5" in Telegram HTML


def bar(part: int, total: int) -> str:
    filled = round(BAR * part / total) if total else 0
    return "█" * filled + "░" * (BAR - filled)


def count(value: int, locale: str) -> str:
    """A count in Telegram HTML ("&lt;5" for 1 to 4)."""
    return html.quote(suppression.shown_count(value, locale))


share = suppression.shown_share


def _rate(group: Group, locale: str) -> str:
    if is_small(group.finished) and group.delivered < MIN_GROUP:
        return SMALL_LABEL  # never "<5 / 2": a hidden count larger than its total
    text = f"{count(group.finished, locale)} / {format_decimal(group.delivered, locale=locale)}"
    rate = share(group.finished, max(group.delivered, group.finished), locale)
    return f"{text} ({rate})" if rate else text


def answers(value: int, locale: str) -> str:
    """ "1 answer", "12 answers", or "fewer than 5 answers" for a small group."""
    if is_small(value):
        return _("fewer than 5 answers")
    return ngettext("{count} answer", "{count} answers", value).format(
        count=format_decimal(value, locale=locale)
    )


def label(question: SurveyQuestion, value: str, locale: str) -> str:
    """An answer's text in the reader's language (the option id when it has none)."""
    return _label(question, value, locale)


def _label(question: SurveyQuestion, value: str, locale: str) -> str:
    if question.kind in ("single", "multi"):
        option = question.option(value)
        return shown(option.text, locale) if option else value
    if question.kind == "yesno":
        return {YES: _("Yes"), NO: _("No")}.get(value, value)
    return value


def unquoted_line(count: int) -> str:
    """How many written answers results and exports leave out for lack of quote consent."""
    return ngettext(
        "{count} written answer is left out: the member did not allow quotes.",
        "{count} written answers are left out: the members did not allow quotes.",
        count,
    ).format(count=count)


def _question(number: int, result: QuestionResult, locale: str) -> str:
    question = result.question
    lines = [
        f"<b>{number}. {html.quote(shown(question.text, locale))}</b>",
        answers(result.answered, locale),
    ]
    if is_small(result.answered):
        return "\n".join(lines)
    if question.kind == "number" and result.numbers:
        lines.append(
            _("Average: {average} · median: {median}").format(
                average=format_decimal(round(mean(result.numbers), 1), locale=locale),
                median=format_decimal(median(result.numbers), locale=locale),
            )
        )
    elif question.kind == "text":
        lines.append(_("The written answers are in the export (/survey_export)."))
        if result.unquoted:
            lines.append(unquoted_line(result.unquoted))
    else:
        for value in question.answer_ids():
            got = result.counts.get(value, 0)
            percent = share(got, result.answered, locale)
            shape = f"{bar(got, result.answered)} {percent} " if percent else ""
            label = html.quote(_label(question, value, locale))
            lines.append(f"{label}: {shape}({count(got, locale)})")
    return "\n".join(lines)


def _finished_line(finished: int, delivered: int, locale: str) -> str:
    if is_small(finished) and delivered < MIN_GROUP:
        # Never "<5 of 4": with a total under 5 the fraction would tell the hidden count.
        return _("Finished: {answers}").format(answers=answers(finished, locale))
    rate = share(finished, delivered, locale)
    return (
        _("Finished: {finished} of {delivered} who got it {rate}")
        .format(
            finished=count(finished, locale),
            delivered=format_decimal(delivered, locale=locale),
            rate=f"({rate})" if rate else "",
        )
        .rstrip()
    )


def render(results: Results, locale: str, scope: str) -> list[str]:
    """The report in blocks of at most LIMIT characters (one message each)."""
    title = html.quote(shown(results.definition.title, locale))
    delivered = max(results.delivered, results.started)
    head = [
        f"📊 <b>{title}</b>",
        _("Survey {slug}, version {version} · runs: {runs} · {scope}").format(
            slug=results.survey.slug,
            version=results.survey.version,
            runs=results.runs,
            scope=html.quote(scope),
        ),  # fmt: skip
        _finished_line(results.finished, delivered, locale),
        _("Started but not finished: {count}").format(
            count=count(results.started - results.finished, locale)
        ),
    ]
    blocks = ["\n".join(head)]
    if results.by_region:
        rows = [f"{html.quote(g.key)}: {_rate(g, locale)}" for g in results.by_region]
        blocks.append("\n".join([_("<b>Per region</b> (finished / got it):"), *rows]))
    if results.by_language:
        rows = [f"{language_with_code(g.key) if len(g.key) == 2 else g.key}: {_rate(g, locale)}"
                for g in results.by_language]  # fmt: skip
        blocks.append("\n".join([_("<b>Per language</b> (finished / got it):"), *rows]))
    blocks += [_question(i, r, locale) for i, r in enumerate(results.questions, start=1)]
    blocks.append(
        _("Groups of fewer than 5 people are shown as {small}.").format(small=SMALL_LABEL)
    )
    return pack(blocks)


def pack(blocks: Sequence[str], limit: int = LIMIT) -> list[str]:
    """Blocks joined into as few messages as fit Telegram's 4096 characters."""
    messages: list[str] = []
    for block in blocks:
        if messages and len(messages[-1]) + len(block) + 2 <= limit:
            messages[-1] += "\n\n" + block
        else:
            messages.append(block[:limit])
    return messages
