"""Texts, keyboards and callback data of the volunteer translators' flow.

`VolunteerViews` gives the use cases (which import no aiogram) what they send, rendered in
the locale they ask for. The other functions render for the person the handler answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from aiogram import html
from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n, ngettext
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from babel.numbers import format_decimal

from bot.config import SUPPORTED_LOCALES
from bot.i18n import language_name
from bot.numbers import Id
from bot.volunteers.service import Asked, LanguageStats

TEXT_LIMIT = 3500  # of the text to translate, so the request stays within Telegram's 4096


class VolunteerAction(StrEnum):
    TOGGLE = "toggle"  # add or remove the direction lang → staff (to_staff) or staff → lang
    LANGUAGE = "lang"  # show the directions of another language
    OTHER = "other"  # list the languages
    DONE = "done"
    STOP = "stop"


class VolunteerCallback(CallbackData, prefix="vol"):
    action: VolunteerAction
    lang: str = ""
    to_staff: bool = False


class RequestAction(StrEnum):
    DECLINE = "decline"


class VolunteerRequestCallback(CallbackData, prefix="vreq"):
    request_id: Id
    action: RequestAction


def pair_label(source: str, target: str) -> str:
    return f"{language_name(source)} → {language_name(target)}"


def choice_text(pairs: list[tuple[str, str]]) -> str:
    lines = [
        "🤝 " + _("Thank you for helping other members!"),
        _("Choose what you can translate. Press a choice again to remove it."),
        _("You only get the text to translate. You never see who wrote it."),
        "",
    ]
    if pairs:
        chosen = ", ".join(pair_label(s, t) for s, t in pairs)
        lines.append(_("Your choices: {list}").format(list=chosen))
    else:
        lines.append(_("You have not chosen anything yet."))
    return "\n".join(lines)


def _tail(builder: InlineKeyboardBuilder, pairs: list[tuple[str, str]]) -> None:
    # Translators: button: done choosing the languages you translate
    builder.button(text=_("Done"), callback_data=VolunteerCallback(action=VolunteerAction.DONE))
    if pairs:
        builder.button(
            text=_("Stop volunteering"),
            callback_data=VolunteerCallback(action=VolunteerAction.STOP),
        )


def directions(language: str, staff: str, pairs: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    """Both directions between `language` and the staff language, ✅ on the chosen ones."""
    builder = InlineKeyboardBuilder()
    for to_staff in (True, False):
        source, target = (language, staff) if to_staff else (staff, language)
        mark = "✅ " if (source, target) in pairs else ""
        builder.button(
            text=mark + pair_label(source, target),
            callback_data=VolunteerCallback(
                action=VolunteerAction.TOGGLE, lang=language, to_staff=to_staff
            ),
        )
    builder.button(
        text="🌐 " + _("Another language"),
        callback_data=VolunteerCallback(action=VolunteerAction.OTHER),
    )
    _tail(builder, pairs)
    builder.adjust(1, 1, 1, 2)
    return builder.as_markup()


def languages(staff: str, pairs: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code in SUPPORTED_LOCALES:
        if code != staff:
            builder.button(
                text=language_name(code),
                callback_data=VolunteerCallback(action=VolunteerAction.LANGUAGE, lang=code),
            )
    _tail(builder, pairs)
    builder.adjust(2)
    return builder.as_markup()


def asked_text(outcome: Asked) -> str:
    """What the coordinator who asked for a translation sees."""
    return {
        Asked.ASSIGNED: lambda: _("A volunteer was asked to translate."),
        Asked.WAITING: lambda: _(
            "All volunteers for this language are busy. The request waits for a free volunteer."
        ),
        Asked.NOBODY: lambda: _("No volunteer is available for this language."),
        Asked.NO_TEXT: lambda: _("There is no text to translate."),
        Asked.NOT_NEEDED: lambda: _("No translation needed: the reader reads this language."),
        Asked.ALREADY: lambda: _("A volunteer is already asked to translate this."),
        Asked.CLOSED: lambda: _(
            "This question is closed. Reopen it to ask a volunteer to translate."
        ),
        Asked.NOT_AN_ANSWER: lambda: _(
            "Reply /translate to an answer you sent to the member, to have it translated "
            "by a volunteer."
        ),
    }[outcome]()


def stats_lines(entries: list[LanguageStats], locale: str) -> list[str]:
    """/stats: volunteers per language with their finished requests and median time."""
    if not entries:
        return []
    lines = ["🤝 " + _("Volunteer translators:")]
    for entry in entries:
        parts = [
            ngettext(
                "{language}: {count} volunteer", "{language}: {count} volunteers", entry.volunteers
            ).format(language=language_name(entry.language), count=entry.volunteers),
            ngettext("{count} translation done", "{count} translations done", entry.done).format(
                count=entry.done
            ),
        ]
        if entry.median_time is not None:
            hours = round(entry.median_time / timedelta(hours=1), 1)
            parts.append(
                _("median time {hours} h").format(hours=format_decimal(hours, locale=locale))
            )
        lines.append(" · ".join(parts))
    return lines


@dataclass(frozen=True)
class VolunteerViews:
    """`bot.volunteers.service.Views` on aiogram's gettext."""

    i18n: I18n

    def request(
        self, locale: str, request_id: int, source: str, target: str, text: str
    ) -> tuple[str, InlineKeyboardMarkup]:
        with self.i18n.use_locale(locale):
            shown = text if len(text) <= TEXT_LIMIT else text[:TEXT_LIMIT] + "…"
            lines = [
                "🤝 " + _("Translation request {number}").format(number=request_id),
                _("Please translate this text from {source} into {target}.").format(
                    source=language_name(source), target=language_name(target)
                ),
                _("Reply to this message with your translation, or press Decline."),
                "",
                f"<blockquote>{html.quote(shown)}</blockquote>",
            ]
            builder = InlineKeyboardBuilder()
            builder.button(
                text=_("Decline"),
                callback_data=VolunteerRequestCallback(
                    request_id=request_id, action=RequestAction.DECLINE
                ),
            )
            return "\n".join(lines), builder.as_markup()

    def request_over(self, locale: str, request_id: int) -> str:
        with self.i18n.use_locale(locale):
            return "⌛ " + _(
                "The time for translation request {number} is over. We asked someone else. "
                "Thank you anyway!"
            ).format(number=request_id)

    def translation_for_staff(
        self, locale: str, number: int, source: str, target: str, text: str
    ) -> str:
        with self.i18n.use_locale(locale):
            head = _("Volunteer translation ({source} → {target}) for question #{number}:")
            return (
                "🤝 "
                + head.format(source=source, target=target, number=number)
                + "\n"
                + html.quote(text)
            )

    def translation_for_member(self, locale: str, number: int, text: str) -> str:
        with self.i18n.use_locale(locale):
            head = _("Volunteer translation of the answer to your question #{number}:")
            return "🤝 " + head.format(number=number) + "\n\n" + html.quote(text)

    def nobody(self, locale: str, number: int) -> str:
        with self.i18n.use_locale(locale):
            return "🤝 " + _(
                "No volunteer is available to translate for question #{number}. "
                "Please try again later."
            ).format(number=number)
