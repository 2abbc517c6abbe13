"""Texts and keyboards of reply templates (rendered in the reader's locale)."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram import html
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import get_i18n, ngettext
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.bridge import provider_name
from bot.broadcast.content import MACHINE_LABEL
from bot.callbacks import TemplateAction, TemplateCallback
from bot.config import SUPPORTED_LOCALES
from bot.i18n import RTL_LOCALES, language_name_in, language_with_code
from bot.questions.render import InboxViews, topic_label
from bot.questions.rules import TOPICS
from bot.templates.sending import Prepared
from bot.templates.service import TEXT_LIMIT, VARIABLES, text_in
from db.models import Region, ReplyTemplate

OVERVIEW_TEXT = 300  # characters of each language's text in a template's overview
SHOWN_TEXT = 3400  # characters of the text in a preview (with its lines, one message)


def _mark(locale: str) -> str:
    """Right-to-left lines must not start with Latin text (a name, a code, a command)."""
    return "\u200f" if locale in RTL_LOCALES else ""


def variables() -> str:
    return " ".join("{" + name + "}" for name in VARIABLES)


def _quote(text: str, limit: int | None = None) -> str:
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return f"<blockquote expandable>{html.quote(text)}</blockquote>"


def _cb(action: TemplateAction, q: int = 0, t: int = 0, lang: str = "") -> str:
    return TemplateCallback(action=action, q=q, t=t, lang=lang).pack()


def scope_label(template: ReplyTemplate, regions: dict[int, Region]) -> str:
    if template.region_id is None:
        # Translators: a reply template made by an admin for every region
        return _("Shared with all regions")
    region = regions.get(template.region_id)
    return region.name if region is not None else "–"


def choices(question_id: int, templates: list[ReplyTemplate]) -> tuple[str, InlineKeyboardMarkup]:
    builder = InlineKeyboardBuilder()
    for template in templates:
        builder.button(
            text=template.name, callback_data=_cb(TemplateAction.PICK, question_id, template.id)
        )
    builder.button(text=_("Cancel"), callback_data=_cb(TemplateAction.CANCEL, question_id))
    builder.adjust(2)
    text = _("Which template do you want to send for question #{number}?").format(
        number=question_id
    )
    return text, builder.as_markup()


def preview(prepared: Prepared, staff_language: str) -> tuple[str, InlineKeyboardMarkup]:
    """The text as the member would get it, its language and whether anyone reviewed it,
    with Send and Cancel."""
    locale = _locale()
    template, question = prepared.template, prepared.question
    language = language_name_in(prepared.language, locale)
    lines = [
        "<b>"
        + html.quote(
            _("Template “{name}” for question #{number}").format(
                name=template.name, number=question.id
            )
        )
        + "</b>"
    ]
    if prepared.fallback:
        lines.append(
            "⚠️ "
            + _(
                "There is no text in {language} yet: the member gets the {staff} text, "
                "with a note in their language."
            ).format(
                language=language_name_in(prepared.member_language, locale),
                staff=language_name_in(staff_language, locale),
            )
        )
    elif prepared.reviewed:
        lines.append("✅ " + _("In {language}, reviewed.").format(language=language))
    else:
        lines.append(
            "📝 "
            + _(
                "In {language}: a machine draft nobody has reviewed yet. Check it before you "
                "send it; the member sees that it is a machine translation."
            ).format(language=language)
        )
    lines.append(_shown(prepared))
    if template.attachment_kind:
        lines.append("📎 " + attachment_label(template.attachment_kind))
    builder = InlineKeyboardBuilder()
    # Translators: button: send the reply template to the member
    builder.button(
        text="📨 " + _("Send"), callback_data=_cb(TemplateAction.SEND, question.id, template.id)
    )
    builder.button(text=_("Cancel"), callback_data=_cb(TemplateAction.CANCEL, question.id))
    builder.adjust(2)
    return "\n".join(line for line in lines if line), builder.as_markup()


def sent(prepared: Prepared) -> str:
    """What the topic keeps of a sent template: which, in which language, the text."""
    language = language_name_in(prepared.language, _locale())
    line = "✅ " + _("Sent to the member: template “{name}” in {language}.").format(
        name=html.quote(prepared.template.name), language=language
    )
    text = _shown(prepared)
    attachment = (
        "📎 " + attachment_label(prepared.template.attachment_kind)
        if prepared.template.attachment_kind
        else ""
    )
    return "\n".join(part for part in (line, text, attachment) if part)


def _shown(prepared: Prepared) -> str:
    """The text the member gets, in a quote (shortened if it would not fit the message)."""
    if not prepared.plain.strip():
        return ""
    text = prepared.plain
    if len(text) > SHOWN_TEXT:
        text = text[: SHOWN_TEXT - 1].rstrip() + "…"
    return f"<blockquote>{html.quote(text)}</blockquote>"


def attachment_label(kind: str) -> str:
    return _("With a photo.") if kind == "photo" else _("With a document.")


def listing(
    templates: list[ReplyTemplate], regions: dict[int, Region]
) -> tuple[str, InlineKeyboardMarkup | None]:
    if not templates:
        return (
            _(
                "No reply templates yet. Make one with /template_add, or reply "
                "/save_template NAME to one of your answers in a question's topic."
            ),
            None,
        )
    builder = InlineKeyboardBuilder()
    for template in templates:
        builder.button(
            text=f"{template.name} · {topic_label(template.topic)} · "
            f"{scope_label(template, regions)}",
            callback_data=_cb(TemplateAction.SHOW, t=template.id),
        )
    builder.adjust(1)
    return _("Reply templates you can use. Choose one to see, change or delete it:"), (
        builder.as_markup()
    )


def _status(template: ReplyTemplate, code: str) -> str:
    row = text_in(template, code)
    if row is None:
        return _("no text yet")
    if row.reviewed:
        return _("reviewed")
    return _("machine draft, not reviewed")


def overview(
    template: ReplyTemplate, regions: dict[int, Region], editable: bool, staff_language: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    locale = _locale()
    mark = _mark(locale)
    lines = [
        f"{mark}<b>{html.quote(template.name)}</b> · {html.quote(topic_label(template.topic))}"
        f" · {html.quote(scope_label(template, regions))}"
    ]
    if template.attachment_kind:
        lines.append("📎 " + attachment_label(template.attachment_kind))
    ordered = [staff_language, *(c for c in SUPPORTED_LOCALES if c != staff_language)]
    for code in ordered:
        row = text_in(template, code)
        lines.append(f"{mark}{language_with_code(code)}: {_status(template, code)}")
        if row is not None and row.text:
            lines.append(_quote(row.text, OVERVIEW_TEXT))
    lines.append(_("Variables: {list}").format(list=variables()))
    builder = InlineKeyboardBuilder()
    if editable:
        for code in ordered:
            row = text_in(template, code)
            if row is not None and not row.reviewed:
                builder.button(
                    # Translators: button: accept the machine draft in this language as it is
                    text="✅ " + code,
                    callback_data=_cb(TemplateAction.REVIEW, t=template.id, lang=code),
                )
        for code in ordered:
            builder.button(
                text="✏️ " + code, callback_data=_cb(TemplateAction.EDIT, t=template.id, lang=code)
            )
        builder.button(
            text="🗑 " + _("Delete"), callback_data=_cb(TemplateAction.DELETE, t=template.id)
        )
    builder.adjust(4)
    text = "\n".join(lines)
    if not editable:
        return text, None
    text += "\n\n" + _(
        "✅ accepts a machine draft as it is; ✏️ lets you write the text in that language."
    )
    return text, builder.as_markup()


def confirm_delete(template: ReplyTemplate) -> tuple[str, InlineKeyboardMarkup]:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Yes, delete"), callback_data=_cb(TemplateAction.DELETE_YES, t=template.id)
    )
    builder.button(text=_("Cancel"), callback_data=_cb(TemplateAction.SHOW, t=template.id))
    builder.adjust(2)
    text = _("Delete the template “{name}”? Answers already sent stay counted.").format(
        name=html.quote(template.name)
    )
    return text, builder.as_markup()


def ask_text(template_name: str | None, language: str, current: str | None = None) -> str:
    text = _(
        "Send the text in {language}. You can use these variables: {list}. To add a photo "
        "or a document, send it with the text as its caption. /cancel stops."
    ).format(language=language_name_in(language, _locale()), list=variables())
    if template_name is None:
        return text
    text = _(
        "Send the new text in {language} for “{name}”. You can use these variables: {list}. "
        "/cancel stops."
    ).format(
        language=language_name_in(language, _locale()),
        name=html.quote(template_name),
        list=variables(),
    )
    return text + ("\n" + _quote(current) if current else "")


def region_picker(regions: list[Region], shared: bool) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for region in regions:
        builder.button(text=region.name, callback_data=_cb(TemplateAction.REGION, t=region.id))
    if shared:
        builder.button(
            text=_("Shared with all regions"), callback_data=_cb(TemplateAction.REGION, t=0)
        )
    builder.adjust(2)
    return builder.as_markup()


def topic_picker() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for topic in TOPICS:
        builder.button(text=topic_label(topic), callback_data=_cb(TemplateAction.TOPIC, lang=topic))
    builder.adjust(2)
    return builder.as_markup()


def problem(reason: str) -> str:
    """Why a template was not saved (service.TemplateError's reason)."""
    if reason == "name":
        return _(
            "A template name is one word of at most 32 letters, digits, - or _ "
            "(for example huisarts)."
        )
    if reason == "taken":
        return _("There is already a template with this name here. Choose another name.")
    if reason == "too_long":
        return ngettext(
            "This text is too long for a template (at most {limit} character).",
            "This text is too long for a template (at most {limit} characters).",
            TEXT_LIMIT,
        ).format(limit=TEXT_LIMIT)
    return _("There is no text, photo or document to save.")


def saved(template: ReplyTemplate, drafts: int) -> str:
    lines = [
        "✅ "
        + _("Saved the template “{name}” ({topic}).").format(
            name=html.quote(template.name), topic=html.quote(topic_label(template.topic))
        )
    ]
    if drafts:
        lines.append(
            ngettext(
                "Machine drafts in {count} language, not reviewed yet: see /templates.",
                "Machine drafts in {count} languages, not reviewed yet: see /templates.",
                drafts,
            ).format(count=drafts)
        )
    lines.append(
        _("Use it with the Templates button on a question card, or with /t {name} in its topic.")
        .format(name=html.quote(template.name))
    )  # fmt: skip
    return "\n".join(lines)


def _locale() -> str:
    return get_i18n().current_locale


@dataclass(frozen=True)
class TemplateInboxViews(InboxViews):
    """`bot.templates.sending.TemplateViews` on aiogram's gettext."""

    def draft_label(self, locale: str, provider: str) -> str:
        with self.i18n.use_locale(locale):
            label = _(MACHINE_LABEL).format(provider=provider_name(provider, _))
        return f"🌐 <i>{html.quote(label)}</i>"
