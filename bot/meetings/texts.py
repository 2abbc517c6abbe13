"""What members read about a meeting, in their language, and the broadcasts' versions.

No aiogram: jobs and services render through the catalogues they receive. Buttons of the
invitation are InlineKeyboardMarkup JSON whose callback data views.MeetingCB reads
("mt:<action>:<meeting>:<value>").
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from babel import Locale, dates

from bot.bridge import provider_name
from bot.broadcast.content import MACHINE_LABEL, Content
from bot.config import SUPPORTED_LOCALES
from bot.marking import N_
from bot.meetings import calendar
from bot.meetings.rules import CANCELLED, MAYBE, NO, YES
from db.models import Meeting

PREFIX = "mt"
_TAGS = re.compile(r"<[^>]+>")
RLM = "\u200f"
RTL_LOCALES = frozenset({"ar", "fa"})  # as bot.i18n (which needs aiogram)

YES_LABEL, MAYBE_LABEL, NO_LABEL = N_("Yes"), N_("Maybe"), N_("No")
ANSWER_BUTTONS = ((YES, "✅", YES_LABEL), (MAYBE, "🤔", MAYBE_LABEL), (NO, "❌", NO_LABEL))
INVITED = N_("You are invited to a meeting of your expert pool.")
WILL_YOU_COME = N_("Will you come? Please answer before {moment}.")
PLACES = N_("Places: {count}.")
REMINDER = N_("⏰ Reminder: this meeting is coming up. You said you would come (or maybe).")
CHANGED = N_("📣 This meeting has changed. Here are the new details and the new calendar file.")
CANCELLED_NOTICE = N_("❌ This meeting is cancelled. We are sorry. The calendar file removes it.")
STAFF_TEXT = N_("Written by the coordinators in {language}.")


class Catalogues(Protocol):
    def gettext(self, singular: str, *, locale: str | None = None) -> str: ...


def callback(action: str, meeting_id: int, value: str = "") -> str:
    return f"{PREFIX}:{action}:{meeting_id}:{value}"


@dataclass(frozen=True)
class Shown:
    title: str
    description: str
    provider: str  # "" for the coordinators' own text
    language: str  # the language of the text shown


def shown(meeting: Meeting, language: str) -> Shown:
    """The meeting's title and description for a reader of `language`: a draft in their
    language if there is one, else the coordinators' text."""
    drafts = json.loads(meeting.texts or "{}")
    found = drafts.get(language)
    if language != meeting.language and found:
        return Shown(found["title"], found.get("description", ""), found["provider"], language)
    return Shown(meeting.title, meeting.description, "", meeting.language)


def moment(when: datetime, language: str, tz: ZoneInfo) -> str:
    """ "dinsdag 15 december 2026, 19:00" as the reader's language writes it (Babel)."""
    local = when.astimezone(tz)
    day = dates.format_date(local, format="full", locale=language)
    return f"{day}, {dates.format_time(local, format='short', locale=language)}"


def _line(language: str, text: str) -> str:
    # A right-to-left line must not start with a Latin run (a place name, a date).
    return f"{RLM}{text}" if language in RTL_LOCALES else text


def details(
    i18n: Catalogues, meeting: Meeting, language: str, tz: ZoneInfo, *, description: bool = True
) -> str:
    text = shown(meeting, language)
    lines = [
        _line(language, f"<b>{html.escape(text.title, quote=False)}</b>"),
        _line(language, "📅 " + moment(meeting.starts_at, language, tz)),
        _line(language, "📍 " + html.escape(meeting.place, quote=False)),
    ]
    if description and text.description:
        lines.append(_line(language, html.escape(text.description, quote=False)))
    if text.provider:
        label = i18n.gettext(MACHINE_LABEL, locale=language).format(
            provider=provider_name(text.provider, lambda t: i18n.gettext(t, locale=language))
        )
        lines.append(f"🌐 <i>{html.escape(label, quote=False)}</i>")
    elif text.language != language:
        label = i18n.gettext(STAFF_TEXT, locale=language).format(
            language=Locale.parse(text.language).get_display_name(language) or text.language
        )
        lines.append(f"🌐 <i>{html.escape(label, quote=False)}</i>")
    return "\n".join(lines)


def answer_markup(i18n: Catalogues, meeting_id: int, language: str) -> dict[str, object]:
    row = [
        {"text": f"{icon} {i18n.gettext(label, locale=language)}",
         "callback_data": callback("r", meeting_id, code)}
        for code, icon, label in ANSWER_BUTTONS
    ]  # fmt: skip
    return {"inline_keyboard": [row]}


def invitation_text(i18n: Catalogues, meeting: Meeting, language: str, tz: ZoneInfo) -> str:
    lines = [i18n.gettext(INVITED, locale=language), "", details(i18n, meeting, language, tz), ""]
    if meeting.capacity:
        lines.append(i18n.gettext(PLACES, locale=language).format(count=meeting.capacity))
    lines.append(
        i18n.gettext(WILL_YOU_COME, locale=language).format(
            moment=moment(meeting.rsvp_until, language, tz)
        )
    )
    return "\n".join(lines)


def _content(text: str, **extra: str | None) -> Content:
    return Content("text", text, len(html.unescape(_TAGS.sub("", text))), **extra)  # type: ignore[arg-type]


def ics_for(meeting: Meeting, language: str, tz: ZoneInfo, stamp: datetime) -> str:
    text = shown(meeting, language)
    return calendar.ics(
        meeting.id, starts_at=meeting.starts_at, minutes=meeting.minutes,
        sequence=meeting.sequence, tz=tz, stamp=stamp, cancelled=meeting.status == CANCELLED,
        text=calendar.EventText(text.title, text.description, meeting.place),
    )  # fmt: skip


def invitations(i18n: Catalogues, meeting: Meeting, tz: ZoneInfo) -> dict[str, Content]:
    return {
        code: _content(
            invitation_text(i18n, meeting, code, tz),
            markup=json.dumps(answer_markup(i18n, meeting.id, code), ensure_ascii=False),
        )
        for code in SUPPORTED_LOCALES
    }


def reminders(i18n: Catalogues, meeting: Meeting, tz: ZoneInfo) -> dict[str, Content]:
    return {
        code: _content(
            i18n.gettext(REMINDER, locale=code) + "\n\n" + details(i18n, meeting, code, tz)
        )
        for code in SUPPORTED_LOCALES
    }


def updates(
    i18n: Catalogues, meeting: Meeting, tz: ZoneInfo, stamp: datetime
) -> dict[str, Content]:
    """The change or cancellation notice with the new calendar file, per language."""
    head = CANCELLED_NOTICE if meeting.status == CANCELLED else CHANGED
    return {
        code: _content(
            i18n.gettext(head, locale=code)
            + "\n\n"
            + details(i18n, meeting, code, tz, description=False),
            file_name=calendar.file_name(meeting.id),
            file_text=ics_for(meeting, code, tz, stamp),
        )
        for code in SUPPORTED_LOCALES
    }


def languages_of(drafts: Iterable[str]) -> list[str]:
    return [code for code in SUPPORTED_LOCALES if code in set(drafts)]
