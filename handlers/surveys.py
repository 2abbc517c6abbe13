"""Members answering surveys: the start link, /surveys and the menu, buttons, typed answers."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject, CommandStart, Filter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, TelegramObject
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot import keyboards
from bot.config import Settings
from bot.filters import MenuButton
from bot.inbox.effects import once
from bot.numbers import parse_id
from bot.surveys import answering as engine
from bot.surveys import errors, present, responses
from bot.surveys.callbacks import BACK, DONE, PICK, SKIP, TOGGLE, SurveyAnswerCallback
from bot.surveys.callbacks import SurveyStartCallback as StartCallback
from bot.surveys.definition import TYPED_KINDS, shown
from bot.surveys.invite import START_PREFIX
from bot.surveys.library import definition_of
from bot.surveys.listing import open_for, waiting_for_text
from bot.surveys.responses import RunAnswering
from db.base import utcnow
from db.engine import AsyncSession
from db.models import Member

TYPING = "survey_typing"  # FSM data: the run whose text/number question was just shown
SURVEY_BUTTONS = tuple(
    c.__prefix__ + c.__separator__ for c in (SurveyAnswerCallback, StartCallback)
)


class ForgetTyping(BaseMiddleware):
    """Another flow started (a command, another feature's button): free text is not an answer."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        state: FSMContext | None = data.get("state")
        other = (
            isinstance(event, CallbackQuery) and not (event.data or "").startswith(SURVEY_BUTTONS)
        ) or (isinstance(event, Message) and (event.text or "").startswith("/"))
        if state is not None and other and (await state.get_data()).get(TYPING) is not None:
            await state.update_data({TYPING: None})
        return await handler(event, data)


async def show(bot: Bot, chat_id: int, answering: RunAnswering, state: FSMContext) -> None:
    """Send the current question, or the thank-you once finished.

    A text or number question marks the chat (FSM data) as waiting for typed input, so a
    free message counts as the answer only right after the question, not days later.
    """
    response, definition = answering.response, answering.definition
    question = answering.question
    typing = question is not None and question.kind in TYPED_KINDS
    await state.update_data({TYPING: answering.run.id if typing else None})
    if question is None:
        response.message_id = None
        await bot.send_message(chat_id, present.thanks(definition, response.language))
        return
    sent = await bot.send_message(
        chat_id,
        present.question_text(definition, question, response.language, answering.answers),
        reply_markup=present.keyboard(
            definition,
            question,
            response.language,
            answering.answers,
            present.run_buttons(answering.run.id),
        ),
    )
    response.message_id = sent.message_id


async def retire(bot: Bot, chat_id: int, message_id: int | None, text: str | None) -> None:
    """Take the buttons off a question message (and show the answer given, if any)."""
    if message_id is None:
        return
    with contextlib.suppress(TelegramBadRequest):
        if text is None:
            await bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id)
        else:
            await bot.edit_message_text(text=text, chat_id=chat_id, message_id=message_id)


async def open_survey(
    bot: Bot, session: AsyncSession, settings: Settings, member: Member | None, run_id: int,
    state: FSMContext,
) -> None:  # fmt: skip
    chat_id = member.telegram_id if member else None
    if not await once(session, "survey_open"):  # handled again after a crash: shown already
        return
    try:
        answering = await responses.begin(session, settings, member, run_id, utcnow())
    except errors.SurveyError as exc:
        if chat_id is not None:
            await bot.send_message(chat_id, present.refusal(exc))
        return
    assert chat_id is not None
    question = answering.question
    if question is not None and present.keyboard(
        answering.definition,
        question,
        answering.response.language,
        answering.answers,
        present.run_buttons(run_id),
    ):
        await retire(bot, chat_id, answering.response.message_id, None)  # the old copy
    await show(bot, chat_id, answering, state)


async def start_link(
    message: Message, command: CommandObject, bot: Bot, session: AsyncSession,
    settings: Settings, member: Member | None, state: FSMContext,
) -> None:  # fmt: skip
    run_id = parse_id((command.args or "").removeprefix(START_PREFIX))
    if member is None or run_id is None:
        await message.answer(_("You are not a member yet. Send /start to join."))
        return
    await open_survey(bot, session, settings, member, run_id, state)


async def list_open(
    message: Message, session: AsyncSession, settings: Settings, member: Member | None
) -> None:
    if member is None:
        await message.answer(_("You are not a member yet. Send /start to join."))
        return
    builder = InlineKeyboardBuilder()
    language = member.language or settings.default_locale
    for run, survey, response in await open_for(session, settings, member, utcnow()):
        if response is not None and response.finished:
            continue
        title = shown(definition_of(survey).title, language)
        label = (_("Continue: {title}") if response else _("Start: {title}")).format(title=title)
        builder.button(text=label, callback_data=StartCallback(run=run.id))
    if not builder.export():
        await message.answer(_("There are no open surveys for you right now. Thank you!"))
        return
    builder.adjust(1)
    await message.answer(_("Open surveys:"), reply_markup=builder.as_markup())


async def start_button(
    query: CallbackQuery, callback_data: StartCallback, bot: Bot, session: AsyncSession,
    settings: Settings, member: Member | None, state: FSMContext,
) -> None:  # fmt: skip
    await query.answer()
    await open_survey(bot, session, settings, member, callback_data.run, state)


async def answer_button(
    query: CallbackQuery, callback_data: SurveyAnswerCallback, bot: Bot, session: AsyncSession,
    settings: Settings, member: Member | None, state: FSMContext,
) -> None:  # fmt: skip
    data, now = callback_data, utcnow()
    if not await once(session, "survey_answer"):  # handled again: stored and shown already
        return
    try:
        answering = await responses.resume(session, settings, member, data.run, data.q, now)
        question = answering.question
        assert question is not None and member is not None
        if data.a == TOGGLE:
            await engine.toggle(session, answering, data.o)
            await query.answer()
            if isinstance(query.message, Message):
                await query.message.edit_reply_markup(
                    reply_markup=present.keyboard(answering.definition, question,
                                                  answering.response.language, answering.answers,
                                                  present.run_buttons(data.run))
                )  # fmt: skip
            return
        if data.a == PICK:
            await engine.choose(session, answering, data.o, now)
        elif data.a == DONE:
            await engine.done(session, answering, now)
        elif data.a == SKIP:
            await engine.skip(session, answering, now)
        elif data.a == BACK:
            await engine.back(session, answering)
        else:
            raise errors.Stale
    except errors.SurveyError as exc:
        await query.answer(present.refusal(exc), show_alert=True)
        if isinstance(exc, errors.Closed | errors.AlreadyFinished):
            with contextlib.suppress(TelegramBadRequest):
                await keyboards.drop_buttons(query)
        elif isinstance(exc, errors.Stale) and member is not None:
            await open_survey(bot, session, settings, member, data.run, state)
        return
    await query.answer()
    language = answering.response.language
    shown_text = None if data.a == BACK else present.answered_text(
        question, answering.answers.get(question.id), language
    )  # fmt: skip
    pressed = query.message.message_id if isinstance(query.message, Message) else None
    for message_id in dict.fromkeys([pressed, answering.response.message_id]):
        await retire(bot, member.telegram_id, message_id, shown_text)
    await show(bot, member.telegram_id, answering, state)


class TypedAnswer(Filter):
    """The member was just shown a text or number question that still waits for them."""

    async def __call__(
        self, message: Message, session: AsyncSession, settings: Settings,
        member: Member | None, state: FSMContext,
    ) -> bool | dict[str, Any]:  # fmt: skip
        run_id = (await state.get_data()).get(TYPING)
        if member is None or run_id is None or (message.text or "").startswith("/"):
            return False
        if run_id not in await waiting_for_text(session, settings, member, utcnow()):
            return False
        return {"survey_run": run_id}


async def typed_answer(
    message: Message, survey_run: int, bot: Bot, session: AsyncSession, settings: Settings,
    member: Member, state: FSMContext,
) -> None:  # fmt: skip
    now = utcnow()
    if not await once(session, "message"):  # handled again: used already (maybe otherwise)
        return
    try:
        answering = await responses.begin(session, settings, member, survey_run, now)
        question = answering.question
        assert question is not None
        if not message.text:
            await message.answer(_("Please type your answer."))
            return
        await engine.typed(session, answering, message.text, now)
    except errors.SurveyError as exc:
        await message.answer(present.refusal(exc))
        return
    value = answering.answers.get(question.id)
    await retire(bot, member.telegram_id, answering.response.message_id,
                 present.answered_text(question, value, answering.response.language))  # fmt: skip
    await show(bot, member.telegram_id, answering, state)


def create_router() -> Router:
    """This feature's handlers on a new router (one per Dispatcher)."""
    router = Router(name=__name__)
    router.message.filter(F.chat.type == "private")
    router.message.outer_middleware(ForgetTyping())
    router.callback_query.outer_middleware(ForgetTyping())
    router.message.register(
        start_link,
        CommandStart(deep_link=True, magic=F.args.startswith(START_PREFIX)),
    )
    router.message.register(list_open, MenuButton("surveys"))
    router.message.register(list_open, Command("surveys"))
    router.callback_query.register(start_button, StartCallback.filter())
    router.callback_query.register(answer_button, SurveyAnswerCallback.filter())
    router.message.register(typed_answer, TypedAnswer())
    return router
