"""Reply templates: /template_add, /templates, /save_template and /t in a question's topic,
the "Templates" button of a question card."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InaccessibleMessage, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.callbacks import TemplateAction, TemplateCallback
from bot.config import SUPPORTED_LOCALES, Settings
from bot.filters import Staff
from bot.inbox.effects import once
from bot.messenger import Messenger
from bot.questions.relay import UNTRANSLATED
from bot.questions.rules import TOPICS, QuestionError
from bot.questions.translation import Translator
from bot.services import regions
from bot.services.roles import Actor, NotAllowed
from bot.templates import sending, service
from bot.templates import views as v
from bot.templates.service import TemplateError
from db.engine import AsyncSession
from db.models import Region, ReplyTemplate
from handlers.question_inbox import WHY_NOT, topic_question


class TemplateAdd(StatesGroup):
    name = State()
    topic = State()
    text = State()


class TemplateEdit(StatesGroup):
    text = State()


def _stale() -> str:
    return _("This button no longer works. Send /start to continue.")


def _attachment(message: Message) -> tuple[str, str] | None:
    if message.photo:
        return "photo", message.photo[-1].file_id
    if message.document:
        return "document", message.document.file_id
    return None


def _drafts(template: ReplyTemplate) -> int:
    return sum(1 for row in template.texts if not row.reviewed)


async def _regions(session: AsyncSession) -> dict[int, Region]:
    return {r.id: r for r in await regions.all_regions(session)}


# --- on a question: the card's button, /t NAME, /save_template NAME ---


async def _preview_or_gone(
    session: AsyncSession, actor: Actor, settings: Settings, question_id: int, template_id: int
) -> sending.Prepared | None:
    try:
        return await sending.prepare(session, actor, settings, question_id, template_id)
    except QuestionError:
        return None


async def question_button(
    query: CallbackQuery,
    callback_data: TemplateCallback,
    session: AsyncSession,
    messenger: Messenger,
    actor: Actor | None,
    settings: Settings,
    i18n: I18n,
) -> None:
    """LIST, PICK, SEND, CANCEL on a question; rights checked again on every press."""
    message = query.message
    if message is None or isinstance(message, InaccessibleMessage):
        await query.answer(_stale(), show_alert=True)
        return
    action = callback_data.action
    try:
        if actor is None:
            raise NotAllowed
        if action == TemplateAction.CANCEL:
            await sending.choices(session, actor, callback_data.q)  # still theirs to touch
            await message.delete()
            await query.answer()
            return
        if action == TemplateAction.LIST:
            question, found = await sending.choices(session, actor, callback_data.q)
            if not found:
                await query.answer(
                    _(
                        "No templates for this topic yet. Reply /save_template NAME to one of "
                        "your answers in this topic, or use /template_add in our private chat."
                    ),
                    show_alert=True,
                )
                return
            text, markup = v.choices(question.id, found)
            await message.answer(text, reply_markup=markup)
            await query.answer()
            return
        if action == TemplateAction.PICK:
            prepared = await _preview_or_gone(
                session, actor, settings, callback_data.q, callback_data.t
            )
            if prepared is None:
                await query.answer(WHY_NOT["gone"](), show_alert=True)
                return
            text, markup = v.preview(prepared, settings.staff_language)
            await message.edit_text(text, reply_markup=markup)
            await query.answer()
            return
        # SEND
        if not await once(session, "template"):
            await query.answer()
            return
        try:
            prepared, failure = await sending.send(
                session, messenger, v.TemplateInboxViews(i18n), settings, actor,
                callback_data.q, callback_data.t,
                chat_id=message.chat.id, message_id=message.message_id,
            )  # fmt: skip
        except QuestionError:
            await query.answer(WHY_NOT["gone"](), show_alert=True)
            return
    except NotAllowed:
        await query.answer(_stale(), show_alert=True)
        return
    if failure == sending.ALREADY:
        await query.answer(_("Done."))
        return
    if failure is not None:
        await query.answer(WHY_NOT[failure](), show_alert=True)
        return
    await message.edit_text(v.sent(prepared))
    await query.answer(_("Done."))


async def use_command(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    actor: Actor | None,
    settings: Settings,
) -> None:
    """/t NAME in a question's topic: the template's preview, with Send."""
    question = await topic_question(message, session, actor)
    if question is None or actor is None:
        return
    name = (command.args or "").strip()
    if not name:
        await message.reply(_("Usage: /t NAME, in a question's topic. See /templates."))
        return
    try:
        prepared = await sending.named(session, actor, settings, question.id, name)
    except NotAllowed:
        return
    except QuestionError:
        await message.reply(WHY_NOT["gone"]())
        return
    if prepared is None:
        await message.reply(
            _("There is no template with this name for this region. See /templates.")
        )
        return
    text, markup = v.preview(prepared, settings.staff_language)
    await message.reply(text, reply_markup=markup)


async def save_command(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    actor: Actor | None,
    settings: Settings,
    translator: Translator | None = None,
) -> None:
    """/save_template NAME as a reply to one's own message in a question's topic."""
    question = await topic_question(message, session, actor)
    if question is None or actor is None or message.from_user is None:
        return
    original = message.reply_to_message
    if (
        original is None
        or original.from_user is None
        or original.from_user.id != message.from_user.id
        or original.forum_topic_created is not None
    ):
        await message.reply(_("Reply /save_template NAME to a message you wrote in this topic."))
        return
    text = original.text or original.caption or ""
    if text.startswith(("!", UNTRANSLATED)):  # a note (not sent), or sent untranslated
        text = text[1:].lstrip()
    try:
        template = await service.create(
            session, actor, region_id=question.region_id, name=command.args or "",
            topic=question.topic, text=text,
            staff_language=settings.staff_language, attachment=_attachment(original),
            translator=translator,
        )  # fmt: skip
    except TemplateError as exc:
        await message.reply(v.problem(exc.reason))
        return
    except NotAllowed:
        return
    await message.reply(v.saved(template, _drafts(template)))


# --- /templates: list, show, review, edit, delete ---


async def templates_command(
    message: Message, state: FSMContext, session: AsyncSession, actor: Actor
) -> None:
    await state.clear()
    found = await service.listing(session, actor)
    text, markup = v.listing(found, await _regions(session))
    await message.answer(text, reply_markup=markup)


async def _show(
    message: Message, template: ReplyTemplate, session: AsyncSession, actor: Actor,
    settings: Settings, *, edit: bool,
) -> None:  # fmt: skip
    text, markup = v.overview(
        template, await _regions(session), service.may_edit(actor, template),
        settings.staff_language,
    )  # fmt: skip
    if edit:
        await message.edit_text(text, reply_markup=markup)
    else:
        await message.answer(text, reply_markup=markup)


async def manage_button(
    query: CallbackQuery,
    callback_data: TemplateCallback,
    state: FSMContext,
    session: AsyncSession,
    actor: Actor | None,
    settings: Settings,
) -> None:
    """SHOW, REVIEW, EDIT, DELETE, DELETE_YES in /templates; rights checked on every press."""
    message = query.message
    if message is None or isinstance(message, InaccessibleMessage):
        await query.answer(_stale(), show_alert=True)
        return
    action, template_id = callback_data.action, callback_data.t
    try:
        if actor is None:
            raise NotAllowed
        if action == TemplateAction.SHOW:
            template = await service.get(session, actor, template_id)
        elif action == TemplateAction.REVIEW:
            template = await service.review(session, actor, template_id, callback_data.lang)
        elif action == TemplateAction.DELETE:
            template = await service.editable(session, actor, template_id)
            text, markup = v.confirm_delete(template)
            await message.edit_text(text, reply_markup=markup)
            await query.answer()
            return
        elif action == TemplateAction.DELETE_YES:
            await service.delete(session, actor, template_id)
            await message.edit_text(_("Deleted."))
            await query.answer()
            return
        else:  # EDIT
            template = await service.editable(session, actor, template_id)
            if callback_data.lang not in SUPPORTED_LOCALES:
                raise NotAllowed
            row = service.text_in(template, callback_data.lang)
            await state.set_state(TemplateEdit.text)
            await state.set_data({"t": template.id, "lang": callback_data.lang})
            await message.answer(
                v.ask_text(template.name, callback_data.lang, row.text if row else None)
            )
            await query.answer()
            return
    except NotAllowed:
        await query.answer(_stale(), show_alert=True)
        return
    await _show(message, template, session, actor, settings, edit=True)
    await query.answer()


async def edit_text(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    translator: Translator | None = None,
) -> None:
    data = await state.get_data()
    try:
        template = await service.set_text(
            session, actor, int(data.get("t", 0)), str(data.get("lang", "")),
            message.text or message.caption, staff_language=settings.staff_language,
            attachment=_attachment(message), translator=translator,
        )  # fmt: skip
    except TemplateError as exc:
        await message.answer(v.problem(exc.reason))
        return
    except NotAllowed:
        await state.clear()
        await message.answer(_stale())
        return
    await state.clear()
    await message.answer(_("Saved."))
    await _show(message, template, session, actor, settings, edit=False)


# --- /template_add ---


async def add_command(
    message: Message, state: FSMContext, session: AsyncSession, actor: Actor
) -> None:
    await state.clear()
    everything = await regions.all_regions(session)
    mine = [r for r in everything if actor.may_see_region(r.id)]
    if not actor.is_admin and len(mine) == 1:
        await _ask_name(message, state, mine[0].id)
        return
    await message.answer(
        _("For which region is the template?"),
        reply_markup=v.region_picker(mine, shared=actor.is_admin),
    )


async def _ask_name(message: Message, state: FSMContext, region_id: int) -> None:
    await state.set_state(TemplateAdd.name)
    await state.set_data({"region": region_id})
    await message.answer(
        _(
            "What is the template's name? One word, for example huisarts. You will use it "
            "as /t huisarts in a question's topic. /cancel stops."
        )
    )


async def add_region(
    query: CallbackQuery, callback_data: TemplateCallback, state: FSMContext, actor: Actor | None
) -> None:
    message = query.message
    region_id = callback_data.t
    allowed = actor is not None and (
        actor.is_admin if region_id == 0 else actor.may_see_region(region_id)
    )
    if message is None or isinstance(message, InaccessibleMessage) or not allowed:
        await query.answer(_stale(), show_alert=True)
        return
    await message.edit_reply_markup(reply_markup=None)
    await _ask_name(message, state, region_id)
    await query.answer()


async def add_name(message: Message, state: FSMContext) -> None:
    try:
        name = service.normal_name(message.text)
    except TemplateError as exc:
        await message.answer(v.problem(exc.reason))
        return
    await state.update_data(name=name)
    await state.set_state(TemplateAdd.topic)
    await message.answer(_("Which topic is it for?"), reply_markup=v.topic_picker())


async def add_topic(
    query: CallbackQuery, callback_data: TemplateCallback, state: FSMContext, settings: Settings
) -> None:
    message = query.message
    if (
        message is None
        or isinstance(message, InaccessibleMessage)
        or callback_data.lang not in TOPICS
        or await state.get_state() != TemplateAdd.topic.state
    ):
        await query.answer(_stale(), show_alert=True)
        return
    await state.update_data(topic=callback_data.lang)
    await state.set_state(TemplateAdd.text)
    await message.edit_reply_markup(reply_markup=None)
    await message.answer(v.ask_text(None, settings.staff_language))
    await query.answer()


async def add_text(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    translator: Translator | None = None,
) -> None:
    data = await state.get_data()
    region_id = int(data.get("region", 0)) or None
    try:
        template = await service.create(
            session, actor, region_id=region_id, name=str(data.get("name", "")),
            topic=str(data.get("topic", "")), text=message.text or message.caption,
            staff_language=settings.staff_language, attachment=_attachment(message),
            translator=translator,
        )  # fmt: skip
    except TemplateError as exc:
        await message.answer(v.problem(exc.reason))
        if exc.reason in ("taken", "name"):
            await state.set_state(TemplateAdd.name)
        return
    except NotAllowed:
        await state.clear()
        await message.answer(_stale())
        return
    await state.clear()
    await message.answer(v.saved(template, _drafts(template)))


async def not_content(message: Message) -> None:
    await message.answer(_("Please send a text, or a photo or document with a caption."))


async def cancel_command(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(_("Stopped. Nothing was saved."))


async def leave_flow(message: Message, state: FSMContext) -> None:
    """Another command while making or editing a template: the template is left as it was
    (said so), then the command runs. /cancel stays here; unknown commands never get here."""
    await state.clear()
    await message.answer(_("Stopped. Nothing was saved."))
    raise SkipHandler


def create_guard_router() -> Router:
    """Consulted right after the unknown-command guard: a known command typed while a
    template is being made or edited is never taken as its name or text."""
    router = Router(name=__name__ + ".guard")
    router.message.register(
        leave_flow,
        F.chat.type == "private",
        StateFilter(TemplateAdd, TemplateEdit),
        F.text.startswith("/"),
        ~Command("cancel"),
    )
    return router


def create_router() -> Router:
    """This feature's handlers on a new router (one per Dispatcher)."""
    router = Router(name=__name__)
    groups = Router(name=__name__ + ".groups")
    groups.message.filter(F.chat.type == "supergroup", F.message_thread_id)
    private = Router(name=__name__ + ".private")
    private.message.filter(F.chat.type == "private", Staff())
    router.include_routers(groups, private)
    groups.message.register(use_command, Command("t"))
    groups.message.register(save_command, Command("save_template"))
    private.message.register(templates_command, Command("templates"))
    private.message.register(add_command, Command("template_add"))
    private.message.register(
        cancel_command, StateFilter(TemplateAdd, TemplateEdit), Command("cancel")
    )
    content = F.text & ~F.text.startswith("/") | F.photo | F.document
    private.message.register(add_name, TemplateAdd.name, F.text, ~F.text.startswith("/"))
    private.message.register(add_text, TemplateAdd.text, content)
    private.message.register(edit_text, TemplateEdit.text, content)
    private.message.register(
        not_content, StateFilter(TemplateAdd.name, TemplateAdd.text, TemplateEdit.text),
        ~F.text.startswith("/"),
    )  # fmt: skip
    on_question = {TemplateAction.LIST, TemplateAction.PICK, TemplateAction.SEND,
                   TemplateAction.CANCEL}  # fmt: skip
    router.callback_query.register(
        question_button, TemplateCallback.filter(F.action.in_(on_question))
    )
    router.callback_query.register(
        add_region, F.message.chat.type == "private",
        TemplateCallback.filter(F.action == TemplateAction.REGION),
    )  # fmt: skip
    router.callback_query.register(
        add_topic, F.message.chat.type == "private",
        TemplateCallback.filter(F.action == TemplateAction.TOPIC),
    )  # fmt: skip
    router.callback_query.register(
        manage_button, F.message.chat.type == "private",
        TemplateCallback.filter(~F.action.in_(on_question | {TemplateAction.REGION,
                                                             TemplateAction.TOPIC})),
    )  # fmt: skip
    return router
