"""You said, we did, in private chats: coordinators write a survey run's findings and the
municipality's response (/findings [run]: card, writing, preview per language, drafts checked,
send), members react 👍/👎 and read /results. Every press is checked again in the service."""

from __future__ import annotations

from aiogram import F, Router, html
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n, ngettext
from aiogram.utils.i18n import gettext as _

from bot.bridge import Translation
from bot.broadcast.engine import Broadcaster
from bot.config import SUPPORTED_LOCALES, Settings
from bot.filters import Staff
from bot.findings import message as outgoing
from bot.findings import rules, service, views
from bot.findings.rules import FINDINGS, RESPONSE
from bot.findings.views import FindingCB
from bot.numbers import parse_id
from bot.questions.translation import Translator
from bot.services.roles import Actor, NotAllowed
from bot.surveys.definition import shown
from bot.surveys.report import answers
from db.base import utcnow
from db.engine import AsyncSession
from db.models import Member


class Writing(StatesGroup):
    text = State()  # data: {"run": id, "kind": "findings" | "response"}


KIND_OF = {"f": FINDINGS, "r": RESPONSE}


def _locale(i18n: I18n) -> str:
    return i18n.current_locale


def _staff_language(settings: Settings, translator: Translator | None) -> str:
    return translator.staff_language if translator is not None else settings.staff_language


def _no_run() -> str:
    return _("No such survey run in your regions. See /findings.")


async def _gone(query: CallbackQuery) -> None:
    await query.answer(_("This button no longer works. Send /start to continue."), show_alert=True)


# --- coordinators ----------------------------------------------------------------------------


def _title(found: service.Card, locale: str) -> str:
    return views.run_title(
        shown(found.definition.title, locale), found.run.id,
        found.region.name if found.region else None, found.run.due_at, locale,
    )  # fmt: skip


def _card_text(found: service.Card, locale: str) -> str:
    chosen = found.findings.get(FINDINGS)
    question = service.headline_id(found.definition, chosen.question if chosen else None)
    asked = found.definition.question(question) if question else None
    lines = [f"<b>{html.quote(_title(found, locale))}</b>", answers(found.answered, locale), ""]
    for kind in rules.KINDS:
        row = found.findings.get(kind)
        state = views.state_text(found.texts(kind), row is not None and row.sent_at is not None)
        lines.append(f"{views.kind_name(kind)}: {state}")
    if asked is not None:
        lines.append(_("Chart: {question}").format(question=html.quote(shown(asked.text, locale))))
    return "\n".join(lines)


def _card_markup(found: service.Card) -> InlineKeyboardMarkup:
    made = {k: (r.id, r.sent_at is not None) for k, r in found.findings.items() if r.texts != "{}"}
    return views.card_keyboard(
        found.run.id, made, len(service.closed_questions(found.definition)) > 1
    )


async def findings_command(
    message: Message, command: CommandObject, state: FSMContext, session: AsyncSession,
    actor: Actor, i18n: I18n,
) -> None:  # fmt: skip
    await state.clear()
    locale = _locale(i18n)
    if command.args:
        run_id = parse_id(command.args)
        try:
            if run_id is None:
                raise service.Gone
            found = await service.card(session, actor, run_id)
        except (service.Gone, NotAllowed):
            await message.answer(_no_run())
            return
        await message.answer(_card_text(found, locale), reply_markup=_card_markup(found))
        return
    cards = await service.runs(session, actor)
    if not cards:
        await message.answer(_("No survey runs in your regions yet."))
        return
    await message.answer(
        _("Tell the pool what a survey showed and what was done. Choose a survey run:"),
        reply_markup=views.runs_keyboard([(c.run.id, _title(c, locale)) for c in cards]),
    )


async def open_pressed(
    query: CallbackQuery, callback_data: FindingCB, session: AsyncSession, actor: Actor, i18n: I18n
) -> None:
    try:
        found = await service.card(session, actor, callback_data.i)
    except (service.Gone, NotAllowed):
        await _gone(query)
        return
    await query.answer()
    assert isinstance(query.message, Message)
    await query.message.answer(_card_text(found, _locale(i18n)), reply_markup=_card_markup(found))


async def write_pressed(
    query: CallbackQuery, callback_data: FindingCB, state: FSMContext, session: AsyncSession,
    actor: Actor,
) -> None:  # fmt: skip
    kind = KIND_OF.get(callback_data.k)
    try:
        found = await service.card(session, actor, callback_data.i)
        if kind is None:
            raise service.Gone
    except (service.Gone, NotAllowed):
        await _gone(query)
        return
    if kind == RESPONSE and FINDINGS not in found.findings:
        await query.answer(views.refusal("no_findings"), show_alert=True)
        return
    await query.answer()
    await state.set_state(Writing.text)
    await state.set_data({"run": found.run.id, "kind": kind})
    assert isinstance(query.message, Message)
    if kind == FINDINGS:
        prompt = _(
            "Write the findings in a few short points, in your language (characters: at most "
            "{limit}). Members read them as “You said: …”."
        )
    else:
        prompt = _(
            "Write what the municipality did or changes (characters: at most {limit}). "
            "Members read it as “We did: …”."
        )
    await query.message.answer(prompt.format(limit=rules.TEXT_LIMIT))


async def _drafts(
    translator: Translator | None, text: str, source: str
) -> dict[str, tuple[str, str]]:
    if translator is None or not translator.active:
        return {}
    targets = [code for code in SUPPORTED_LOCALES if code != source]
    found = await translator.translate_into([text], source, targets)
    return {
        code: (result[0].text, result[0].provider)
        for code, result in found.items()
        if isinstance(result[0], Translation)
    }


async def text_typed(
    message: Message, state: FSMContext, session: AsyncSession, actor: Actor,
    settings: Settings, i18n: I18n, translator: Translator | None = None,
) -> None:  # fmt: skip
    data = await state.get_data()
    if "run" not in data or data.get("kind") not in rules.KINDS:
        await state.clear()
        await message.answer(_no_run())
        return
    try:
        text = rules.check(message.text or "")
    except rules.TextProblem as exc:
        await message.answer(views.problem(exc.why))
        return
    await state.clear()
    source = _staff_language(settings, translator)
    drafts = await _drafts(translator, text, source)
    try:
        row = await service.write(
            session, actor, int(data["run"]), str(data["kind"]), source, text, drafts, utcnow()
        )
    except (service.Gone, NotAllowed):
        await message.answer(_no_run())
        return
    except service.Refused as exc:
        await message.answer(views.refusal(exc.why))
        return
    await _show_chart(message, session, i18n, await service.card(session, actor, row.run_id))
    await _preview(message, session, actor, i18n, row.id, source, new=True)


async def flow_not_text(message: Message) -> None:
    await message.answer(_("Please answer with text, or send /findings to start again."))


async def _preview(
    message: Message, session: AsyncSession, actor: Actor, i18n: I18n, finding_id: int,
    code: str | None, *, new: bool,
) -> None:  # fmt: skip
    locale = _locale(i18n)
    found, row = await service.finding(session, actor, finding_id)
    texts = found.texts(row.kind)
    code = code if code in texts else row.language
    question = service.headline_id(found.definition, row.question)
    asked = found.definition.question(question) if question else None
    head = views.preview_head(
        code, texts[code], locale, shown(asked.text, locale) if asked is not None else None
    )
    body = outgoing.body(i18n, found, row.kind, code, preview=True) or ""
    markup = views.preview_keyboard(row.id, texts, code, locale, row.sent_at is not None)
    text = f"{head}\n\n{body}"
    if new:
        await message.answer(text, reply_markup=markup)
    else:
        await message.edit_text(text, reply_markup=markup)


async def preview_pressed(
    query: CallbackQuery, callback_data: FindingCB, session: AsyncSession, actor: Actor, i18n: I18n
) -> None:
    assert isinstance(query.message, Message)
    try:
        await _preview(
            query.message, session, actor, i18n, callback_data.i, callback_data.v or None,
            new=not callback_data.v,
        )  # fmt: skip
    except (service.Gone, NotAllowed):
        await _gone(query)
        return
    await query.answer()


async def reviewed_pressed(
    query: CallbackQuery, callback_data: FindingCB, session: AsyncSession, actor: Actor, i18n: I18n
) -> None:
    try:
        row = await service.review(session, actor, callback_data.i)
    except (service.Gone, NotAllowed):
        await _gone(query)
        return
    await query.answer(_("Thank you. The machine drafts can be sent now."))
    assert isinstance(query.message, Message)
    await _preview(query.message, session, actor, i18n, row.id, row.language, new=False)


async def chart_pressed(
    query: CallbackQuery, callback_data: FindingCB, session: AsyncSession, actor: Actor, i18n: I18n
) -> None:
    try:
        await service.next_chart(session, actor, callback_data.i)
        found = await service.card(session, actor, callback_data.i)
    except (service.Gone, NotAllowed):
        await _gone(query)
        return
    except service.Refused as exc:
        await query.answer(views.refusal(exc.why), show_alert=True)
        return
    await query.answer()
    assert isinstance(query.message, Message)
    await query.message.edit_text(
        _card_text(found, _locale(i18n)), reply_markup=_card_markup(found)
    )
    await _show_chart(query.message, session, i18n, found)


async def _show_chart(
    message: Message, session: AsyncSession, i18n: I18n, found: service.Card
) -> None:
    """The chart that goes out with the findings, as the coordinator would read it."""
    said = found.findings.get(FINDINGS)
    question = said.question if said is not None else None
    result = await service.headline(session, found.run, found.definition, question)
    region = found.region.name if found.region else _("all regions")
    picture = await outgoing.chart(i18n, found, result, _locale(i18n), region)
    if picture is not None:
        await message.answer_photo(BufferedInputFile(picture, "chart.png"))


async def send_pressed(
    query: CallbackQuery, callback_data: FindingCB, session: AsyncSession, actor: Actor,
    settings: Settings, i18n: I18n, broadcaster: Broadcaster | None = None,
) -> None:  # fmt: skip
    choice = callback_data.v
    try:
        found, row = await service.finding(session, actor, callback_data.i)
        if row.sent_at is not None:
            raise service.Refused("sent")
        readers = await service.reader_languages(session, settings, actor, row.id, choice)
        result = await service.headline(session, found.run, found.definition, row.question)
        region = found.region.name if found.region else _("all regions")
        made = await outgoing.outgoing(i18n, found, row, result, readers, region)
        markup = {code: views.reaction_markup(row.id) for code in made.html}
        now = broadcaster.now() if broadcaster is not None else utcnow()
        broadcast = await service.send(
            session, settings, actor, row.id, choice, made, markup, now, _locale(i18n)
        )
    except (service.Gone, NotAllowed):
        await _gone(query)
        return
    except service.Refused as exc:
        await query.answer(views.refusal(exc.why), show_alert=True)
        return
    if broadcaster is not None:
        broadcaster.wake()
    await query.answer()
    assert isinstance(query.message, Message)
    await query.message.edit_reply_markup(reply_markup=None)
    await query.message.answer(
        ngettext(
            "On its way to {count} member, in their language, with the chart.",
            "On its way to {count} members, in their languages, with the chart.",
            broadcast.total,
        ).format(count=broadcast.total)
    )


# --- members ---------------------------------------------------------------------------------


async def reaction_pressed(
    query: CallbackQuery, callback_data: FindingCB, session: AsyncSession,
    member: Member | None = None,
) -> None:  # fmt: skip
    try:
        await service.react(session, member, callback_data.i, callback_data.v, utcnow())
    except service.Gone:
        await _gone(query)
        return
    await query.answer(_("Thank you! Your answer is saved."))


async def results_command(
    message: Message, session: AsyncSession, i18n: I18n, member: Member | None = None
) -> None:
    if member is None:
        await message.answer(_("You are not a member yet. Send /start to join."))
        return
    locale = _locale(i18n)
    found = await service.for_member(session, member)
    if not found:
        await message.answer(
            _("No results yet. When the coordinators share what a survey showed, you find it here.")
        )
        return
    heading = _("What the pool said, and what was done")
    blocks = [f"<b>{heading}</b>"]
    for past in found:
        title = shown(past.definition.title, locale)
        blocks.append(
            views.past_block(i18n, title, past.result, past.findings, past.response, locale)
        )
    for text in views.packed(blocks):
        await message.answer(text)


def create_router() -> Router:
    """This feature's handlers on a new router (one per Dispatcher)."""
    router = Router(name=__name__)
    router.message.filter(F.chat.type == "private")
    staff = Staff()
    router.message.register(findings_command, Command("findings"), staff)
    router.message.register(results_command, Command("results"))
    router.message.register(
        text_typed, StateFilter(Writing.text), staff, F.text, ~F.text.startswith("/")
    )
    router.message.register(flow_not_text, StateFilter(Writing.text), staff, ~F.text)
    router.callback_query.register(open_pressed, FindingCB.filter(F.a == "o"), staff)
    router.callback_query.register(write_pressed, FindingCB.filter(F.a == "w"), staff)
    router.callback_query.register(preview_pressed, FindingCB.filter(F.a == "p"), staff)
    router.callback_query.register(reviewed_pressed, FindingCB.filter(F.a == "a"), staff)
    router.callback_query.register(chart_pressed, FindingCB.filter(F.a == "c"), staff)
    router.callback_query.register(send_pressed, FindingCB.filter(F.a == "s"), staff)
    router.callback_query.register(reaction_pressed, FindingCB.filter(F.a == "u"))
    return router
