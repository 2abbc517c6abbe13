"""The coordinators' side of questions: forum topics, private fallback, card buttons."""

from __future__ import annotations

from datetime import datetime

from aiogram import Bot, F, Router, html
from aiogram.enums import ChatMemberStatus
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.callbacks import QuestionActionCallback
from bot.config import Settings
from bot.filters import Staff
from bot.inbox.effects import once
from bot.messenger import Messenger
from bot.numbers import parse_id
from bot.questions import render, rules, service
from bot.questions.rules import QuestionError
from bot.questions.translation import Translator
from bot.services import regions
from bot.services.roles import Actor, NotAllowed
from db.base import utcnow
from db.engine import AsyncSession
from db.models import Question, QuestionStatus
from handlers.questions import message_kind, message_text

WHY_NOT = {
    "blocked": lambda: _("Not delivered: the member blocked the bot."),
    "gone": lambda: _("Not delivered: the member deleted their data."),
    "failed": lambda: _("Not delivered: Telegram did not accept this message for the member."),
}


async def _answer(
    message: Message,
    question: Question,
    messenger: Messenger,
    session: AsyncSession,
    settings: Settings,
    i18n: I18n,
    translator: Translator | None = None,
) -> None:
    """Relay a coordinator's message to the member and show them the outcome."""
    if not await once(session, "answer"):  # handled again after a crash: relayed already
        return
    failure = await service.answer(
        session, messenger, render.InboxViews(i18n), settings, question,
        chat_id=message.chat.id, message_id=message.message_id,
        author_id=message.from_user.id if message.from_user else 0,
        kind=message_kind(message) or "text", text=message_text(message),
        translator=translator,
    )  # fmt: skip
    if failure is None:
        await messenger.react(message.chat.id, message.message_id, "👌")
    else:
        await message.reply(WHY_NOT[failure]())


async def region_link(
    message: Message, command: CommandObject, bot: Bot, session: AsyncSession, actor: Actor | None
) -> None:
    region = await regions.by_code(session, (command.args or "").strip())
    if actor is None or region is None or not actor.may_see_region(region.id):
        await message.reply(
            _(
                "Usage: /region_link REGION (a region code), by an admin or a coordinator of that region."
            )
        )
        return
    problems = []
    if not message.chat.is_forum:
        problems.append(_("Turn on Topics in the group settings."))
    me = await bot.get_chat_member(message.chat.id, bot.id)
    if me.status != ChatMemberStatus.ADMINISTRATOR:
        problems.append(_("Make the bot an admin of this group."))
    elif not getattr(me, "can_manage_topics", False):
        problems.append(_("Give the bot the right to manage topics."))
    if problems:
        await message.reply(_("Not linked yet:") + "\n" + "\n".join(f"• {p}" for p in problems))
        return
    region.coordinator_chat_id = message.chat.id
    await message.reply(
        _("Linked: new questions from {region} will open a topic here.").format(
            region=html.quote(region.name)
        )
    )


async def topic_question(
    message: Message, session: AsyncSession, actor: Actor | None
) -> Question | None:
    """The question whose topic a person's message is in, when they may answer it (others
    are told their message was not sent)."""
    if message.from_user is None or message.from_user.is_bot or message.message_thread_id is None:
        return None
    question = await rules.by_thread(session, message.chat.id, message.message_thread_id)
    if question is None:
        return None
    if actor is None or not actor.may_see_region(question.region_id):
        await message.reply(
            _("Only coordinators of this region can answer. Your message was not sent.")
        )
        return None
    return question


async def topic_message(
    message: Message,
    messenger: Messenger,
    session: AsyncSession,
    actor: Actor | None,
    settings: Settings,
    i18n: I18n,
    translator: Translator | None = None,
) -> None:
    question = await topic_question(message, session, actor)
    if question is None or actor is None or message.from_user is None:
        return
    text = message_text(message) or ""
    if text.startswith("!"):
        if await once(session, "note"):
            rules.add_note(
                session, question, message.chat.id, message.message_id, message.from_user.id
            )
        return
    await _answer(message, question, messenger, session, settings, i18n, translator)


async def topic_command(
    message: Message,
    bot: Bot,
    messenger: Messenger,
    session: AsyncSession,
    actor: Actor | None,
    settings: Settings,
    i18n: I18n,
) -> None:
    """A command typed in a question's topic is never relayed to the member: /close and
    /reopen act on the topic's question, anything else is explained."""
    word, _sep, args = (message.text or "").partition(" ")
    name, _at, mention = word[1:].partition("@")
    if mention and mention.lower() != ((await bot.me()).username or "").lower():
        return  # addressed to another bot in the group
    question = await topic_question(message, session, actor)
    if question is None or actor is None:
        return
    name = name.lower()
    if name not in ("close", "reopen") or args.strip():
        await message.reply(
            _(
                "Commands are not sent to the member. In a question's topic you can use "
                "/close and /reopen. To answer, write a message that does not start with “/”."
            )
            + "\n"
            + _(
                "Reply templates: /t NAME sends one to the member; reply /save_template NAME "
                "to your own message to save it as one."
            )
        )
        return
    try:
        question = await rules.for_staff(session, actor, question.id)
    except NotAllowed:
        return
    views = render.InboxViews(i18n)
    if name == "close":
        if await once(session, "close"):
            closed = await service.close(session, messenger, views, settings, actor, question)
            await message.reply(_("Closed.") if closed else _("This question was already closed."))
    elif await once(session, "reopen"):
        if await service.reopen(session, messenger, views, settings, actor, question):
            await message.reply(_("Open again."))
        else:
            await message.reply(_("This question is not closed."))


async def private_reply(
    message: Message,
    messenger: Messenger,
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    i18n: I18n,
    translator: Translator | None = None,
) -> None:
    assert message.reply_to_message is not None
    question = await rules.by_coordinator_message(
        session, message.chat.id, message.reply_to_message.message_id
    )
    if question is None:
        await message.answer(
            _("This is not a reply to a question. Use /questions to see open questions.")
        )
        return
    try:
        question = await rules.for_staff(session, actor, question.id)
    except NotAllowed:
        return
    await _answer(message, question, messenger, session, settings, i18n, translator)


async def _question_arg(
    message: Message, command: CommandObject, session: AsyncSession, actor: Actor
) -> tuple[Question, str] | None:
    text, _sep, rest = (command.args or "").strip().lstrip("#").partition(" ")
    number = parse_id(text)
    if number is None:
        await message.answer(
            _("Usage: /{command} NUMBER, for example /{command} 17.").format(
                command=command.command
            )
        )
        return None
    try:
        return await rules.for_staff(session, actor, number), rest.strip()
    except NotAllowed:
        await message.answer(_("No question with that number in your regions."))
        return None


async def reply_command(
    message: Message,
    command: CommandObject,
    bot: Bot,
    messenger: Messenger,
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    i18n: I18n,
    translator: Translator | None = None,
) -> None:
    found = await _question_arg(message, command, session, actor)
    if found is None:
        return
    question, text = found
    if not text:
        await message.answer(_("Usage: /reply NUMBER ANSWER, for example /reply 17 Yes, you can."))
        return
    try:
        await rules.member_of(session, question)
    except QuestionError:
        await message.answer(WHY_NOT["gone"]())
        return
    if not await once(session, "answer"):  # relayed by an earlier handling (see _answer)
        return
    sent = await bot.send_message(
        message.chat.id, text
    )  # a clean copy to relay, without the command
    await _answer(sent, question, messenger, session, settings, i18n, translator)


async def close_command(
    message: Message,
    command: CommandObject,
    messenger: Messenger,
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    i18n: I18n,
) -> None:
    found = await _question_arg(message, command, session, actor)
    if found is not None and await once(session, "close"):
        closed = await service.close(
            session, messenger, render.InboxViews(i18n), settings, actor, found[0]
        )
        await message.answer(_("Closed.") if closed else _("This question was already closed."))


async def reopen_command(
    message: Message,
    command: CommandObject,
    messenger: Messenger,
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    i18n: I18n,
) -> None:
    found = await _question_arg(message, command, session, actor)
    if found is None or not await once(session, "reopen"):
        return
    views = render.InboxViews(i18n)
    if await service.reopen(session, messenger, views, settings, actor, found[0]):
        await message.answer(_("Open again."))
    else:
        await message.answer(_("This question is not closed."))


def _question_line(question: Question, now: datetime) -> str:
    hours = int((now - (question.sent_at or now)).total_seconds() // 3600)
    who = _("assigned") if question.assignee_id else _("nobody assigned")
    urgent = "🔴 " if question.urgent else ""
    return (f"{urgent}#{question.id} · {html.quote(render.topic_label(question.topic))} · "
            # Translators: hours, abbreviated: '5 h'
            + _("{hours} h").format(hours=hours) + f" · {who}")  # fmt: skip


async def questions_command(message: Message, session: AsyncSession, actor: Actor) -> None:
    """New questions first (no answer yet), then the answered ones waiting for the member;
    each question once. Closed ones are not listed."""
    items = await rules.open_for_staff(session, actor)
    if not items:
        await message.answer(_("No open questions."))
        return
    now = utcnow()
    new = [q for q in items if q.status == QuestionStatus.OPEN]
    answered = [q for q in items if q.status == QuestionStatus.ANSWERED]
    blocks = []
    if new:
        blocks.append([_("New questions, oldest first:"), *(_question_line(q, now) for q in new)])
    if answered:
        blocks.append(
            [_("Answered, waiting for the member:"), *(_question_line(q, now) for q in answered)]
        )
    await message.answer("\n\n".join("\n".join(block) for block in blocks))


async def card_button(
    query: CallbackQuery,
    callback_data: QuestionActionCallback,
    messenger: Messenger,
    session: AsyncSession,
    actor: Actor | None,
    settings: Settings,
    i18n: I18n,
) -> None:
    try:
        if actor is None:
            raise NotAllowed
        if not await once(session, "card"):
            return
        await service.card_action(
            session, messenger, render.InboxViews(i18n), settings, actor,
            callback_data.question_id, callback_data.action,
        )  # fmt: skip
    except NotAllowed:
        await query.answer(
            _("This button no longer works. Send /start to continue."), show_alert=True
        )
        return
    await query.answer(_("Closed.") if callback_data.action == "close" else _("Done."))


def create_router() -> Router:
    """This feature's handlers on a new router (one per Dispatcher)."""
    router = Router(name=__name__)
    groups = Router(name=__name__ + ".groups")
    groups.message.filter(F.chat.type == "supergroup")
    private = Router(name=__name__ + ".private")
    private.message.filter(F.chat.type == "private", Staff())
    router.include_routers(groups, private)
    groups.message.register(region_link, Command("region_link"))
    groups.message.register(topic_command, F.message_thread_id, F.text.startswith("/"))
    groups.message.register(topic_message, F.message_thread_id, F.func(message_kind))
    private.message.register(private_reply, F.reply_to_message, F.func(message_kind))
    private.message.register(reply_command, Command("reply"))
    private.message.register(close_command, Command("close"))
    private.message.register(reopen_command, Command("reopen"))
    private.message.register(questions_command, Command("questions"))
    router.callback_query.register(card_button, QuestionActionCallback.filter())
    return router
