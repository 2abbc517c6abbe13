"""The FAQ: members browse it (/faq, the menu button) and read entries offered before a
question is sent; staff make entries from answered questions ("Add to FAQ" on a card) and
review, write and retire them (/faq_admin). Rights are checked in bot/faq on every press."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import StorageKey
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot import keyboards
from bot.callbacks import (
    FaqAction,
    FaqAdminAction,
    FaqAdminCallback,
    FaqCallback,
    FaqFromQuestionCallback,
    FaqOfferAction,
    FaqOfferCallback,
)
from bot.config import Settings
from bot.faq import reading, service, views
from bot.faq.reading import Gone
from bot.faq.service import FaqError
from bot.filters import MenuButton, Staff
from bot.questions import rules
from bot.questions.translation import Translator
from bot.services.roles import Actor, NotAllowed
from db.engine import AsyncSession
from db.models import Member
from handlers import questions


class FaqWrite(StatesGroup):
    new = State()  # data: question_id, topic; then text (question and answer)
    edit = State()  # data: entry_id, language


def _reader(member: Member | None) -> Member | None:
    return member if member is not None and member.status in rules.MAY_ASK else None


def _gone() -> str:
    return _("This button no longer works. Send /start to continue.")


# --- members ---


async def faq_command(
    message: Message, session: AsyncSession, member: Member | None, settings: Settings
) -> None:
    reader = _reader(member)
    if reader is None:
        await message.answer(
            _("You can read the answers once you are a member. Send /start to join.")
        )
        return
    topics = await reading.topics(session, reader, settings.staff_language)
    if not topics:
        await message.answer(views.nothing_yet())
        return
    await message.answer(views.topics_text(), reply_markup=views.topics_keyboard(topics))


async def _show_entry(
    query: CallbackQuery, bot: Bot, session: AsyncSession, reader: Member, settings: Settings,
    entry_id: int,
) -> None:  # fmt: skip
    item = await reading.read(session, reader, settings.staff_language, entry_id)
    await query.answer()
    await bot.send_message(
        reader.telegram_id,
        views.entry_text(item, settings.staff_language),
        reply_markup=views.rating_keyboard(item.entry_id),
    )


async def faq_button(
    query: CallbackQuery, callback_data: FaqCallback, bot: Bot, session: AsyncSession,
    member: Member | None, settings: Settings,
) -> None:  # fmt: skip
    reader = _reader(member)
    try:
        if reader is None:
            raise Gone
        action = callback_data.action
        if action in (FaqAction.UP, FaqAction.DOWN):
            await reading.rate(
                session, reader, settings.staff_language, callback_data.entry_id, action.value
            )
            await query.answer(_("Thank you for your feedback!"))
            await keyboards.drop_buttons(query)
        elif action == FaqAction.READ:
            await _show_entry(query, bot, session, reader, settings, callback_data.entry_id)
        elif action == FaqAction.TOPIC:
            items = await reading.shown(
                session, reader, settings.staff_language, topic=callback_data.topic
            )
            if not items:
                raise Gone
            await query.answer()
            if isinstance(query.message, Message):
                await query.message.edit_text(
                    views.entries_text(callback_data.topic),
                    reply_markup=views.entries_keyboard(items),
                )
        else:
            topics = await reading.topics(session, reader, settings.staff_language)
            await query.answer()
            if isinstance(query.message, Message):
                await query.message.edit_text(
                    views.topics_text() if topics else views.nothing_yet(),
                    reply_markup=views.topics_keyboard(topics),
                )
    except Gone:
        await query.answer(_gone(), show_alert=True)


async def offer_button(
    query: CallbackQuery, callback_data: FaqOfferCallback, bot: Bot, session: AsyncSession,
    member: Member | None, settings: Settings,
) -> None:  # fmt: skip
    reader = _reader(member)
    draft = await rules.draft_of(session, reader) if reader is not None else None
    if reader is None or draft is None:
        await query.answer(_("This button is from an earlier step."), show_alert=True)
        await keyboards.drop_buttons(query)
        return
    try:
        if callback_data.action == FaqOfferAction.READ:
            offered = await reading.offered(session, reader, settings.staff_language)
            if callback_data.entry_id not in {item.entry_id for item in offered}:
                raise Gone
            await _show_entry(query, bot, session, reader, settings, callback_data.entry_id)
        elif callback_data.action == FaqOfferAction.ANSWERED:
            if not await reading.answered_by_faq(session, reader):
                raise Gone
            await query.answer()
            await keyboards.drop_buttons(query)
            await bot.send_message(
                reader.telegram_id,
                _("Good to hear! Your question was not sent. You can ask another one with /ask."),
                reply_markup=keyboards.main_menu(),
            )
        else:
            await query.answer()
            await keyboards.drop_buttons(query)
            await questions.send_question(bot, session, settings, reader, draft, check_faq=False)
    except Gone:
        await query.answer(_gone(), show_alert=True)


# --- staff ---


def _private_state(state: FSMContext, bot: Bot, user_id: int) -> FSMContext:
    """The conversation state of the staff member's private chat with the bot (a card's
    button may be pressed in the coordinators' group)."""
    key = StorageKey(bot_id=bot.id, chat_id=user_id, user_id=user_id)
    return FSMContext(storage=state.storage, key=key)


async def from_question(
    query: CallbackQuery, callback_data: FaqFromQuestionCallback, bot: Bot,
    session: AsyncSession, actor: Actor | None, settings: Settings, state: FSMContext,
) -> None:  # fmt: skip
    """ "Add to FAQ" on a card: the staff member writes the entry in their private chat."""
    try:
        if actor is None:
            raise NotAllowed
        await service.check_source(session, actor, callback_data.question_id)
        question = await rules.for_staff(session, actor, callback_data.question_id)
    except NotAllowed:
        await query.answer(_gone(), show_alert=True)
        return
    except FaqError as exc:
        await query.answer(views.error_text(exc.reason), show_alert=True)
        return
    user_id = query.from_user.id
    private = _private_state(state, bot, user_id)  # set first: they may type at once
    await private.set_state(FaqWrite.new)
    await private.set_data({"question_id": question.id, "topic": question.topic})
    try:
        await bot.send_message(
            user_id,
            _("New FAQ entry from question #{number}.").format(number=question.id) + "\n\n"
            + views.write_prompt(settings.staff_language),
        )  # fmt: skip
    except TelegramAPIError:
        await private.clear()
        await query.answer(
            _("Please start a private chat with me first, then press the button again."),
            show_alert=True,
        )
        return
    await query.answer(_("I sent you a private message."))


async def new_text(message: Message, state: FSMContext) -> None:
    try:
        service.parse(message.text)
    except FaqError as exc:
        await message.answer(views.error_text(exc.reason))
        return
    data = await state.get_data()
    await state.update_data(text=message.text)
    await message.answer(
        _("Choose the topic of the FAQ entry:"),
        reply_markup=views.creation_topics(str(data.get("topic", "other"))),
    )


async def edit_text(
    message: Message, state: FSMContext, session: AsyncSession, actor: Actor, settings: Settings
) -> None:
    data = await state.get_data()
    try:
        entry_id, language = int(data["entry_id"]), str(data["language"])
        await service.write(session, actor, entry_id, language, message.text)
        entry = await service.for_staff(session, actor, entry_id)
    except FaqError as exc:
        await message.answer(views.error_text(exc.reason))
        return
    except (NotAllowed, KeyError, ValueError):
        await state.clear()
        await message.answer(_gone())
        return
    await state.clear()
    await message.answer(
        _("Saved. Members can read this text now."),
    )
    await message.answer(
        views.language_view(entry, language, await service.reviewer_names(session, entry)),
        reply_markup=views.language_keyboard(entry, language),
    )


async def not_text(message: Message) -> None:
    await message.answer(_("Please send text, or /cancel to stop."))


async def cancel(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(_("Stopped. Nothing was changed."))


async def faq_admin(
    message: Message, session: AsyncSession, actor: Actor, settings: Settings
) -> None:
    entries = await service.listing(session, actor)
    await message.answer(
        views.list_text(entries, settings.staff_language),
        reply_markup=views.list_keyboard(entries, settings.staff_language),
    )


async def _entry_screen(
    session: AsyncSession, actor: Actor, settings: Settings, entry_id: int
) -> tuple[str, object]:
    entry, region_name = await service.with_region(session, actor, entry_id)
    return (
        views.entry_card(
            entry,
            settings.staff_language,
            region_name,
            await service.reviewer_names(session, entry),
        ),
        views.entry_keyboard(entry),
    )


async def admin_button(
    query: CallbackQuery, callback_data: FaqAdminCallback, session: AsyncSession,
    actor: Actor | None, settings: Settings, state: FSMContext,
    translator: Translator | None = None,
) -> None:  # fmt: skip
    data = callback_data
    message = query.message if isinstance(query.message, Message) else None
    try:
        if actor is None or message is None:
            raise NotAllowed
        if data.action == FaqAdminAction.TOPIC:
            await _create(query, message, data, session, actor, settings, state, translator)
            return
        if data.action == FaqAdminAction.LIST:
            entries = await service.listing(session, actor)
            text = views.list_text(entries, settings.staff_language)
            markup = views.list_keyboard(entries, settings.staff_language)
        elif data.action == FaqAdminAction.WRITE:
            await service.for_staff(session, actor, data.entry_id)
            if data.language not in views.SUPPORTED_LOCALES:
                raise NotAllowed
            await state.set_state(FaqWrite.edit)
            await state.set_data({"entry_id": data.entry_id, "language": data.language})
            await query.answer()
            await message.answer(views.write_prompt(data.language))
            return
        elif data.action in (FaqAdminAction.LANGUAGE, FaqAdminAction.REVIEW):
            if data.action == FaqAdminAction.REVIEW:
                await service.review(session, actor, data.entry_id, data.language)
            entry = await service.for_staff(session, actor, data.entry_id)
            if data.language not in views.SUPPORTED_LOCALES:
                raise NotAllowed
            names = await service.reviewer_names(session, entry)
            text = views.language_view(entry, data.language, names)
            markup = views.language_keyboard(entry, data.language)
        else:
            if data.action in (FaqAdminAction.RETIRE, FaqAdminAction.RESTORE):
                await service.retire(
                    session, actor, data.entry_id, data.action == FaqAdminAction.RETIRE
                )
            text, markup = await _entry_screen(session, actor, settings, data.entry_id)
    except NotAllowed:
        await query.answer(_gone(), show_alert=True)
        return
    except FaqError as exc:
        await query.answer(views.error_text(exc.reason), show_alert=True)
        return
    await query.answer()
    await message.edit_text(text, reply_markup=markup)  # type: ignore[arg-type]


async def _create(
    query: CallbackQuery, message: Message, data: FaqAdminCallback, session: AsyncSession,
    actor: Actor, settings: Settings, state: FSMContext, translator: Translator | None,
) -> None:  # fmt: skip
    stored = await state.get_data()
    if await state.get_state() != FaqWrite.new.state or "text" not in stored:
        raise NotAllowed
    created = await service.create(
        session, actor, int(stored["question_id"]), data.topic, str(stored["text"]),
        settings.staff_language, translator,
    )  # fmt: skip
    await state.clear()
    await query.answer()
    await message.edit_reply_markup(reply_markup=None)
    lines = [_("FAQ entry #{number} saved. Your text is reviewed.").format(number=created.entry.id)]
    if created.drafted:
        lines.append(
            ngettext(
                "A machine draft in {count} language waits for your review; "
                "members do not see it yet.",
                "Machine drafts in {count} languages wait for your review; "
                "members do not see them yet.",
                len(created.drafted),
            ).format(count=len(created.drafted))
        )
    text, markup = await _entry_screen(session, actor, settings, created.entry.id)
    await message.answer("\n".join(lines))
    await message.answer(text, reply_markup=markup)  # type: ignore[arg-type]


def create_router() -> Router:
    """This feature's handlers on a new router (one per Dispatcher)."""
    router = Router(name=__name__)
    private = Router(name=__name__ + ".private")
    private.message.filter(F.chat.type == "private")
    router.include_router(private)
    private.message.register(faq_command, Command("faq"))
    private.message.register(faq_command, MenuButton("faq"))
    private.message.register(faq_admin, Command("faq_admin"), Staff())
    private.message.register(cancel, StateFilter(FaqWrite), Command("cancel"))
    not_command = ~F.text.startswith("/")
    private.message.register(new_text, StateFilter(FaqWrite.new), Staff(), F.text, not_command)
    private.message.register(edit_text, StateFilter(FaqWrite.edit), Staff(), F.text, not_command)
    private.message.register(not_text, StateFilter(FaqWrite), Staff(), not_command)
    router.callback_query.register(faq_button, FaqCallback.filter())
    router.callback_query.register(offer_button, FaqOfferCallback.filter())
    router.callback_query.register(from_question, FaqFromQuestionCallback.filter())
    router.callback_query.register(admin_button, FaqAdminCallback.filter())
    return router
