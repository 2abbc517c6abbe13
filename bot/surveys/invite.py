"""Invitation and reminder texts, one version per language, for the broadcaster.

The start link is a deep link (t.me/<bot>?start=survey_<run>): it opens the first question
with one tap. The menu button and /surveys lead to the same place.
"""

from __future__ import annotations

import html as html_lib
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram import html
from aiogram.utils.i18n import I18n
from babel.numbers import format_decimal

from bot.bridge import provider_name
from bot.broadcast.content import MACHINE_LABEL, Content
from bot.config import SUPPORTED_LOCALES
from bot.i18n import format_moment
from bot.surveys.definition import SurveyDefinition, shown

START_PREFIX = "survey_"
_TAGS = re.compile(r"<[^>]+>")


def deep_link(bot_username: str, run_id: int) -> str:
    return f"https://t.me/{bot_username}?start={START_PREFIX}{run_id}"


def when(moment: datetime, tz: ZoneInfo, language: str) -> str:
    return format_moment(moment, language, tz)


def _content(text: str) -> Content:
    return Content("text", text, len(html_lib.unescape(_TAGS.sub("", text))))


def _start(i18n: I18n, language: str, link: str) -> list[str]:
    start = html.quote(i18n.gettext("Start the survey", locale=language))
    return [
        f'<a href="{html.quote(link)}">▶️ {start}</a>',
        i18n.gettext("Or press “Surveys” in the menu, or send /surveys.", locale=language),
    ]


def _machine(i18n: I18n, definition: SurveyDefinition, language: str) -> list[str]:
    """The label of a language whose texts a machine made (reviewed or not)."""
    mark = definition.machine_drafts.get(language)
    if mark is None:
        return []
    label = i18n.gettext(MACHINE_LABEL, locale=language)
    return [
        "🌐 <i>"
        + html.quote(
            label.format(
                provider=provider_name(
                    mark.provider, lambda text: i18n.gettext(text, locale=language)
                )
            )
        )
        + "</i>"
    ]


def invitation(
    i18n: I18n,
    definition: SurveyDefinition,
    language: str,
    *,
    link: str,
    close_at: datetime,
    tz: ZoneInfo,
) -> Content:
    lines = [f"<b>{html.quote(shown(definition.title, language))}</b>"]
    if definition.intro:
        lines.append(html.quote(shown(definition.intro, language)))
    lines += _machine(i18n, definition, language)
    lines.append("")
    lines.append(
        i18n.gettext("Questions: {count} · open until {date}", locale=language).format(
            count=format_decimal(len(definition.questions), locale=language),
            date=when(close_at, tz, language),
        )
    )
    if definition.anonymous:
        lines.append(
            i18n.gettext(
                "Your answers are anonymous: they are not stored with your name or number.",
                locale=language,
            )
        )
    return _content("\n".join([*lines, *_start(i18n, language, link)]))


def reminder(
    i18n: I18n,
    definition: SurveyDefinition,
    language: str,
    *,
    link: str,
    close_at: datetime,
    tz: ZoneInfo,
) -> Content:
    lines = [
        f"⏰ <b>{html.quote(shown(definition.title, language))}</b>",
        i18n.gettext(
            "Reminder: you have not finished this survey yet. It is open until {date}.",
            locale=language,
        ).format(date=when(close_at, tz, language)),
    ]
    return _content("\n".join([*lines, *_start(i18n, language, link)]))


def versions(
    i18n: I18n,
    definition: SurveyDefinition,
    *,
    link: str,
    close_at: datetime,
    tz: ZoneInfo,
    remind: bool = False,
) -> dict[str, Content]:
    render = reminder if remind else invitation
    return {
        language: render(i18n, definition, language, link=link, close_at=close_at, tz=tz)
        for language in SUPPORTED_LOCALES
    }
