"""Texts and keyboards of the question flow (rendered in the reader's locale).

`InboxViews` gives the relay and the question use cases (which import no aiogram) the
texts and keyboards they send, each rendered in the locale they ask for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from aiogram import html
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import I18n, get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.bridge import Translation, provider_name
from bot.callbacks import (
    AskTopicCallback,
    DraftAction,
    DraftCallback,
    FaqFromQuestionCallback,
    JoinQuestionCallback,
    QuestionAction,
    QuestionActionCallback,
    Satisfaction,
    SatisfactionCallback,
    TemplateAction,
    TemplateCallback,
)
from bot.i18n import format_day, language_name, language_name_in, language_with_code, pgettext
from bot.questions.relay import UNTRANSLATED, Card
from bot.questions.rules import TOPICS
from bot.questions.service import Line, Listed
from db.models import Member, Municipality, Question, QuestionStatus, Region

TOPIC_NAME_LIMIT = 128
NOTE_LIMIT = 3800  # characters of a translation in one message (Telegram allows 4,096)
LIST_LIMIT = 4000  # characters of /myquestions (one message)
LIST_TEXT_LIMIT = 600  # characters of one message's text in /myquestions


def topic_label(topic: str) -> str:
    return _(TOPICS.get(topic, TOPICS["other"]))


def topic_picker(offer: bool = False) -> InlineKeyboardMarkup:
    return _topic_picker(offer, get_i18n().current_locale)


# Keyboards made directly and the fixed ones kept per locale: InlineKeyboardBuilder deep-copies
# every button (pydantic models) several times (bench/README.md). Each is sent, never changed.
@lru_cache(maxsize=64)
def _topic_picker(offer: bool, locale: str) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            text=topic_label(topic),
            callback_data=AskTopicCallback(topic=topic, offer=offer).pack(),
        )
        for topic in TOPICS
    ]
    if offer:
        buttons.append(_no_thanks(locale))
    return InlineKeyboardMarkup(
        inline_keyboard=[buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    )


@lru_cache(maxsize=32)
def _no_thanks(locale: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=_("No, thanks"), callback_data=DraftCallback(action=DraftAction.CANCEL).pack()
    )


@lru_cache(maxsize=32)
def _new_question(locale: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        # Translators: button: send the message just sent as a new question instead
        text=_("New question"),
        callback_data=DraftCallback(action=DraftAction.NEW).pack(),
    )


def join_offer(open_ids: Sequence[int], allow_new: bool) -> InlineKeyboardMarkup:
    """A free message while questions are open: "Add to question #N" for each (newest
    first), then "New question" (when one is allowed) and "No, thanks"."""
    # Translators: button: add the message just sent to the member's open question
    label = _("Add to question #{number}")
    rows = [
        [
            InlineKeyboardButton(
                text=label.format(number=id_),
                callback_data=JoinQuestionCallback(question_id=id_).pack(),
            )
        ]
        for id_ in open_ids
    ]
    locale = get_i18n().current_locale
    if allow_new:
        rows.append([_new_question(locale)])
    rows.append([_no_thanks(locale)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def draft_controls() -> InlineKeyboardMarkup:
    return _draft_controls(get_i18n().current_locale)


@lru_cache(maxsize=32)
def _draft_controls(locale: str) -> InlineKeyboardMarkup:
    # Translators: button: send the question (one or more messages) to the coordinators
    send = "📨 " + _("Send")
    # Translators: button: throw the question away; nothing is sent
    cancel = _("Cancel")
    buttons = [
        InlineKeyboardButton(
            text=send, callback_data=DraftCallback(action=DraftAction.SEND).pack()
        ),
        InlineKeyboardButton(
            text=cancel, callback_data=DraftCallback(action=DraftAction.CANCEL).pack()
        ),
    ]
    return InlineKeyboardMarkup(inline_keyboard=[buttons])


def status_label(status: str) -> str:
    # "closed" is also a region's state (handlers/admin/regions.py): msgctxt tells them apart.
    return {
        # Translators: status of a member's question: sent, waiting for an answer
        QuestionStatus.OPEN: pgettext("question status", "sent"),
        # Translators: status of a member's question
        QuestionStatus.ANSWERED: pgettext("question status", "answered"),
        # Translators: status of a member's question: closed after the answer
        QuestionStatus.CLOSED: pgettext("question status", "closed"),
    }.get(QuestionStatus(status), status)


def topic_name(
    question: Question, member: Member, topic_text: str, summary: str | None = None
) -> str:
    """Forum topic title: `#17 · Housing · ar · Amina` and, when the question's first text
    was translated, `· ` and its start (plain text, at most 128 characters)."""
    name = member.display_name or _("member {number}").format(number=member.id)
    title = f"#{question.id} · {topic_text} · {question.language} · {name}"
    if summary:
        room = TOPIC_NAME_LIMIT - len(title) - 3
        line = " ".join(summary.split())
        if room >= 8:
            title += " · " + (line if len(line) <= room else line[: room - 1].rstrip() + "…")
    return title[:TOPIC_NAME_LIMIT]


def clip(text: str, limit: int = NOTE_LIMIT) -> str:
    """A translation that fits one message with its label (translations can grow)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def provider_label(provider: str) -> str:
    return provider_name(provider, _)


def card_text(
    question: Question,
    member: Member,
    region: Region | None,
    municipality: Municipality | None,
    earlier: int,
    assignee: str | None,
    translating: bool = False,
    volunteer: tuple[str, str] | None = None,
    faq_offered: tuple[tuple[int, str], ...] = (),
) -> str:
    lines = [
        "<b>"
        + _("Question #{number}").format(number=question.id)
        + "</b> · "
        + html.quote(topic_label(question.topic)),
        _("From: {name}").format(
            name=html.quote(member.display_name or _("member {number}").format(number=member.id))
        ),
        _("Language: {language}").format(language=language_with_code(question.language)),
        _("Pool: {region}").format(region=html.quote(region.name) if region else "–"),
        _("Municipality: {municipality}").format(
            municipality=html.quote(
                municipality.name if municipality else member.municipality_text or "–"
            )
        ),
    ]
    if member.joined_at:
        locale = I18n.get_current().current_locale
        lines.append(_("Member since: {date}").format(date=format_day(member.joined_at, locale)))
    lines.append(_("Earlier questions: {count}").format(count=earlier))
    if question.urgent:
        # Translators: label of a question that coordinators marked as urgent
        lines.append("🔴 " + _("Urgent"))
    if assignee:
        lines.append(_("Assigned to: {name}").format(name=html.quote(assignee)))
    if volunteer is not None:
        lines.append("🤝 " + volunteer_line(*volunteer))
    if faq_offered:
        lines.append(
            "📖 " + _("The member was offered these FAQ answers and sent the question anyway:")
        )
        lines += [f"• #{number} {html.quote(title)}" for number, title in faq_offered]
    if question.status == QuestionStatus.CLOSED:
        lines.append(_("Closed."))
    lines.append("")
    lines.append(
        _("Everything you write here goes to the member. Start with ! for an internal note.")
    )
    if translating:
        lines.append(
            _(
                "Your text answers reach the member in their language (machine translation). "
                "Start with {prefix} to send a text without translation."
            ).format(prefix=UNTRANSLATED)
        )
    lines.append(_("To have an answer translated by a volunteer, reply /translate to it."))
    return "\n".join(lines)


def volunteer_line(kind: str, status: str) -> str:
    """The card's line about the latest volunteer translation request."""
    label = {
        "waiting": _("waiting for a free volunteer"),
        "assigned": _("with a volunteer"),
        "done": _("translated"),
        "nobody": _("no volunteer available"),
        "cancelled": _("no longer needed"),
    }.get(status, status)
    if kind == "answer":
        return _("Volunteer translation of an answer: {status}").format(status=label)
    return _("Volunteer translation of the question: {status}").format(status=label)


def card_buttons(question: Question, offer_volunteer: bool = False) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if question.status == QuestionStatus.CLOSED:
        builder.button(
            # Translators: button on a question card (coordinators): open the closed question again
            text=_("Reopen"),
            callback_data=QuestionActionCallback(
                question_id=question.id, action=QuestionAction.REOPEN
            ),
        )
    else:
        builder.button(
            text=_("Assign to me"),
            callback_data=QuestionActionCallback(
                question_id=question.id, action=QuestionAction.ASSIGN
            ),
        )
        builder.button(
            # Translators: button on a question card (coordinators): close the answered question
            text=_("Close"),
            callback_data=QuestionActionCallback(
                question_id=question.id, action=QuestionAction.CLOSE
            ),
        )
        builder.button(
            text=_("Not urgent") if question.urgent else _("Mark urgent"),
            callback_data=QuestionActionCallback(
                question_id=question.id, action=QuestionAction.URGENT
            ),
        )
        if offer_volunteer:
            builder.button(
                text="🤝 " + _("Ask a volunteer to translate"),
                callback_data=QuestionActionCallback(
                    question_id=question.id, action=QuestionAction.VOLUNTEER
                ),
            )
        builder.button(
            # Translators: button on a question card (coordinators): answer with a saved reply template
            text="📋 " + _("Templates"),
            callback_data=TemplateCallback(action=TemplateAction.LIST, q=question.id),
        )
    if question.first_answer_at is not None:
        builder.button(
            # Translators: button on a question card: write a general FAQ entry from it
            text="📖 " + _("Add to FAQ"),
            callback_data=FaqFromQuestionCallback(question_id=question.id),
        )
    builder.adjust(3)
    return builder.as_markup()


def my_questions(listing: list[Listed]) -> str:
    """/myquestions: each question with its messages, answers in the member's language where
    translated (labelled, the original kept beneath); whole lines only, within one message."""
    lines: list[str] = []
    for listed in listing:
        question = listed.question
        if lines:
            lines.append("")
        lines.append(
            f"<b>#{question.id}</b> · {html.quote(topic_label(question.topic))}"
            f" · {status_label(question.status)}"
        )
        lines += [_listed_line(line) for line in listed.lines]
    shown, size = [], 0
    for line in lines:
        if size + len(line) + 1 > LIST_LIMIT - 2:
            shown.append("…")
            break
        shown.append(line)
        size += len(line) + 1
    return "\n".join(shown)


def _listed_line(line: Line) -> str:
    who = _("You") if line.mine else _("Answer")
    body = html.quote(clip(line.text, LIST_TEXT_LIMIT)) if line.text else f"[{line.kind}]"
    if line.volunteer is not None:
        translated = line.volunteer
        label = "🤝 <i>" + html.quote(_("Volunteer translation. The original text:")) + "</i>"
    elif line.machine is not None:
        translated = line.machine.text
        label = _("Machine translation ({provider}). The original text:").format(
            provider=provider_label(line.machine.provider)
        )
        label = "🌐 <i>" + html.quote(label) + "</i>"
    else:
        return f"{who}: {body}"
    return (
        f"{who}: {html.quote(clip(translated, LIST_TEXT_LIMIT))}\n{label}\n"
        f"<blockquote expandable>{body}</blockquote>"
    )


def satisfaction(question_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text="👍",
        callback_data=SatisfactionCallback(question_id=question_id, value=Satisfaction.UP),
    )
    builder.button(
        text="👎",
        callback_data=SatisfactionCallback(question_id=question_id, value=Satisfaction.DOWN),
    )
    return builder.as_markup()


@dataclass(frozen=True)
class InboxViews:
    """`bot.questions.relay.Views` on aiogram's gettext."""

    i18n: I18n

    def topic_name(
        self, locale: str, question: Question, member: Member, summary: str | None = None
    ) -> str:
        with self.i18n.use_locale(locale):
            return topic_name(question, member, topic_label(question.topic), summary)

    def card(self, locale: str, card: Card) -> tuple[str, InlineKeyboardMarkup]:
        with self.i18n.use_locale(locale):
            text = card_text(
                card.question, card.member, card.region, card.municipality, card.earlier,
                card.assignee, card.translating, card.volunteer, card.faq_offered,
            )  # fmt: skip
            return text, card_buttons(card.question, card.offer_volunteer)

    def follow_up_header(self, locale: str, number: int) -> str:
        with self.i18n.use_locale(locale):
            return _("More from the member about question #{number}:").format(number=number)

    def answer_header(
        self, locale: str, number: int, language: str | None = None, machine: bool = False
    ) -> str:
        with self.i18n.use_locale(locale):
            header = "💬 " + _("Answer to your question #{number}").format(number=number)
            if language is None:
                return header
            name = language_name_in(language, locale)
            if machine:
                # Translators: after "Answer to your question #3"; {language}: e.g. "Dutch"
                said = _("(in {language}, with a machine translation)")
            else:
                # Translators: after "Answer to your question #3"; {language}: e.g. "Dutch"
                said = _("(in {language})")
            return header + " " + said.format(language=name)

    def closed(self, locale: str, number: int) -> tuple[str, InlineKeyboardMarkup]:
        with self.i18n.use_locale(locale):
            return (
                _("Your question #{number} is closed. Did this help?").format(number=number) + "\n"
                + _("You can reply to an answer within 7 days to open it again."),
                satisfaction(number),
            )  # fmt: skip

    def staff_translation(self, locale: str, translation: Translation) -> str:
        with self.i18n.use_locale(locale):
            label = _("Machine translation from {language} ({provider}):").format(
                language=language_name(translation.source),
                provider=provider_label(translation.provider),
            )
        return f"🌐 <i>{html.quote(label)}</i>\n{html.quote(clip(translation.text))}"

    def member_translation(
        self, locale: str, translation: Translation, original: str | None
    ) -> str:
        with self.i18n.use_locale(locale):
            provider = provider_label(translation.provider)
            if original is None:
                label = _("Machine translation ({provider}) of the message above.").format(
                    provider=provider
                )
            else:
                label = _("Machine translation ({provider}). The original text:").format(
                    provider=provider
                )
        text = f"{html.quote(clip(translation.text))}\n\n🌐 <i>{html.quote(label)}</i>"
        if original is None:
            return text
        return f"{text}\n<blockquote expandable>{html.quote(original)}</blockquote>"

    def untranslated(self, locale: str, follows: bool) -> str:
        with self.i18n.use_locale(locale):
            label = (
                _("Machine translation follows.")
                if follows
                else _("No machine translation available.")
            )
        return f"🌐 <i>{html.quote(label)}</i>"

    def request_withdrawn(self, locale: str, request_id: int) -> str:
        with self.i18n.use_locale(locale):
            return "🤝 " + request_withdrawn(request_id)


def request_withdrawn(number: int) -> str:
    """A translation request the volunteer holds (or answers late) is no longer needed."""
    return _("Translation request {number} is no longer needed. Thank you anyway!").format(
        number=number
    )
