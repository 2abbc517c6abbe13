"""Members ask questions (text, voice, photo, document) and follow up on the answers."""

from __future__ import annotations

from typing import Any

from aiogram import Bot, F, Router, html
from aiogram.filters import Command, Filter
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n, ngettext
from aiogram.utils.i18n import gettext as _

from bot import keyboards
from bot.callbacks import (
    AskTopicCallback,
    DraftAction,
    DraftCallback,
    JoinQuestionCallback,
    SatisfactionCallback,
)
from bot.config import Settings
from bot.faq import reading as faq_reading
from bot.faq import views as faq_views
from bot.filters import MenuButton
from bot.inbox.effects import once
from bot.messenger import Messenger
from bot.questions import render, rules, service
from bot.questions.rules import QuestionError
from bot.questions.service import Followed
from bot.questions.translation import Translator
from db.engine import AsyncSession
from db.models import Member, Question, QuestionStatus
from handlers.selfservice import reply_unknown_command

KINDS = ("text", "voice", "photo", "document", "audio", "video", "video_note")


def message_kind(message: Message) -> str | None:
    return next((k for k in KINDS if getattr(message, k, None)), None)


def message_text(message: Message) -> str | None:
    return message.text or message.caption


def error_text(reason: str) -> str:
    return {
        "not_member": _("You can ask questions once you are a member. Send /start to join."),
        "too_many_open": ngettext(
            "You have {count} open question. Please wait for the answer first.",
            "You have {count} open questions. Please wait for the answers first.",
            rules.MAX_OPEN,
        ).format(count=rules.MAX_OPEN),
        "rate_limited": _("You asked many questions today. Please try again tomorrow."),
        "draft_full": _("This question has enough messages. Please press Send."),
        "empty": _("Please send your question first: type it, or send a voice message or photo."),
    }.get(reason, _("This button no longer works. Send /start to continue."))


class Asker(Filter):
    """A member who may ask questions."""

    async def __call__(self, event: Any, member: Member | None = None) -> bool:
        return member is not None and member.status in rules.MAY_ASK


# HasDraft's reading of the member's questions, kept in the update's session for
# offer_question: a message that reaches it passed HasDraft first (without a draft) in the same
# update, and nothing in between touches the member's questions (follow_up offers only when
# the reply belongs to no question).
_STANDING = "questions.standing"


class HasDraft(Filter):
    async def __call__(
        self, message: Message, session: AsyncSession, member: Member | None = None
    ) -> bool | dict[str, Any]:
        if member is None:
            return False
        now = await standing(session, member)
        if now.draft_id is None:
            session.info[_STANDING] = (member.id, now)
            return False
        # The draft itself only when there is one (most messages here come without).
        draft = await session.get(Question, now.draft_id)
        return {"draft": draft} if draft is not None else False


async def standing(session: AsyncSession, member: Member) -> rules.Standing:
    """The member's questions as HasDraft read them in this update, else read now."""
    kept = session.info.pop(_STANDING, None)
    if kept is not None and kept[0] == member.id:
        return kept[1]  # type: ignore[no-any-return]
    return await rules.standing(session, member)


async def ask(message: Message, member: Member | None) -> None:
    try:
        rules.require_asker(member)
    except QuestionError as exc:
        await message.answer(error_text(exc.reason))
        return
    await message.answer(_("What is your question about?"), reply_markup=render.topic_picker())


async def choose_topic(
    query: CallbackQuery,
    callback_data: AskTopicCallback,
    bot: Bot,
    session: AsyncSession,
    member: Member | None,
    settings: Settings,
) -> None:
    try:
        asker = rules.require_asker(member)
        if callback_data.offer and await rules.draft_of(session, asker) is None:
            raise QuestionError("gone")
        draft = await rules.start_draft(session, asker, callback_data.topic)
    except QuestionError as exc:
        await query.answer(error_text(exc.reason), show_alert=True)
        await keyboards.drop_buttons(query)
        return
    await query.answer()
    if callback_data.offer:
        await keyboards.drop_buttons(query)
        await send_question(bot, session, settings, asker, draft)
        return
    if isinstance(query.message, Message):
        await query.message.edit_text(
            _("Topic: {topic}.").format(topic=render.topic_label(draft.topic)) + "\n\n"
            + _("Now send your question. You can type it, or send a voice message, a photo or a document. "
                "You can send more than one message. Then press Send.")
        )  # fmt: skip


async def send_question(
    bot: Bot,
    session: AsyncSession,
    settings: Settings,
    member: Member,
    draft: Question,
    *,
    check_faq: bool = True,
) -> None:
    """Send the draft; first (`check_faq`) offer reviewed FAQ entries that may answer it
    ("No, send my question" then sends it with `check_faq` False)."""
    if check_faq and await offer_faq(bot, session, member, draft):
        return
    try:
        sent = await service.send(session, settings, member, draft)
    except QuestionError as exc:
        await bot.send_message(member.telegram_id, error_text(exc.reason))
        return
    if sent is None:
        return  # a second tap on Send: the first one is sending it
    if sent.region_name is not None:
        text = _(
            "Your question #{number} was sent to the coordinators of {region}. You will get the answer here."
        ).format(number=sent.number, region=html.quote(sent.region_name))
    else:
        text = _(
            "Your question #{number} was sent to the coordinators. You will get the answer here."
        ).format(number=sent.number)
    await bot.send_message(member.telegram_id, text, reply_markup=keyboards.main_menu())


async def offer_faq(bot: Bot, session: AsyncSession, member: Member, draft: Question) -> bool:
    """Matching reviewed entries in the member's language are offered (True); without any,
    nothing is said (False). The lookup never holds the question longer than 300 ms."""
    if draft.status != QuestionStatus.DRAFT:
        return False
    items = await faq_reading.suggest(session, member, draft)
    if not items:
        return False
    await bot.send_message(
        member.telegram_id,
        faq_views.offer_text(items),
        reply_markup=faq_views.offer_keyboard(items),
    )
    return True


async def draft_button(
    query: CallbackQuery,
    callback_data: DraftCallback,
    bot: Bot,
    session: AsyncSession,
    member: Member | None,
    settings: Settings,
) -> None:
    draft = await rules.draft_of(session, member) if member is not None else None
    if draft is None or member is None:
        await query.answer(_("This button is from an earlier step."), show_alert=True)
        return
    if callback_data.action == DraftAction.NEW:
        # A held free message becomes a new question after all: its topic first.
        try:
            await rules.check_limits(session, member, draft)
        except QuestionError as exc:
            await query.answer(error_text(exc.reason), show_alert=True)
            return
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.edit_text(
                offer_text(), reply_markup=render.topic_picker(offer=True)
            )
        return
    await keyboards.drop_buttons(query)
    await query.answer()
    if callback_data.action == DraftAction.SEND:
        await send_question(bot, session, settings, member, draft)
    else:
        await rules.cancel_draft(session, member)
        await bot.send_message(member.telegram_id, _("Okay, nothing was sent."))


async def satisfaction(
    query: CallbackQuery,
    callback_data: SatisfactionCallback,
    session: AsyncSession,
    member: Member | None,
) -> None:
    try:
        if member is None:
            raise QuestionError("gone")
        await rules.rate(session, member, callback_data.question_id, callback_data.value)
    except QuestionError:
        await query.answer(
            _("This button no longer works. Send /start to continue."), show_alert=True
        )
        return
    await query.answer(_("Thank you for your feedback!"))
    await keyboards.drop_buttons(query)


async def my_questions(
    message: Message,
    session: AsyncSession,
    member: Member | None,
    settings: Settings,
    translator: Translator | None = None,
) -> None:
    listing = (
        await service.my_questions(session, settings, member, translator)
        if member is not None
        else []
    )
    if not listing:
        await message.answer(_("You have not asked any questions yet. Ask one with /ask."))
        return
    await message.answer(render.my_questions(listing))


async def add_to_draft(message: Message, session: AsyncSession, draft: Question) -> None:
    if not await once(session, "message"):  # handled again after a crash: stored and answered
        return
    try:
        await rules.add_incoming(
            session,
            draft,
            message_kind(message) or "text",
            message_text(message),
            message.message_id,
        )
    except QuestionError as exc:
        await message.answer(error_text(exc.reason), reply_markup=render.draft_controls())
        return
    count = await rules.incoming_count(session, draft)
    await message.answer(
        _("Added ({count}). Send more, or press Send.").format(count=count),
        reply_markup=render.draft_controls(),
    )


async def follow_up(
    message: Message,
    messenger: Messenger,
    session: AsyncSession,
    member: Member,
    settings: Settings,
    i18n: I18n,
) -> None:
    assert message.reply_to_message is not None
    if not await once(session, "message"):
        return
    result = await service.follow_up(
        session, messenger, render.InboxViews(i18n), settings, member,
        reply_to=message.reply_to_message.message_id, kind=message_kind(message) or "text",
        text=message_text(message), message_id=message.message_id,
    )  # fmt: skip
    if result.outcome == Followed.NO_QUESTION:
        await offer_question(message, session, member)
    elif result.outcome == Followed.CLOSED:
        await message.answer(_("This question is closed. Ask a new question with /ask."))
    elif result.outcome == Followed.REOPENED:
        await message.answer(
            _(
                "Your question #{number} is open again. The coordinators can see your message."
            ).format(number=result.number)
        )
    else:
        await message.answer(_("Added to your question #{number}.").format(number=result.number))


def offer_text() -> str:
    return _("Do you want to send this as a question to the coordinators? Choose a topic:")


async def offer_question(message: Message, session: AsyncSession, member: Member) -> None:
    """A free message outside any flow: offer to add it to an open question of theirs, or
    to send it as a new question (nothing is ignored)."""
    kind, text = message_kind(message) or "text", message_text(message)
    # The draft, the open questions and the limits in one statement (HasDraft's).
    now = await standing(session, member)
    if now.draft_id is not None:  # a draft after all (not when HasDraft read it)
        await offer_with_draft(message, session, member, now.open_ids, kind, text)
        return
    try:
        # While questions are open the message is held even at the limits: it may join one.
        if not now.open_ids:
            now.check_limits()
    except QuestionError as exc:
        if await once(session, "message"):
            await message.answer(error_text(exc.reason))
        return
    # The held draft (two inserts, no objects) is committed with the update's record: one
    # commit before the offer is shown instead of two.
    draft_id = await rules.hold_new(session, member, kind, text, message.message_id)
    if not await once(session, "message"):  # handled before; that draft went on since
        await rules.drop_new(session, draft_id)
        return
    text, markup = offer_of(now, draft_id)
    await message.answer(text, reply_markup=markup)


async def offer_with_draft(
    message: Message,
    session: AsyncSession,
    member: Member,
    open_ids: tuple[int, ...],
    kind: str,
    text: str | None,
) -> None:
    """`offer_question` for a member who has a draft: the message joins it."""
    if not await once(session, "message"):
        return
    try:
        draft = await rules.start_draft(session, member, "other", hold=bool(open_ids))
        await rules.add_incoming(session, draft, kind, text, message.message_id)
    except QuestionError as exc:
        await message.answer(error_text(exc.reason))
        return
    answer, markup = await offer(session, member, draft)
    await message.answer(answer, reply_markup=markup)


async def offer(
    session: AsyncSession, member: Member, draft: Question
) -> tuple[str, InlineKeyboardMarkup]:
    """What to do with a held message: "Add to question #N" while questions are open (then
    "New question" if one is allowed), else the topics for a new question."""
    return offer_of(await rules.standing(session, member), draft.id)


def offer_of(now: rules.Standing, draft_id: int) -> tuple[str, InlineKeyboardMarkup]:
    """`offer` on the member's questions as `rules.standing` read them."""
    if not now.open_ids:
        return offer_text(), render.topic_picker(offer=True)
    try:
        now.check_limits(draft_id)
    except QuestionError as exc:
        text = (
            error_text(exc.reason)
            + "\n\n"
            + _("You can add this message to a question you asked before.")
        )
        return text, render.join_offer(now.open_ids, allow_new=False)
    text = _(
        "Do you want to add this to a question you asked before, or send it as a new question?"
    )
    return text, render.join_offer(now.open_ids, allow_new=True)


async def join_question(
    query: CallbackQuery,
    callback_data: JoinQuestionCallback,
    session: AsyncSession,
    member: Member | None,
) -> None:
    """ "Add to question #N": the held message joins that open question."""
    if not await once(session, "message"):  # handled again after a crash: joined already
        return
    try:
        joined = await service.join_open(
            session, rules.require_asker(member), callback_data.question_id
        )
    except QuestionError:
        await query.answer(_("This button is from an earlier step."), show_alert=True)
        draft = await rules.draft_of(session, member) if member is not None else None
        if draft is None or member is None or not isinstance(query.message, Message):
            await keyboards.drop_buttons(query)
            return
        # That question was closed meanwhile: the message is still held, with fresh choices.
        text, markup = await offer(session, member, draft)
        await query.message.edit_text(text, reply_markup=markup)
        return
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(
            _("Added to your question #{number}.").format(number=joined.number)
        )


async def unsupported(message: Message) -> None:
    if message.text and message.text.startswith("/"):
        return await reply_unknown_command(message)
    await message.answer(
        _(
            "I cannot use this kind of message. Please send text, a voice message, a photo or a document."
        )
    )


def create_router() -> Router:
    """This feature's handlers on a new router (one per Dispatcher)."""
    router = Router(name=__name__)
    router.message.filter(F.chat.type == "private")
    router.message.register(ask, MenuButton("ask"))
    router.message.register(ask, Command("ask"))
    router.callback_query.register(choose_topic, AskTopicCallback.filter())
    router.callback_query.register(draft_button, DraftCallback.filter())
    router.callback_query.register(join_question, JoinQuestionCallback.filter())
    router.callback_query.register(satisfaction, SatisfactionCallback.filter())
    router.message.register(my_questions, Command("myquestions"))
    # A command is never question content (handlers/common.py answers unknown ones first).
    not_command = ~F.text.startswith("/")
    router.message.register(add_to_draft, Asker(), not_command, HasDraft(), F.func(message_kind))
    router.message.register(
        follow_up, Asker(), not_command, F.reply_to_message, F.func(message_kind)
    )
    router.message.register(offer_question, Asker(), F.func(message_kind), not_command)
    router.message.register(unsupported, Asker())
    return router
