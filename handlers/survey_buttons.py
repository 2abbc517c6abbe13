"""/admin → 📋 Surveys: the whole survey cycle by buttons (import, schedule, results, export),
and a survey file sent as a document is imported. The same services as the /survey_*
commands check every press."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.config import Settings
from bot.filters import Staff
from bot.questions.translation import Translator
from bot.services import regions
from bot.services.roles import Actor
from bot.surveys import admin_views, library, when
from bot.surveys.callbacks import SurveyAdminAction, SurveyAdminCallback
from db.base import utcnow
from db.engine import AsyncSession
from db.models import Region
from handlers.survey_admin import (
    ImportFlow,
    import_document,
    plan_survey,
    send_export,
    show_results,
)

A = SurveyAdminAction
SURVEY_FILE = (".yaml", ".yml")


async def survey_list(target: Message, session: AsyncSession, locale: str) -> None:
    text, markup = admin_views.survey_list(await library.catalogue(session), locale)
    await target.answer(text, reply_markup=markup)


async def _region(session: AsyncSession, actor: Actor, region_id: int) -> Region | None:
    """The region of a press, if the presser may plan for it (0: every region, admins)."""
    region = await session.get(Region, region_id) if region_id else None
    if region_id and (region is None or not actor.may_see_region(region.id)):
        raise LookupError
    if not region_id and not actor.is_admin:
        raise LookupError
    return region


async def survey_button(
    query: CallbackQuery, callback_data: SurveyAdminCallback, state: FSMContext, bot: Bot,
    session: AsyncSession, actor: Actor, settings: Settings, i18n: I18n,
) -> None:  # fmt: skip
    await query.answer()
    message = query.message
    if not isinstance(message, Message):
        return
    data, locale = callback_data, i18n.current_locale
    if data.a == A.LIST:
        await survey_list(message, session, locale)
        return
    if data.a == A.IMPORT:
        await state.set_state(ImportFlow.waiting_for_file)
        await message.answer(_("Send the survey file (.yaml) as a document."))
        return
    survey = await library.by_id(session, data.survey) if data.survey else None
    if survey is None:
        await message.answer(_("Unknown survey. See /survey_list."))
        return
    if data.a == A.OPEN:
        text, markup = admin_views.survey_card(survey, locale)
        await message.answer(text, reply_markup=markup)
    elif data.a == A.SCHEDULE:
        own = [r for r in await regions.all_regions(session) if actor.may_see_region(r.id)]
        text, markup = admin_views.region_choice(survey, own, actor.is_admin, locale)
        await message.answer(text, reply_markup=markup)
    elif data.a in (A.REGION, A.TIME):
        try:
            region = await _region(session, actor, data.region)
        except LookupError:
            await message.answer(_("You can send surveys only to your own regions."))
            return
        if data.a == A.REGION or not data.at:
            text, markup = admin_views.time_choice(survey, region, locale)
            await message.answer(text, reply_markup=markup)
            return
        await message.edit_reply_markup(reply_markup=None)
        moment = when.preset(data.at, utcnow(), settings.tz)
        words = [survey.slug, region.code if region else "all", *moment]
        await plan_survey(message, words, state, session, actor, settings)
    elif data.a == A.RESULTS:
        await show_results(message, session, actor, survey.slug, None)
    elif data.a == A.EXPORT:
        await send_export(message, session, actor, survey.slug, None)


async def survey_file(
    message: Message, bot: Bot, session: AsyncSession, actor: Actor,
    translator: Translator | None = None,
) -> None:  # fmt: skip
    """A survey file sent by staff without a command: import it."""
    await import_document(message, bot, session, actor, translator)


def _is_survey_file(message: Message) -> bool:
    name = (message.document.file_name or "").lower() if message.document else ""
    return name.endswith(SURVEY_FILE)


def create_router() -> Router:
    """This feature's handlers on a new router (one per Dispatcher)."""
    router = Router(name=__name__)
    router.message.filter(F.chat.type == "private", Staff())
    router.callback_query.filter(Staff())
    router.callback_query.register(survey_button, SurveyAdminCallback.filter())
    router.message.register(survey_file, F.document, F.func(_is_survey_file), ~F.caption)
    return router
