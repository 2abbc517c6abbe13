"""Texts for coordinators (import reports, schedules), rendered in the reader's locale."""

from __future__ import annotations

from datetime import time, timedelta
from zoneinfo import ZoneInfo

from aiogram import html
from aiogram.utils.i18n import get_i18n, ngettext
from aiogram.utils.i18n import gettext as _
from babel.dates import format_timedelta, get_day_names

from bot.i18n import format_clock, language_name, pgettext
from bot.surveys import when as when_words
from bot.surveys.checker import Problem
from bot.surveys.definition import SurveyDefinition, shown
from bot.surveys.invite import when
from bot.surveys.library import Imported, Outcome
from bot.surveys.schedule import Listed
from bot.texts import language_label
from db.models import Region, SurveyRun, SurveySchedule

MAX_PROBLEMS, MAX_FIELDS = 20, 4


def _keywords() -> dict[str, str]:
    """The schedule keywords in the reader's language: {"now": "nu", ...}."""
    return {
        # Translators: a word coordinators type after /survey_schedule; one word, lower case
        "now": pgettext("survey_schedule word", "now"),
        "every": pgettext("survey_schedule word", "every"),
        "monthly": pgettext("survey_schedule word", "monthly"),
        "all": pgettext("survey_schedule word", "all"),
        "remind": pgettext("survey_schedule word", "remind"),
        "close": pgettext("survey_schedule word", "close"),
        "off": pgettext("survey_schedule word", "off"),
    }


def aliases(locale: str) -> dict[str, str]:
    """What the reader may type for each schedule keyword and weekday, in their language."""
    found = {word.lower(): english for english, word in _keywords().items() if " " not in word}
    for i, name in get_day_names("wide", locale=locale).items():
        found[name.lower()] = when_words.WEEKDAY_NAMES[i]
    return found


def usage() -> str:
    """/survey_schedule's syntax, with the words a coordinator types in their language."""
    word = _keywords()
    survey, region = pgettext("command argument", "SURVEY"), pgettext("command argument", "REGION")
    moment = pgettext("command argument", "WHEN")
    monday = get_day_names("wide", locale=get_i18n().current_locale)[0].lower()
    return "\n".join(
        [
            _("Usage: {usage}").format(
                usage=f"/survey_schedule {survey} {region}|{word['all']} {moment} "
                f"[{word['remind']}=24h] [{word['close']}=7d]"
            ),
            _(
                "{when}: {now} · 2026-03-02 10:00 · {every} {monday} 10:00 · {monthly} 1 10:00"
            ).format(
                when=moment,
                now=word["now"],
                every=word["every"],
                monday=monday,
                monthly=word["monthly"],
            ),  # fmt: skip
        ]
    )


def problems(found: list[Problem]) -> str:
    lines = [_("The survey file has problems. Nothing was imported:")]
    lines += ["• " + html.quote(p.render(_)) for p in found[:MAX_PROBLEMS]]
    if len(found) > MAX_PROBLEMS:
        more = len(found) - MAX_PROBLEMS
        lines.append(ngettext("…and {count} more.", "…and {count} more.", more).format(count=more))
    return "\n".join(lines)


def missing(report: dict[str, list[str]]) -> list[str]:
    if not report:
        return [_("Every text is there in every language.")]
    lines = [_("Missing translations (members see the English text, else the Dutch one):")]
    for code, fields in sorted(report.items()):
        shown_fields = ", ".join(fields[:MAX_FIELDS]) + (" …" if len(fields) > MAX_FIELDS else "")
        lines.append(
            ngettext(
                "{language}: {count} text ({fields})",
                "{language}: {count} texts ({fields})",
                len(fields),
            ).format(
                language=language_name(code), count=len(fields), fields=html.quote(shown_fields)
            )
        )
    return lines


def drafts_status(slug: str, definition: SurveyDefinition) -> str:
    """What is machine-made in a survey and how to review it ("" when nothing is)."""
    pending = definition.unreviewed()
    done = [c for c in definition.machine_drafts if c not in pending]
    lines = []
    if pending:
        names = ", ".join(language_label(c) for c in pending)
        lines.append("🤖 " + _("Machine drafts, not reviewed: {languages}").format(languages=names))
        lines.append(
            _(
                "Check them in the file. When they are fine, send /survey_reviewed {slug}. "
                "To change a text, edit the file and import it again."
            ).format(slug=slug)
        )
    if done:
        names = ", ".join(language_label(c) for c in done)
        lines.append("🤖 " + _("Machine drafts, accepted: {languages}").format(languages=names))
    return "\n".join(lines)


def imported(result: Imported, locale: str, can_draft: bool = False) -> str:
    survey, count = result.survey, len(result.definition.questions)
    texts = {
        Outcome.NEW: ngettext(
            "New survey {slug}, version {version}, with {count} question.",
            "New survey {slug}, version {version}, with {count} questions.",
            count,
        ),
        Outcome.REPLACED: ngettext(
            "Survey {slug} updated: version {version} had no answers yet. {count} question.",
            "Survey {slug} updated: version {version} had no answers yet. {count} questions.",
            count,
        ),
        Outcome.NEW_VERSION: ngettext(
            "Survey {slug} already has answers, so this is version {version} ({count} "
            "question). Earlier answers keep their version.",
            "Survey {slug} already has answers, so this is version {version} ({count} "
            "questions). Earlier answers keep their version.",
            count,
        ),
        Outcome.UNCHANGED: _("Survey {slug} is unchanged (version {version})."),
    }
    head = texts[result.outcome].format(slug=survey.slug, version=survey.version, count=count)
    title = html.quote(shown(result.definition.title, locale))
    anonymous = [_("Anonymous: answers are not linked to members.")] if survey.anonymous else []
    drafts = []
    if result.missing and can_draft:
        drafts.append(
            _("Machine drafts for the missing languages: /survey_drafts {slug}").format(
                slug=survey.slug
            )
        )
    if status := drafts_status(survey.slug, result.definition):
        drafts.append(status)
    return "\n".join(
        [f"✅ <b>{title}</b>", html.quote(head), *anonymous, "", *missing(result.missing), *drafts]
    )


def rule(text: str, locale: str) -> str:
    kind, _sep, rest = text.partition(":")
    number, _sep, clock = rest.partition(":")
    if kind == "weekly":
        day = get_day_names("wide", locale=locale)[int(number)]
        return _("every {day} at {time}").format(day=day, time=_clock(clock, locale))
    if kind == "monthly":
        return _("every month on day {day} at {time}").format(
            day=number, time=_clock(clock, locale)
        )
    return _("once")


def _clock(text: str, locale: str) -> str:
    return format_clock(time.fromisoformat(text), locale)


def duration(seconds: int, locale: str) -> str:
    return format_timedelta(timedelta(seconds=seconds), threshold=2, locale=locale)


def planned(
    plan: SurveySchedule, run: SurveyRun, region: Region | None, locale: str, tz: ZoneInfo
) -> str:
    lines = [
        _("Planned #{number}: {slug} for {region}, {rule}. First: {date}.").format(
            number=plan.id,
            slug=html.quote(plan.slug),
            region=where(region.name if region else None),
            rule=rule(plan.rule, locale),
            date=when(run.due_at, tz, locale),
        ),  # fmt: skip
        _("Reminder to those who have not finished: after {time}.").format(
            time=duration(plan.remind_after, locale)
        )
        if plan.remind_after
        else _("No reminder."),
        _("Closes after {time}.").format(time=duration(plan.close_after, locale)),
    ]
    return "\n".join(lines)


def where(region_name: str | None) -> str:
    return html.quote(region_name) if region_name else _("all regions")


def listing(items: list[Listed], locale: str, tz: ZoneInfo) -> str:
    if not items:
        return _("No survey schedules. Plan one with /survey_schedule.")
    lines = [_("Survey schedules:")]
    for item in items:
        schedule = item.schedule
        parts = [
            f"#{schedule.id}",
            html.quote(schedule.slug),
            where(item.region.name if item.region else None),
            rule(schedule.rule, locale),
        ]
        if item.next_due is not None:
            parts.append(_("next: {date}").format(date=when(item.next_due, tz, locale)))
        if item.open_runs:
            parts.append(_("open now: {count}").format(count=item.open_runs))
        lines.append(" · ".join(parts))
    lines.append(
        _(
            "Stop one with /survey_cancel and its number, for example /survey_cancel {number}."
        ).format(number=items[0].schedule.id)
    )
    return "\n".join(lines)


def when_error(key: str) -> str:
    texts = {
        "date": _("I could not read the date or time. Use YYYY-MM-DD HH:MM, for example 2026-03-02 10:00."),
        "past": _("That moment has passed. Choose a time in the future, or now."),
        "duration": _("Durations look like 90m, 24h or 7d (at most 90 days); remind=off means no reminder."),
        "remind": _("The reminder must come before the survey closes."),
        "close": _("A repeating survey must close before the next one starts."),
    }  # fmt: skip
    return texts.get(key) or usage()
