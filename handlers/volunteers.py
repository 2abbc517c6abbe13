"""Volunteer translators: /volunteer, their replies and Decline, the coordinators' asks
(the card's button and /translate in reply to an answer)."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.callbacks import QuestionAction, QuestionActionCallback
from bot.config import Settings
from bot.messenger import Messenger
from bot.questions.render import InboxViews, request_withdrawn
from bot.services.roles import Actor, NotAllowed
from bot.volunteers import service, views
from bot.volunteers.service import Asked, Handed
from bot.volunteers.views import (
    VolunteerAction,
    VolunteerCallback,
    VolunteerRequestCallback,
    VolunteerViews,
)
from db.engine import AsyncSession
from db.models import Member


def _dead_button() -> str:
    return _("This button no longer works. Send /start to continue.")


def _choice_markup(
    member: Member, settings: Settings, pairs: list[tuple[str, str]]
) -> InlineKeyboardMarkup:
    language = service.first_language(member, settings)
    if language is None:
        return views.languages(settings.staff_language, pairs)
    return views.directions(language, settings.staff_language, pairs)


async def send_choice(bot: Bot, session: AsyncSession, member: Member, settings: Settings) -> None:
    pairs = await service.pairs_of(session, member)
    await bot.send_message(
        member.telegram_id,
        views.choice_text(pairs),
        reply_markup=_choice_markup(member, settings, pairs),
    )


async def offer_after_intake(
    bot: Bot, session: AsyncSession, member: Member, settings: Settings
) -> None:
    """The intake's "Would you like to help as a volunteer translator?" answered yes."""
    if service.may_volunteer(member) and await service.said_yes_in_intake(session, member):
        await send_choice(bot, session, member, settings)


async def volunteer_command(
    message: Message, bot: Bot, session: AsyncSession, member: Member | None, settings: Settings
) -> None:
    if member is None or not service.may_volunteer(member):
        await message.answer(
            _("Only members of a pool can help as volunteer translators. Send /start to join.")
        )
        return
    await send_choice(bot, session, member, settings)


async def volunteer_button(
    query: CallbackQuery,
    callback_data: VolunteerCallback,
    messenger: Messenger,
    session: AsyncSession,
    member: Member | None,
    settings: Settings,
    i18n: I18n,
) -> None:
    data, staff = callback_data, settings.staff_language
    if (
        member is None
        or not service.may_volunteer(member)
        or not isinstance(query.message, Message)
    ):
        await query.answer(_dead_button(), show_alert=True)
        return
    if data.action == VolunteerAction.TOGGLE:
        try:
            pairs = await service.toggle_pair(session, settings, member, data.lang, data.to_staff)
        except NotAllowed:
            await query.answer(_dead_button(), show_alert=True)
            return
        await query.answer()
        await query.message.edit_text(
            views.choice_text(pairs), reply_markup=views.directions(data.lang, staff, pairs)
        )
        return
    pairs = await service.pairs_of(session, member)
    if data.action == VolunteerAction.LANGUAGE:
        if not service.valid_language(data.lang, settings):
            await query.answer(_dead_button(), show_alert=True)
            return
        await query.answer()
        await query.message.edit_reply_markup(
            reply_markup=views.directions(data.lang, staff, pairs)
        )
    elif data.action == VolunteerAction.OTHER:
        await query.answer()
        await query.message.edit_reply_markup(reply_markup=views.languages(staff, pairs))
    elif data.action == VolunteerAction.DONE:
        await query.answer()
        text = (
            _("Saved. Thank you! You get a message here when someone needs a translation.")
            if pairs
            else _("You have not chosen anything. Send /volunteer when you want to help.")
        )
        await query.message.edit_text(text)
    else:
        await service.stop(
            session, messenger, VolunteerViews(i18n), InboxViews(i18n), settings, member
        )
        await query.answer()
        await query.message.edit_text(
            _(
                "You stopped helping as a volunteer translator. Thank you for your help! "
                "Send /volunteer to start again."
            )
        )


async def decline_button(
    query: CallbackQuery,
    callback_data: VolunteerRequestCallback,
    messenger: Messenger,
    session: AsyncSession,
    member: Member | None,
    settings: Settings,
    i18n: I18n,
) -> None:
    try:
        await service.decline(
            session, messenger, VolunteerViews(i18n), InboxViews(i18n), settings, member,
            callback_data.request_id,
        )  # fmt: skip
    except NotAllowed:
        await query.answer(_dead_button(), show_alert=True)
        return
    await query.answer(_("Okay. We will ask someone else."))
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)


async def volunteer_reply(
    message: Message,
    messenger: Messenger,
    session: AsyncSession,
    member: Member | None,
    settings: Settings,
    i18n: I18n,
) -> None:
    """A reply to a translation request is the translation; any other reply goes on."""
    if member is None or message.reply_to_message is None:
        raise SkipHandler
    request = await service.request_replied_to(session, member, message.reply_to_message.message_id)
    if request is None:
        raise SkipHandler
    handed = await service.hand_in(
        session, messenger, VolunteerViews(i18n), InboxViews(i18n), settings, member, request,
        message.text or "",
    )  # fmt: skip
    if handed is Handed.SENT:
        await message.reply(_("Thank you! Your translation was sent."))
    elif handed is Handed.EMPTY:
        await message.reply(_("Please reply with the translation as text."))
    elif handed is Handed.NOT_NEEDED:
        await message.reply(request_withdrawn(request.id))
    else:
        await message.reply(_("This translation request is closed already. Thank you anyway!"))


async def ask_button(
    query: CallbackQuery,
    callback_data: QuestionActionCallback,
    messenger: Messenger,
    session: AsyncSession,
    actor: Actor | None,
    settings: Settings,
    i18n: I18n,
) -> None:
    """The question card's "Ask a volunteer to translate"."""
    try:
        if actor is None:
            raise NotAllowed
        outcome = await service.ask_for_question(
            session, messenger, VolunteerViews(i18n), InboxViews(i18n), settings, actor,
            callback_data.question_id,
        )  # fmt: skip
    except NotAllowed:
        await query.answer(_dead_button(), show_alert=True)
        return
    await query.answer(views.asked_text(outcome), show_alert=outcome is not Asked.ASSIGNED)


async def translate_command(
    message: Message,
    messenger: Messenger,
    session: AsyncSession,
    actor: Actor | None,
    settings: Settings,
    i18n: I18n,
) -> None:
    """/translate in reply to an answer sent to a member: a volunteer translates it for them."""
    if actor is None or not actor.is_staff:
        await message.reply(_("Only coordinators can ask a volunteer to translate."))
        return
    reply = message.reply_to_message
    try:
        outcome = (
            await service.ask_for_answer(
                session,
                messenger,
                VolunteerViews(i18n),
                InboxViews(i18n),
                settings,
                actor,
                message.chat.id,
                reply.message_id,
            )  # fmt: skip
            if reply is not None
            else Asked.NOT_AN_ANSWER
        )
    except NotAllowed:
        outcome = Asked.NOT_AN_ANSWER
    await message.reply(views.asked_text(outcome))


def create_router() -> Router:
    """This feature's handlers on a new router (one per Dispatcher)."""
    router = Router(name=__name__)
    router.message.register(
        translate_command, Command("translate"), F.chat.type.in_({"private", "supergroup"})
    )
    router.message.register(volunteer_command, Command("volunteer"), F.chat.type == "private")
    router.message.register(
        volunteer_reply, F.chat.type == "private", F.reply_to_message, ~F.text.startswith("/")
    )
    router.callback_query.register(volunteer_button, VolunteerCallback.filter())
    router.callback_query.register(decline_button, VolunteerRequestCallback.filter())
    router.callback_query.register(
        ask_button, QuestionActionCallback.filter(F.action == QuestionAction.VOLUNTEER)
    )
    return router
