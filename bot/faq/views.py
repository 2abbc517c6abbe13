"""Texts and keyboards of the FAQ (rendered in the reader's locale): members' browsing and
offers, staff's /faq_admin."""

from __future__ import annotations

from aiogram import html
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import get_i18n, ngettext
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import (
    FaqAction,
    FaqAdminAction,
    FaqAdminCallback,
    FaqCallback,
    FaqOfferAction,
    FaqOfferCallback,
)
from bot.config import SUPPORTED_LOCALES
from bot.faq.reading import Shown
from bot.faq.service import ANSWER_LIMIT, QUESTION_LIMIT, text_in
from bot.i18n import RTL_LOCALES, language_name, language_name_in
from bot.questions.render import topic_label
from bot.questions.rules import TOPICS
from db.models import FaqEntry

BUTTON_LIMIT = 60  # characters of an entry's question on a button


def _rtl() -> str:
    """A right-to-left line must start right to left (a Latin title would turn it round)."""
    return "\u200f" if get_i18n().current_locale in RTL_LOCALES else ""


def _short(text: str, limit: int = BUTTON_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- members ---


def nothing_yet() -> str:
    return _("There are no answers here yet. You can ask the coordinators with /ask.")


def topics_text() -> str:
    return "📖 " + _("Answers to common questions. Choose a topic:")


def topics_keyboard(topics: list[str]) -> InlineKeyboardMarkup | None:
    if not topics:
        return None
    builder = InlineKeyboardBuilder()
    for topic in topics:
        builder.button(
            text=topic_label(topic), callback_data=FaqCallback(action=FaqAction.TOPIC, topic=topic)
        )
    builder.adjust(2)
    return builder.as_markup()


def entries_text(topic: str) -> str:
    return (
        _("Topic: {topic}.").format(topic=html.quote(topic_label(topic)))
        + "\n"
        + _("Choose a question:")
    )


def entries_keyboard(items: list[Shown]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for item in items:
        builder.button(
            text=_short(item.question),
            callback_data=FaqCallback(action=FaqAction.READ, entry_id=item.entry_id),
        )
    # Translators: button: back to the list of FAQ topics
    builder.button(text="◀ " + _("Topics"), callback_data=FaqCallback(action=FaqAction.TOPICS))
    builder.adjust(1)
    return builder.as_markup()


def entry_text(item: Shown, staff_language: str) -> str:
    """The entry's question and answer; in the staff language, with a label saying so."""
    text = f"<b>{html.quote(item.question)}</b>\n\n{html.quote(item.answer)}"
    if item.fallback:
        label = _(
            "This answer is not yet available in your language. Here it is in {language}."
        ).format(language=language_name_in(staff_language, get_i18n().current_locale))
        text = f"ℹ️ <i>{html.quote(label)}</i>\n\n{text}"
    return text + "\n\n" + _("Did this help?")


def rating_keyboard(entry_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text="👍", callback_data=FaqCallback(action=FaqAction.UP, entry_id=entry_id))
    builder.button(text="👎", callback_data=FaqCallback(action=FaqAction.DOWN, entry_id=entry_id))
    return builder.as_markup()


def offer_text(items: list[Shown]) -> str:
    lines = ["📖 " + _("Maybe this answers your question?")]
    lines += [f"{_rtl()}• {html.quote(item.question)}" for item in items]
    lines.append(_("Press a question to read the answer."))
    return "\n".join(lines)


def offer_keyboard(items: list[Shown]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for item in items:
        builder.button(
            text="📖 " + _short(item.question),
            callback_data=FaqOfferCallback(action=FaqOfferAction.READ, entry_id=item.entry_id),
        )
    builder.button(
        # Translators: button: the FAQ answered the question; nothing is sent
        text="✅ " + _("Yes, thanks"),
        callback_data=FaqOfferCallback(action=FaqOfferAction.ANSWERED),
    )
    builder.button(
        # Translators: button: the FAQ did not help; send the question to the coordinators
        text="📨 " + _("No, send my question"),
        callback_data=FaqOfferCallback(action=FaqOfferAction.SEND),
    )
    builder.adjust(1)
    return builder.as_markup()


# --- staff ---


def write_prompt(language: str) -> str:
    return "\n".join([
        _("Write the FAQ entry in {language}: the general question on the first line, "
          "the answer on the next lines.").format(
            language=language_name_in(language, get_i18n().current_locale)),
        _("Write it for everyone: no names or personal details. The member's own words "
          "are never published."),
        _("Send /cancel to stop."),
    ])  # fmt: skip


def creation_topics(suggested: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for topic in sorted(TOPICS, key=lambda t: t != suggested):
        builder.button(
            text=topic_label(topic),
            callback_data=FaqAdminCallback(action=FaqAdminAction.TOPIC, topic=topic),
        )
    builder.adjust(2)
    return builder.as_markup()


def title(entry: FaqEntry, staff_language: str) -> str:
    text = text_in(entry, staff_language) or (entry.texts[0] if entry.texts else None)
    return text.question if text is not None else "–"


def list_text(entries: list[FaqEntry], staff_language: str) -> str:
    if not entries:
        return _(
            "No FAQ entries yet. Make one from an answered question: press “Add to FAQ” on its "
            "card."
        )
    return _("FAQ entries (newest first). Choose one to review, edit or retire it:")


def list_keyboard(entries: list[FaqEntry], staff_language: str) -> InlineKeyboardMarkup | None:
    if not entries:
        return None
    builder = InlineKeyboardBuilder()
    for entry in entries:
        mark = "🗄 " if entry.retired else ""
        builder.button(
            text=f"{mark}#{entry.id} {_short(title(entry, staff_language), 50)}",
            callback_data=FaqAdminCallback(action=FaqAdminAction.ENTRY, entry_id=entry.id),
        )
    builder.adjust(1)
    return builder.as_markup()


def _status(entry: FaqEntry, language: str, names: dict[int, str]) -> str:
    text = text_in(entry, language)
    if text is None:
        # Translators: an FAQ entry has no text in this language
        return _("missing")
    if text.reviewed_by is not None:
        who = names.get(text.reviewed_by) or str(text.reviewed_by)
        return _("reviewed by {name}").format(name=html.quote(who))
    # Translators: an FAQ entry's text made by machine translation, not checked yet
    return _("machine draft, not shown to members")


def entry_card(
    entry: FaqEntry, staff_language: str, region_name: str | None, names: dict[int, str]
) -> str:
    lines = [
        f"{_rtl()}<b>#{entry.id}</b> · {html.quote(title(entry, staff_language))}",
        _("Topic: {topic}.").format(topic=html.quote(topic_label(entry.topic))),
        _("Pool: {region}").format(region=html.quote(region_name))
        if region_name
        else _("Shared by every pool (only admins edit it)."),
        ngettext("Read {count} time.", "Read {count} times.", entry.views).format(
            count=entry.views
        ),
    ]
    if entry.retired:
        lines.append("🗄 " + _("Retired: members no longer see it."))
    lines.append("")
    lines += [
        f"{_rtl()}{language_name(code)}: {_status(entry, code, names)}"
        for code in SUPPORTED_LOCALES
    ]
    return "\n".join(lines)


def entry_keyboard(entry: FaqEntry) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code in SUPPORTED_LOCALES:
        builder.button(
            text=language_name(code),
            callback_data=FaqAdminCallback(
                action=FaqAdminAction.LANGUAGE, entry_id=entry.id, language=code
            ),
        )
    if entry.retired:
        # Translators: button: show a retired FAQ entry to members again
        action, label = FaqAdminAction.RESTORE, _("Restore")
    else:
        # Translators: button: stop showing an FAQ entry to members
        action, label = FaqAdminAction.RETIRE, "🗄 " + _("Retire")
    builder.button(text=label, callback_data=FaqAdminCallback(action=action, entry_id=entry.id))
    # Translators: button: back to the list of FAQ entries
    builder.button(
        text="◀ " + _("All entries"), callback_data=FaqAdminCallback(action=FaqAdminAction.LIST)
    )
    builder.adjust(2, 2, 2, 2, 2)
    return builder.as_markup()


def language_view(entry: FaqEntry, language: str, names: dict[int, str]) -> str:
    status = _status(entry, language, names)
    head = f"{_rtl()}<b>#{entry.id}</b> · {language_name(language)}: {status}"
    text = text_in(entry, language)
    if text is None:
        return head + "\n\n" + _("No text in this language yet.")
    return f"{head}\n\n<b>{html.quote(text.question)}</b>\n\n{html.quote(text.answer)}"


def language_keyboard(entry: FaqEntry, language: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    text = text_in(entry, language)
    if text is not None and text.reviewed_by is None:
        builder.button(
            # Translators: button: the machine draft was checked; members may see it
            text="✅ " + _("Mark as reviewed"),
            callback_data=FaqAdminCallback(
                action=FaqAdminAction.REVIEW, entry_id=entry.id, language=language
            ),
        )
    builder.button(
        # Translators: button: write or correct the FAQ entry in this language
        text="✏️ " + _("Write this language"),
        callback_data=FaqAdminCallback(
            action=FaqAdminAction.WRITE, entry_id=entry.id, language=language
        ),
    )
    builder.button(
        text="◀ " + _("Back"),
        callback_data=FaqAdminCallback(action=FaqAdminAction.ENTRY, entry_id=entry.id),
    )
    builder.adjust(1)
    return builder.as_markup()


def error_text(reason: str) -> str:
    return {
        "format": _("Please send the question on the first line and the answer on the next lines."),
        "too_long": _(
            "Too long: the question can have at most {question} characters, the answer {answer}."
        ).format(question=QUESTION_LIMIT, answer=ANSWER_LIMIT),
        "unanswered": _("Answer the question first, then make an FAQ entry from it."),
    }.get(reason, _("This button no longer works. Send /start to continue."))
