"""How a questionnaire looks in the chat: one question per message, buttons first.

Surveys and the intake are asked the same way; a `Style` says what a survey adds (its
title with "2/5", hints, Back). Called inside the member's locale (a handler's i18n
context); texts come from the definition in the member's language, with visible fallback.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiogram import html
from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.surveys import errors
from bot.surveys.callbacks import (
    BACK,
    DONE,
    PICK,
    SKIP,
    TOGGLE,
    SurveyAction,
    SurveyAnswerCallback,
)
from bot.surveys.definition import NO, YES, SurveyDefinition, SurveyQuestion, shown

SCALE_ROW = 6  # 0-10 needs two rows (Telegram allows 8 buttons in a row)

# The callback data of an answer button: (question id, action, option) -> data.
ButtonData = Callable[[str, str, str], CallbackData]


@dataclass(frozen=True)
class Style:
    numbered: bool = True  # "2/5 · title" above the question
    hints: bool = True  # how to answer ("Choose one or more, then press Done.")
    back: bool = True  # a Back button to the previous question


SURVEY = Style()


def run_buttons(run_id: int) -> ButtonData:
    """Answer buttons of a survey run."""

    def data(question: str, action: str, option: str) -> CallbackData:
        return SurveyAnswerCallback(run=run_id, q=question, a=action, o=option)

    return data


def _hint(question: SurveyQuestion, language: str) -> str | None:
    if question.kind == "scale" and question.low_label and question.high_label:
        return (
            f"{question.low} = {html.quote(shown(question.low_label, language))} · "
            f"{question.high} = {html.quote(shown(question.high_label, language))}"
        )
    if question.kind == "multi":
        if question.max_choices:
            return ngettext(
                "Choose up to {count} answer, then press Done.",
                "Choose up to {count} answers, then press Done.",
                question.max_choices,
            ).format(count=question.max_choices)
        return _("Choose one or more, then press Done.")
    if question.kind == "text":
        return ngettext(
            "Type your answer (at most {count} character).",
            "Type your answer (at most {count} characters).",
            question.max_length,
        ).format(count=question.max_length)
    if question.kind == "number":
        return _("Type a number from {low} to {high}.").format(low=question.low, high=question.high)
    return None


def question_text(
    definition: SurveyDefinition,
    question: SurveyQuestion,
    language: str,
    answers: dict[str, Any],
    style: Style = SURVEY,
) -> str:
    lines = []
    if style.numbered:
        position, total = definition.progress(question.id, answers)
        title = html.quote(shown(definition.title, language))
        lines += [f"<b>{position}/{total}</b> · {title}", ""]
    lines.append(html.quote(shown(question.text, language)))
    hint = _hint(question, language) if style.hints else None
    if hint:
        lines += ["", f"<i>{hint}</i>"]
    return "\n".join(lines)


def keyboard(
    definition: SurveyDefinition,
    question: SurveyQuestion,
    language: str,
    answers: dict[str, Any],
    data: ButtonData,
    style: Style = SURVEY,
) -> InlineKeyboardMarkup | None:
    # Buttons made directly: InlineKeyboardBuilder deep-copies every button (pydantic models)
    # several times, a noticeable part of a survey answer's CPU (bench/README.md).
    buttons: list[InlineKeyboardButton] = []
    sizes: list[int] = []

    def button(text: str, action: SurveyAction, option: str = "") -> None:
        packed = data(question.id, action, option).pack()
        buttons.append(InlineKeyboardButton(text=text, callback_data=packed))

    given = answers.get(question.id)
    chosen = {str(v) for v in given} if isinstance(given, list) else {str(given)}

    def mark(option: str) -> str:
        return "✅ " if option in chosen else ""

    if question.kind in ("single", "multi"):
        action = TOGGLE if question.kind == "multi" else PICK
        for option in question.options:
            button(mark(option.id) + shown(option.text, language), action, option.id)
            sizes.append(1)
        if question.kind == "multi":
            # Translators: button: done choosing answers of a survey question with several choices
            button(_("Done"), DONE)
            sizes.append(1)
    elif question.kind == "yesno":
        button(mark(YES) + _("Yes"), PICK, YES)
        button(mark(NO) + _("No"), PICK, NO)
        sizes.append(2)
    elif question.kind == "scale":
        values = list(range(question.low, question.high + 1))
        for value in values:
            button(mark(str(value)) + str(value), PICK, str(value))
        rows = [values[i : i + SCALE_ROW] for i in range(0, len(values), SCALE_ROW)]
        sizes += [len(row) for row in rows]
    navigation = 0
    if style.back and definition.before(question.id, answers) is not None:
        # Translators: button: back to the previous survey question
        button("◀️ " + _("Back"), BACK)
        navigation += 1
    if not question.required:
        # Translators: button: go on without answering this survey question (not 'reject')
        button(_("Skip"), SKIP)
        navigation += 1
    if navigation:
        sizes.append(navigation)
    if not sizes:
        return None
    markup: list[list[InlineKeyboardButton]] = []
    at = 0
    for size in sizes:
        markup.append(buttons[at : at + size])
        at += size
    return InlineKeyboardMarkup(inline_keyboard=markup)


def summary(question: SurveyQuestion, value: Any, language: str) -> str:
    """The answer given, as shown under the question once it is answered."""
    if value is None or value == []:
        return _("skipped")
    if question.kind in ("single", "multi"):
        chosen = value if isinstance(value, list) else [value]
        labels = [shown(o.text, language) for o in question.options if o.id in chosen]
        return html.quote(", ".join(labels))
    if question.kind == "yesno":
        return _("Yes") if value == YES else _("No")
    return html.quote(str(value))


def answered_text(question: SurveyQuestion, value: Any, language: str) -> str:
    return f"{html.quote(shown(question.text, language))}\n→ {summary(question, value, language)}"


def thanks(definition: SurveyDefinition, language: str) -> str:
    if definition.thanks:
        return html.quote(shown(definition.thanks, language))
    return _("Thank you! Your answers are saved.")


def refusal(exc: errors.SurveyError) -> str:
    if isinstance(exc, errors.Closed):
        return _("This survey is closed. Thank you for your interest!")
    if isinstance(exc, errors.AlreadyFinished):
        return _("You have already answered this survey. Thank you!")
    if isinstance(exc, errors.Stale):
        return _("This button is from an earlier question.")
    if isinstance(exc, errors.Rejected):
        texts = {
            errors.REQUIRED: _("This question needs an answer."),
            errors.TOO_MANY: ngettext(
                "You can choose at most {limit} answer.",
                "You can choose at most {limit} answers.",
                exc.params.get("limit", 0),
            ),
            errors.NOT_A_NUMBER: _(
                "That is not a number. Please type a number from {low} to {high}."
            ),
            errors.OUT_OF_RANGE: _("Please type a number from {low} to {high}."),
            errors.TOO_LONG: ngettext(
                "That is too long. Please use at most {limit} character.",
                "That is too long. Please use at most {limit} characters.",
                exc.params.get("limit", 0),
            ),
            errors.EMPTY: _("Please type your answer."),
        }
        return texts[exc.reason].format(**exc.params)
    return _("This button no longer works. Send /start to continue.")
