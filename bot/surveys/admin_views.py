"""The coordinators' survey screens under /admin → Surveys: the list, one survey's card, and
planning it by buttons (region, then a moment). Texts in the reader's locale; the buttons
carry ids only and every press is checked again in the services."""

from __future__ import annotations

from aiogram import html
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.i18n import format_clock
from bot.surveys.callbacks import SurveyAdminAction, SurveyAdminCallback, SurveyTime
from bot.surveys.definition import shown
from bot.surveys.library import definition_of
from bot.surveys.when import PRESET_CLOCK
from db.models import Region, Survey

A = SurveyAdminAction


def _button(builder: InlineKeyboardBuilder, text: str, action: A, **data: object) -> None:
    builder.button(text=text, callback_data=SurveyAdminCallback(a=action, **data))  # type: ignore[arg-type]


def surveys_entry() -> str:
    """The label of the /admin button that opens the survey screens."""
    return "📋 " + _("Surveys")


def survey_list(surveys: list[Survey], locale: str) -> tuple[str, InlineKeyboardMarkup]:
    builder = InlineKeyboardBuilder()
    if surveys:
        text = _("Surveys. Choose one to plan it, or to see its results.")
    else:
        text = _("No surveys yet.")
    for survey in surveys:
        title = shown(definition_of(survey).title, locale)
        _button(builder, f"{title} · v{survey.version}", A.OPEN, survey=survey.id)
    _button(builder, "📥 " + _("Import a survey file"), A.IMPORT)
    builder.adjust(1)
    text += "\n" + _("You can also send a survey file (.yaml) to me as a document at any time.")
    return text, builder.as_markup()


def survey_card(survey: Survey, locale: str) -> tuple[str, InlineKeyboardMarkup]:
    definition = definition_of(survey)
    count = len(definition.questions)
    lines = [
        f"📋 <b>{html.quote(shown(definition.title, locale))}</b>",
        _("Survey {slug}, version {version}").format(
            slug=html.quote(survey.slug), version=survey.version
        ),
        ngettext("{count} question", "{count} questions", count).format(count=count),
    ]
    if survey.anonymous:
        lines.append("🔒 " + _("Anonymous: answers are not linked to members."))
    builder = InlineKeyboardBuilder()
    _button(builder, "🗓 " + _("Schedule"), A.SCHEDULE, survey=survey.id)
    _button(builder, "📊 " + _("Results"), A.RESULTS, survey=survey.id)
    _button(builder, "⬇️ " + _("Export (CSV)"), A.EXPORT, survey=survey.id)
    _button(builder, "‹ " + _("All surveys"), A.LIST)
    builder.adjust(1)
    return "\n".join(lines), builder.as_markup()


def region_choice(
    survey: Survey, choices: list[Region], everywhere: bool, locale: str
) -> tuple[str, InlineKeyboardMarkup]:
    """Which region gets the survey: the reader's own regions, or every one for admins."""
    title = html.quote(shown(definition_of(survey).title, locale))
    builder = InlineKeyboardBuilder()
    if everywhere:
        _button(builder, _("All regions"), A.REGION, survey=survey.id, region=0)
    for region in choices:
        _button(builder, region.name, A.REGION, survey=survey.id, region=region.id)
    _button(builder, "‹ " + _("Back"), A.OPEN, survey=survey.id)
    builder.adjust(1)
    return _("<b>{title}</b>: which region gets it?").format(title=title), builder.as_markup()


def time_choice(
    survey: Survey, region: Region | None, locale: str
) -> tuple[str, InlineKeyboardMarkup]:
    title = html.quote(shown(definition_of(survey).title, locale))
    where = html.quote(region.name) if region else _("all regions")
    builder = InlineKeyboardBuilder()
    clock = format_clock(PRESET_CLOCK, locale)
    moments = [
        (SurveyTime.NOW, _("Now")),
        (SurveyTime.TOMORROW, _("Tomorrow at {time}").format(time=clock)),
        (SurveyTime.MONDAY, _("Next Monday at {time}").format(time=clock)),
    ]
    region_id = region.id if region else 0
    for at, label in moments:
        _button(builder, label, A.TIME, survey=survey.id, region=region_id, at=at)
    _button(builder, "‹ " + _("Back"), A.SCHEDULE, survey=survey.id)
    builder.adjust(1)
    text = "\n".join(
        [
            _("<b>{title}</b> for {region}: when?").format(title=title, region=where),
            _(
                "It closes after 7 days; those who have not finished get a reminder after "
                "24 hours. For other times use /survey_schedule (see /help)."
            ),
        ]
    )
    return text, builder.as_markup()
