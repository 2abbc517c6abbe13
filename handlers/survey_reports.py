"""Survey results as charts and a report: the charts after /survey_results' text,
/survey_report (the PDF for the municipality) and /survey_quotes (pick the written answers
the report may quote). Rights and the small-group rule are in the services."""

from __future__ import annotations

from aiogram import F, Router, html
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
)
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.config import Settings
from bot.filters import Staff
from bot.numbers import parse_id
from bot.reports import charts, quotes, survey_report
from bot.services import regions
from bot.services.roles import Actor, NotAllowed
from bot.surveys import library
from bot.surveys.definition import shown
from bot.surveys.results import NoSurvey, Results
from db.base import utcnow
from db.engine import AsyncSession

ALBUM = 10  # Telegram's most photos in one album
MAX_CHARTS = 2 * ALBUM
QUOTE_CHARS = 160
TITLE_CHARS = 60
TEXT_LIMIT = 3800  # under Telegram's 4096 characters, with room for the HTML tags
PICKED, NOT_PICKED = "☑", "☐"


class QuotePick(CallbackData, prefix="sqp"):
    answer: int


async def send_charts(
    message: Message, session: AsyncSession, found: Results, run_id: int | None = None
) -> int:
    """One PNG per closed question and its breakdowns, in albums of up to 10; the count sent."""
    locale = get_i18n().current_locale
    names = {r.id: r.name for r in await regions.all_regions(session)}
    specs = survey_report.chart_specs(found, names, locale)
    if len(specs) > MAX_CHARTS:  # a long survey: the questions' charts only
        specs = [spec for spec in specs if spec.result is not None][:MAX_CHARTS]
    subtitle = survey_report.subtitle(found, locale, run_id)
    footnote = survey_report.footnote()
    images: list[bytes] = []
    for spec in specs:
        png = await charts.render(survey_report.draw, spec, subtitle, locale, footnote)
        if png:
            images.append(png)
    for start in range(0, len(images), ALBUM):
        chunk = images[start : start + ALBUM]
        files = [
            BufferedInputFile(png, f"chart-{start + i + 1}.png") for i, png in enumerate(chunk)
        ]
        if len(files) == 1:
            await message.answer_photo(files[0])
        else:
            await message.answer_media_group([InputMediaPhoto(media=f) for f in files])
    return len(images)


def _report_args(args: str | None) -> tuple[str | None, int | None, str | None, int | None]:
    """`<slug> [run] [region] [vN]` -> (slug, run, region, version)."""
    words = (args or "").split()
    if not words:
        return None, None, None, None
    run = region = version = None
    for word in words[1:]:
        if (number := parse_id(word.lstrip("#"))) is not None:
            run = number
        elif word[:1] == "v" and (number := parse_id(word[1:])) is not None:
            version = number
        else:
            region = word
    return words[0], run, region, version


async def survey_report_command(
    message: Message, command: CommandObject, session: AsyncSession, actor: Actor,
    settings: Settings,
) -> None:  # fmt: skip
    slug, run, region, version = _report_args(command.args)
    if slug is None:
        await message.answer(_("Which survey? For example: /survey_report pulse 12 twente"))
        return
    i18n = get_i18n()
    # The report is for the municipality: in Dutch or English, the reader's when it is one.
    locale = i18n.current_locale if i18n.current_locale in survey_report.REPORT_LOCALES else "en"
    try:
        with i18n.use_locale(locale):
            data = await survey_report.gather(
                session, actor, slug, locale=locale, tz=settings.tz, run_id=run,
                region_code=region, version=version,
            )  # fmt: skip
            from bot.reports import pdf  # reportlab: loaded when a report is asked for

            document = await charts.render(pdf.build, data) if data.asked else None
    except NoSurvey:
        await message.answer(_("Unknown survey or run. See /survey_list and /survey_schedules."))
        return
    except NotAllowed:
        await message.answer(_("You can see results only for your own regions."))
        return
    if document is None:
        await message.answer(_("No results in your regions yet."))
        return
    name = f"{data.slug}-v{data.version}" + (f"-run{run}" if run else "") + f"-{locale}.pdf"
    caption = _("Report for the municipality: {title}, {scope}.").format(
        title=html.quote(data.title), scope=html.quote(data.scope)
    )
    await message.answer_document(BufferedInputFile(document, name), caption=caption)


def _quote_markup(found: list[quotes.Quote]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for number, quote in enumerate(found, start=1):
        mark = PICKED if quote.picked else NOT_PICKED
        builder.button(text=f"{mark} {number}", callback_data=QuotePick(answer=quote.answer_id))
    builder.adjust(5)
    return builder.as_markup()


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def survey_quotes(
    message: Message, command: CommandObject, session: AsyncSession, actor: Actor
) -> None:
    slug, _run, region, version = _report_args(command.args)
    if slug is None:
        await message.answer(_("Which survey? For example: /survey_quotes pulse"))
        return
    try:
        survey, found = await quotes.quotable(
            session, actor, slug, region_code=region, version=version
        )
    except NoSurvey:
        await message.answer(_("Unknown survey. See /survey_list."))
        return
    except NotAllowed:
        await message.answer(_("You can see results only for your own regions."))
        return
    if not found:
        await message.answer(
            _("No written answers that may be quoted yet: a member must allow quotes.")
        )
        return
    head = _(
        "Written answers of members who allow quotes. Tap a number to put that answer in "
        "the report (/survey_report) or take it out:"
    )
    questions = {q.id: q for q in library.definition_of(survey).questions}
    locale = get_i18n().current_locale
    blocks: list[str] = []
    listed: list[quotes.Quote] = []
    for quote in reversed(found[-quotes.MAX_LISTED :]):  # the newest first
        asked = questions.get(quote.question)
        title = _short(shown(asked.text, locale) if asked else quote.question, TITLE_CHARS)
        block = (f"<b>{len(listed) + 1}.</b> <i>{html.quote(title)}</i>\n"
                 f"{html.quote(_short(quote.text, QUOTE_CHARS))}")  # fmt: skip
        if len(head) + sum(len(b) + 2 for b in blocks) + len(block) > TEXT_LIMIT:
            break
        blocks.append(block)
        listed.append(quote)
    lines = [head, *blocks]
    if len(found) > len(listed):
        lines.append(_("Listed here, only the newest: {count}.").format(count=len(listed)))
    await message.answer("\n\n".join(lines), reply_markup=_quote_markup(listed))


async def toggle_quote(
    query: CallbackQuery, callback_data: QuotePick, session: AsyncSession, actor: Actor
) -> None:
    try:
        picked = await quotes.toggle(session, actor, callback_data.answer, utcnow())
    except NotAllowed:
        await query.answer(
            _("This answer can no longer be quoted. Send /survey_quotes again."), show_alert=True
        )
        return
    await query.answer(_("In the report.") if picked else _("Not in the report."))
    message = query.message
    if not isinstance(message, Message) or message.reply_markup is None:
        return
    rows = []
    for row in message.reply_markup.inline_keyboard:
        buttons = []
        for button in row:
            if button.callback_data == callback_data.pack():
                number = button.text.split(" ", 1)[-1]
                button = InlineKeyboardButton(
                    text=f"{PICKED if picked else NOT_PICKED} {number}",
                    callback_data=button.callback_data,
                )
            buttons.append(button)
        rows.append(buttons)
    await message.edit_reply_markup(reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(F.chat.type == "private", Staff())
    router.message.register(survey_report_command, Command("survey_report"))
    router.message.register(survey_quotes, Command("survey_quotes"))
    router.callback_query.register(toggle_quote, QuotePick.filter(), Staff())
    return router
