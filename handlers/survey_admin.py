"""Coordinators and admins: /survey_import /survey_list /survey_schedule /survey_schedules
/survey_cancel /survey_results /survey_export /survey_drafts /survey_reviewed. Rights are
checked in the services.
"""

from __future__ import annotations

from aiogram import Bot, F, Router, html
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import get_i18n, ngettext
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.config import SUPPORTED_LOCALES, Settings
from bot.filters import Staff
from bot.inbox.effects import once
from bot.numbers import parse_id
from bot.questions.translation import Translator
from bot.services import audit, regions
from bot.services.roles import Actor, NotAllowed
from bot.surveys import admin_texts, drafts, export, library, report, results, schedule
from bot.surveys.definition import shown
from bot.surveys.when import WhenError
from bot.texts import draft_problem, language_label, unreviewed
from db.base import utcnow
from db.engine import AsyncSession
from handlers import survey_reports

EXPORT = "survey_export"


class ImportFlow(StatesGroup):
    waiting_for_file = State()


class ScheduleFlow(StatesGroup):
    confirm_drafts = State()  # data: {"words": the /survey_schedule arguments}


class ScheduleAnyway(CallbackData, prefix="sdr"):
    go: bool


def _can_draft(translator: Translator | None) -> bool:
    return translator is not None and translator.active


def _locale() -> str:
    return get_i18n().current_locale


def _args(command: CommandObject) -> tuple[str | None, str | None, int | None]:
    """`<slug> [region] [v2]` -> (slug, region code, version)."""
    words = (command.args or "").split()
    versions = [n for w in words[1:] if w[:1] == "v" and (n := parse_id(w[1:])) is not None]
    others = [w for w in words[1:] if not (w[:1] == "v" and parse_id(w[1:]) is not None)]
    return (
        (words[0] if words else None),
        (others[0] if others else None),
        (versions[0] if versions else None),
    )


async def import_document(
    message: Message, bot: Bot, session: AsyncSession, actor: Actor, translator: Translator | None
) -> None:
    document = message.document
    assert document is not None
    if (document.file_size or 0) > library.MAX_FILE_BYTES:
        await message.answer(_("The file is too big (at most 256 KB)."))
        return
    try:
        data = await bot.download(document)
        text = library.decode(data.read() if data else b"")
        result = await library.import_text(session, actor, text, utcnow())
    except library.InvalidSurvey as exc:
        await message.answer(admin_texts.problems(exc.problems))
        return
    await message.answer(admin_texts.imported(result, _locale(), _can_draft(translator)))


async def import_with_caption(
    message: Message, bot: Bot, session: AsyncSession, actor: Actor,
    translator: Translator | None = None,
) -> None:  # fmt: skip
    await import_document(message, bot, session, actor, translator)


async def import_ask(message: Message, state: FSMContext) -> None:
    await state.set_state(ImportFlow.waiting_for_file)
    await message.answer(_("Send the survey file (.yaml) as a document."))


async def import_file(
    message: Message, state: FSMContext, bot: Bot, session: AsyncSession, actor: Actor,
    translator: Translator | None = None,
) -> None:  # fmt: skip
    await state.clear()
    await import_document(message, bot, session, actor, translator)


async def import_not_a_file(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(_("That is not a file. Send /survey_import to try again."))


async def survey_list(message: Message, session: AsyncSession, settings: Settings) -> None:
    surveys = await library.catalogue(session)
    if not surveys:
        await message.answer(_("No surveys yet. Import one with /survey_import."))
        return
    locale = _locale()
    lines = [_("Surveys (slug · version · questions):")]
    for survey in surveys:
        definition = library.definition_of(survey)
        title = html.quote(shown(definition.title, locale))
        lock = " 🔒" if survey.anonymous else ""
        lines.append(
            f"<code>{survey.slug}</code> · v{survey.version} · {len(definition.questions)} · {title}{lock}"
        )
    await message.answer("\n".join(lines))


async def survey_schedule(
    message: Message, command: CommandObject, state: FSMContext, session: AsyncSession,
    actor: Actor, settings: Settings,
) -> None:  # fmt: skip
    words = (command.args or "").split()
    if len(words) < 3:
        await message.answer(admin_texts.usage())
        return
    await plan_survey(message, words, state, session, actor, settings)


async def schedule_anyway(
    query: CallbackQuery, callback_data: ScheduleAnyway, state: FSMContext, session: AsyncSession,
    actor: Actor, settings: Settings,
) -> None:  # fmt: skip
    """The answer to "N languages are unreviewed machine drafts. Schedule anyway?"."""
    words = (await state.get_data()).get("words")
    await state.clear()
    await query.answer()
    assert isinstance(query.message, Message)
    await query.message.edit_reply_markup(reply_markup=None)
    if not callback_data.go or not words:
        await query.message.answer(_("Cancelled. Nothing was planned."))
        return
    await plan_survey(query.message, words, state, session, actor, settings, send_unreviewed=True)


async def plan_survey(
    message: Message, words: list[str], state: FSMContext, session: AsyncSession, actor: Actor,
    settings: Settings, send_unreviewed: bool = False,
) -> None:  # fmt: skip
    locale = _locale()
    if not await once(session, "survey_schedule"):  # handled again: planned once already
        return
    try:
        plan, run = await schedule.create(
            session, actor, settings, slug=words[0], region_code=words[1], words=words[2:],
            locale=locale, now=utcnow(), send_unreviewed=send_unreviewed,
            aliases=admin_texts.aliases(locale),
        )  # fmt: skip
    except schedule.UnknownSurvey:
        await message.answer(_("Unknown survey. See /survey_list."))
        return
    except schedule.UnknownRegion:
        await message.answer(_("Unknown region code. See /regions."))
        return
    except schedule.NoSecret:
        await message.answer(
            _(
                "This survey is anonymous, but the bot has no key for anonymous answers yet. "
                "Ask the server administrator to set SURVEY_SECRET."
            )
        )
        return
    except NotAllowed:
        await message.answer(_("You can send surveys only to your own regions."))
        return
    except WhenError as exc:
        await message.answer(admin_texts.when_error(str(exc)))
        return
    except schedule.UnreviewedDrafts as exc:
        await state.set_state(ScheduleFlow.confirm_drafts)
        await state.set_data({"words": words})
        buttons = InlineKeyboardBuilder()
        buttons.button(text=_("Schedule anyway"), callback_data=ScheduleAnyway(go=True))
        buttons.button(text=_("Cancel"), callback_data=ScheduleAnyway(go=False))
        buttons.adjust(1)
        await message.answer(
            unreviewed(exc.languages) + "\n" + _("Schedule anyway?"),
            reply_markup=buttons.as_markup(),
        )
        return
    region = await session.get(regions.Region, plan.region_id) if plan.region_id else None
    await message.answer(admin_texts.planned(plan, run, region, locale, settings.tz))


async def survey_schedules(
    message: Message, session: AsyncSession, actor: Actor, settings: Settings
) -> None:
    items = await schedule.visible(session, actor)
    await message.answer(admin_texts.listing(items, _locale(), settings.tz))


async def survey_cancel(
    message: Message, command: CommandObject, session: AsyncSession, actor: Actor
) -> None:
    number = parse_id((command.args or "").strip().lstrip("#"))
    if number is None:
        await message.answer(_("Which schedule? See the numbers in /survey_schedules."))
        return
    try:
        await schedule.cancel(session, actor, number)
    except NotAllowed:
        await message.answer(_("There is no such schedule that you can stop."))
        return
    await message.answer(
        _("Schedule #{number} stopped. Surveys already sent stay open until they close.").format(
            number=number
        )
    )


async def collect(
    message: Message, session: AsyncSession, actor: Actor, slug: str, region: str | None,
    version: int | None = None, **extra: bool,
) -> results.Results | None:  # fmt: skip
    """The results the actor may see, or None after telling them why there are none."""
    try:
        found = await results.collect(
            session, actor, slug, region_code=region, version=version, **extra
        )
    except results.NoSurvey:
        await message.answer(_("Unknown survey. See /survey_list."))
        return None
    except NotAllowed:
        await message.answer(_("You can see results only for your own regions."))
        return None
    if found.delivered == 0 and found.started == 0:
        await message.answer(_("No results in your regions yet."))
        return None
    return found


async def show_results(
    message: Message, session: AsyncSession, actor: Actor, slug: str, region: str | None,
    version: int | None = None,
) -> None:  # fmt: skip
    found = await collect(message, session, actor, slug, region, version)
    if found is None:
        return
    scope = region or (_("all regions") if actor.is_admin else _("your regions"))
    for text in report.render(found, _locale(), scope):
        await message.answer(text)
    await survey_reports.send_charts(message, session, found)


async def survey_results(
    message: Message, command: CommandObject, session: AsyncSession, actor: Actor,
    settings: Settings,
) -> None:  # fmt: skip
    slug, region, version = _args(command)
    if slug is None:
        await message.answer(_("Which survey? For example: /survey_results pulse twente"))
        return
    await show_results(message, session, actor, slug, region, version)


async def survey_export(
    message: Message, command: CommandObject, session: AsyncSession, actor: Actor
) -> None:
    slug, region, version = _args(command)
    if slug is None:
        await message.answer(_("Which survey? For example: /survey_results pulse twente"))
        return
    await send_export(message, session, actor, slug, region, version)


async def send_export(
    message: Message, session: AsyncSession, actor: Actor, slug: str, region: str | None,
    version: int | None = None,
) -> None:  # fmt: skip
    found = await collect(message, session, actor, slug, region, version, unfinished=True)
    if found is None:
        return
    names = {r.id: r.code for r in await regions.all_regions(session)}
    locale = _locale()
    files = export.export(
        found, names, lambda question, value: report.label(question, value, locale),
        # Translators: labels in the totals file of a survey export
        {"answered": _("answered"), "average": _("average")},
    )  # fmt: skip
    await audit.record(
        session, actor.telegram_id, EXPORT, slug=found.survey.slug,
        version=found.survey.version, region=region or "*", rows=files.rows,
    )  # fmt: skip
    responses_name, totals_name = files.names(found.survey.slug, found.survey.version)
    caption = ngettext(
        "{count} response. Opens in Excel (UTF-8).",
        "{count} responses. Opens in Excel (UTF-8).",
        files.rows,
    ).format(count=files.rows)
    if files.coarsened:
        caption += "\n" + ngettext(
            "{count} response is shown without language (or region), and without written "
            "answers, because fewer than 5 people are in its group.",
            "{count} responses are shown without language (or region), and without written "
            "answers, because fewer than 5 people are in their group.",
            files.coarsened,
        ).format(count=files.coarsened)
    if files.withheld:
        caption += "\n" + ngettext(
            "{count} response is left out: its group is smaller than 5, so it could point "
            "to one person.",
            "{count} responses are left out: their group is smaller than 5, so they could "
            "point to one person.",
            files.withheld,
        ).format(count=files.withheld)
    if files.unquoted:
        caption += "\n" + report.unquoted_line(files.unquoted)
    await message.answer_document(
        BufferedInputFile(files.responses, responses_name), caption=caption
    )
    await message.answer_document(BufferedInputFile(files.totals, totals_name))


def _slug(command: CommandObject) -> str | None:
    words = (command.args or "").split()
    return words[0] if words else None


async def survey_drafts(
    message: Message, command: CommandObject, session: AsyncSession, actor: Actor,
    translator: Translator | None = None,
) -> None:  # fmt: skip
    """Machine drafts for the languages the survey lacks (with a provider), then the file
    to review."""
    slug = _slug(command)
    if slug is None:
        await message.answer(_("Which survey? For example: /survey_drafts pulse"))
        return
    lines: list[str] = []
    try:
        if translator is not None and translator.active:
            made = await drafts.make(session, translator, actor, slug, utcnow())
            survey = made.survey
            if made.made:
                names = ", ".join(language_label(c) for c in made.made)
                lines.append(_("Machine drafts made for: {languages}.").format(languages=names))
            lines += [draft_problem(f.language, f.reason) for f in made.failed]
            if not made.missing:
                lines.append(_("Every text is there in every language."))
        else:
            survey = await drafts.current(session, actor, slug)
            lines.append(_("Machine translation is not set up on this bot."))
    except drafts.NoSurvey:
        await message.answer(_("Unknown survey. See /survey_list."))
        return
    await message.answer("\n".join(lines))
    definition = library.definition_of(survey)
    caption = admin_texts.drafts_status(survey.slug, definition)
    name = f"{survey.slug}-v{survey.version}.yaml"
    await message.answer_document(
        BufferedInputFile(survey.source.encode("utf-8"), name), caption=caption or None
    )


async def survey_reviewed(
    message: Message, command: CommandObject, session: AsyncSession, actor: Actor
) -> None:
    words = (command.args or "").split()
    if not words:
        await message.answer(_("Which survey? For example: /survey_reviewed pulse"))
        return
    codes = [w.lower() for w in words[1:] if w.lower() in SUPPORTED_LOCALES]
    try:
        _survey, marked = await drafts.mark_reviewed(session, actor, words[0], codes, utcnow())
    except drafts.NoSurvey:
        await message.answer(_("Unknown survey. See /survey_list."))
        return
    if not marked:
        await message.answer(_("This survey has no unreviewed machine drafts."))
        return
    names = ", ".join(language_label(c) for c in marked)
    await message.answer(_("Marked as reviewed: {languages}.").format(languages=names))


def create_router() -> Router:
    """This feature's handlers on a new router (one per Dispatcher)."""
    router = Router(name=__name__)
    router.message.filter(F.chat.type == "private", Staff())
    router.message.register(import_with_caption, Command("survey_import"), F.document)
    router.message.register(import_ask, Command("survey_import"))
    router.message.register(import_file, StateFilter(ImportFlow.waiting_for_file), F.document)
    router.message.register(
        import_not_a_file,
        StateFilter(ImportFlow.waiting_for_file),
        ~F.text.startswith("/"),
    )
    router.message.register(survey_list, Command("survey_list"))
    router.message.register(survey_schedule, Command("survey_schedule"))
    router.message.register(survey_schedules, Command("survey_schedules"))
    router.message.register(survey_cancel, Command("survey_cancel"))
    router.message.register(survey_results, Command("survey_results"))
    router.message.register(survey_export, Command("survey_export"))
    router.message.register(survey_drafts, Command("survey_drafts"))
    router.message.register(survey_reviewed, Command("survey_reviewed"))
    router.callback_query.register(
        schedule_anyway, StateFilter(ScheduleFlow.confirm_drafts), ScheduleAnyway.filter(), Staff()
    )
    return router
