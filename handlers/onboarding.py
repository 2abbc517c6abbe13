"""Onboarding: consent → region → intake → membership, resumable at every step."""

from __future__ import annotations

from typing import Any

from aiogram import Bot, F, Router, html
from aiogram.filters import CommandStart
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n, get_i18n
from aiogram.utils.i18n import gettext as _

from bot import keyboards
from bot.callbacks import ConsentCallback, LanguageCallback, QuotesCallback, RegionCallback
from bot.config import SUPPORTED_LOCALES, Settings
from bot.filters import Onboarding
from bot.i18n import language_name, language_name_in
from bot.inbox.effects import once
from bot.members.consent import needs_consent, notice_services, notice_version
from bot.notify import notify_coordinators
from bot.onboarding import intake
from bot.onboarding import service as onboarding
from bot.onboarding.service import StepError
from bot.privacy import consent as consents
from bot.services import members
from bot.services.roles import Actor
from bot.surveys import errors, present
from bot.surveys.callbacks import DONE, PICK, SKIP, TOGGLE, IntakeAnswerCallback
from bot.surveys.definition import TYPED_KINDS, SurveyDefinition, SurveyQuestion
from bot.texts import privacy_notice
from db.engine import AsyncSession
from db.models import Member, MemberStatus, Region
from handlers.common import stale_button
from handlers.selfservice import reply_unknown_command
from handlers.volunteers import offer_after_intake

# The intake is asked as a survey is, without a survey's title, "2/5", hints and Back.
INTAKE_STYLE = present.Style(numbered=False, hints=False, back=False)


def display(member: Member) -> str:
    return (
        html.quote(member.display_name)
        if member.display_name
        else _("member {number}").format(number=member.id)
    )


# The notice with its question, per settings, language, notice version and services: the
# same for every newcomer (about thirty translated pieces each time otherwise).
_NOTICES: dict[tuple[int, int, str, int, tuple[str, ...]], tuple[Settings, I18n, str]] = {}


def notice_question(settings: Settings) -> str:
    i18n = get_i18n()
    locale = i18n.current_locale
    key = (id(settings), id(i18n), locale, notice_version(), notice_services())
    found = _NOTICES.get(key)
    if found is not None and found[0] is settings and found[1] is i18n:
        return found[2]
    if len(_NOTICES) > 256:
        _NOTICES.clear()
    text = privacy_notice(settings) + "\n\n" + _("Do you agree?")
    _NOTICES[key] = (settings, i18n, text)
    return text


async def send_step(
    bot: Bot,
    session: AsyncSession,
    member: Member,
    settings: Settings,
    i18n: I18n,
    *,
    new: bool = False,
) -> None:
    """Show whatever the member has to do next; finish onboarding when nothing is left.
    `new`: the member's row was made by this update (no consent decisions yet) and marked
    as shown the notice before its INSERT."""
    chat_id = member.telegram_id
    step = member.onboarding_step
    # The notice first, also when a newer one came out while the member was signing up.
    if step == onboarding.STEP_CONSENT or needs_consent(member):
        if new:
            seen_step = 0
        else:
            seen_step = await consents.step(session, member)
            consents.mark_shown(member)
        await bot.send_message(
            chat_id,
            notice_question(settings),
            reply_markup=keyboards.consent(notice_version(), seen_step),
        )
    elif step == onboarding.STEP_QUOTES:
        await ask_quotes(bot, chat_id)
    elif step == onboarding.STEP_REGION:
        await bot.send_message(
            chat_id,
            _("Which regional pool do you want to join?"),
            reply_markup=keyboards.region_picker(
                await onboarding.active_region_names(session), version=notice_version()
            ),
        )
    elif step == onboarding.STEP_MUNICIPALITY:
        await bot.send_message(
            chat_id, _("In which municipality (gemeente) do you live? Type its name.")
        )
    elif intake.current_question(member) is not None:
        await ask_intake(bot, session, member, member.language or settings.default_locale)
    elif member.status == MemberStatus.ONBOARDING:
        await finish(bot, session, member, settings, i18n)


def quotes_question() -> str:
    return _(
        "One more choice, and it is optional: may coordinators quote your written survey "
        "answers, without your name, in reports to the municipality? You can change this "
        "at any time with /privacy."
    )


async def ask_quotes(bot: Bot, chat_id: int) -> None:
    await bot.send_message(
        chat_id, quotes_question(), reply_markup=keyboards.quotes(notice_version())
    )


def intake_buttons(question: str, action: str, option: str) -> IntakeAnswerCallback:
    return IntakeAnswerCallback(q=question, a=action, o=option)


# An intake question as sent while it has no answer: the same for every newcomer, kept per
# question, language and locale (text and buttons are otherwise built per update). In the
# intake's style neither depends on the other answers (no "2/5", no Back).
_UNANSWERED: dict[
    tuple[int, int, str, str, str], tuple[I18n, str, InlineKeyboardMarkup | None]
] = {}


def intake_question(
    definition: SurveyDefinition,
    question: SurveyQuestion,
    language: str,
    answers: dict[str, Any],
) -> tuple[str, InlineKeyboardMarkup | None]:
    i18n = get_i18n()
    key = (id(definition), id(i18n), question.id, language, i18n.current_locale)
    unanswered = answers.get(question.id) is None
    if unanswered and (found := _UNANSWERED.get(key)) is not None and found[0] is i18n:
        return found[1], found[2]
    text = present.question_text(definition, question, language, answers, INTAKE_STYLE)
    first = definition.first({})
    if first is not None and question.id == first.id:
        intro = _("A few short questions about you. You can skip every question.")
        text = intro + "\n\n" + text
    markup = present.keyboard(definition, question, language, answers, intake_buttons, INTAKE_STYLE)
    if unanswered and definition is intake.definition():
        if len(_UNANSWERED) > 1024:
            _UNANSWERED.clear()
        _UNANSWERED[key] = (i18n, text, markup)
    return text, markup


async def ask_intake(bot: Bot, session: AsyncSession, member: Member, language: str) -> None:
    answering = await intake.answering(session, member)
    definition, question, answers = answering.definition, answering.question, answering.answers
    assert question is not None
    text, markup = intake_question(definition, question, language, answers)
    await bot.send_message(member.telegram_id, text, reply_markup=markup)


def answers_in(member: Member, settings: Settings) -> str:
    """ " Coordinators answer in Dutch." (the staff language, named in the member's) when the
    member reads another language; else nothing."""
    staff, own = settings.staff_language, member.language or settings.default_locale
    if staff == own:
        return ""
    return " " + _("Coordinators answer in {language}.").format(
        language=language_name_in(staff, own)
    )


async def finish(
    bot: Bot, session: AsyncSession, member: Member, settings: Settings, i18n: I18n
) -> None:
    status = await onboarding.complete(session, member)
    region = await session.get(Region, member.region_id) if member.region_id else None
    language = answers_in(member, settings)
    if status == MemberStatus.ACTIVE and region is not None:
        await bot.send_message(
            member.telegram_id,
            _(
                "Welcome to the expert pool {region}! You will get short surveys and news "
                "from the coordinators here. Use the menu below."
            ).format(region=html.quote(region.name))
            + language,
            reply_markup=keyboards.main_menu(),
        )
        await offer_after_intake(bot, session, member, settings)
        return
    if region is not None:
        text = _(
            "Thank you! A coordinator of {region} will check your registration. "
            "You will hear from us here."
        ).format(region=html.quote(region.name))
    else:
        text = _(
            "Thank you! A coordinator will find the right pool for you. You will hear from us here."
        )
    await bot.send_message(member.telegram_id, text + language, reply_markup=keyboards.main_menu())
    await offer_after_intake(bot, session, member, settings)

    def render() -> str:
        pool = html.quote(region.name) if region else _("no pool yet")
        lines = [
            _("New member waiting for approval: {name} ({language}), pool: {pool}.").format(
                name=display(member), language=language_name(member.language or ""), pool=pool
            )
        ]
        if member.municipality_text:
            lines.append(
                _("Municipality not found: “{text}”. Please choose a pool for this member.").format(
                    text=html.quote(member.municipality_text)
                )
            )
        return "\n".join(lines)

    await notify_coordinators(
        bot=bot,
        session=session,
        settings=settings,
        i18n=i18n,
        member=member,
        region_ids=[member.region_id],
        purpose="approval",
        render=render,
        markup=(lambda: keyboards.approval(member.id)) if region else None,
    )


async def start(
    message: Message,
    bot: Bot,
    session: AsyncSession,
    member: Member | None,
    settings: Settings,
    i18n: I18n,
) -> None:
    if member is None or member.language is None:
        code = message.from_user.language_code if message.from_user else None
        text = _("Welcome! Choose your language.") + "\n" + "Kies je taal · Choose your language"
        picker = keyboards.language_picker(code)
        # Not a second picker when this update is handled again after a crash.
        if await once(session, "picker"):
            await message.answer(text, reply_markup=picker)
        return
    if not await once(session, "reply"):
        return
    if member.status == MemberStatus.ONBOARDING:
        if not onboarding.language_only(member):  # a staff member's language: joining now
            await message.answer(_("Welcome back! Let's go on where you stopped."))
        await send_step(bot, session, member, settings, i18n)
        return
    await message.answer(_("What would you like to do?"), reply_markup=keyboards.main_menu())


async def choose_language(
    query: CallbackQuery,
    callback_data: LanguageCallback,
    bot: Bot,
    session: AsyncSession,
    settings: Settings,
    i18n: I18n,
    actor: Actor | None = None,
    member: Member | None = None,
) -> None:
    staff = actor is not None and actor.is_staff
    member = await onboarding.choose_language(
        session,
        query.from_user.id,
        callback_data.code,
        staff=staff,
        known=True,
        member=member,
        flush=False,
    )
    # Someone new is shown the notice below: their row is stored with it in one INSERT, and
    # has no consent decisions to count.
    new = members.unsaved(member) and member.onboarding_step == onboarding.STEP_CONSENT
    if new:
        consents.mark_shown(member)
    await session.flush()
    with i18n.use_locale(callback_data.code):
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.edit_text(
                _("Language: {language}").format(language=language_name(callback_data.code))
            )
        if staff and onboarding.language_only(member):
            # Their replies and menus follow it; no consent, pool or intake questions.
            await bot.send_message(
                member.telegram_id, _("Done. I will talk to you in this language.")
            )
        elif member.status == MemberStatus.ONBOARDING:
            await send_step(bot, session, member, settings, i18n, new=new)
        else:
            await bot.send_message(
                member.telegram_id,
                _("Done. I will talk to you in this language."),
                reply_markup=keyboards.main_menu(),
            )


async def unknown_language(query: CallbackQuery) -> None:
    await query.answer(_("This language is not available."), show_alert=True)


async def consent(
    query: CallbackQuery,
    callback_data: ConsentCallback,
    bot: Bot,
    session: AsyncSession,
    member: Member | None,
    settings: Settings,
    i18n: I18n,
) -> None:
    """I agree / Not now, only from the buttons of the member's current step and notice."""
    if member is None:
        await stale_button(query)
        return
    data = callback_data
    try:
        if data.agree:
            ask_quotes_next = await onboarding.give_consent(
                session, member, data.version, data.step
            )
        else:
            withdrawn = await onboarding.refuse_consent(session, member, data.version, data.step)
    except StepError:
        await query.answer(
            _("This button is from an earlier step. Nothing was changed."), show_alert=True
        )
        return
    await keyboards.drop_buttons(query)
    if not data.agree:
        await query.answer()
        if withdrawn:
            text = _(
                "Okay. You have withdrawn your consent. You get no surveys or news now. "
                "We keep your data until you delete it with /delete. Send /start when you "
                "want to agree again."
            )
        else:
            text = _(
                "Okay. We saved only your language, your Telegram ID (not your phone number) "
                "and this answer, so that we can ask you again later. Nothing else. Send "
                "/start when you are ready, or /delete to remove even this."
            )
        await bot.send_message(member.telegram_id, text)
        return
    await query.answer(_("Thank you!"))
    if member.status == MemberStatus.ONBOARDING:
        await send_step(bot, session, member, settings, i18n)
        return
    await bot.send_message(member.telegram_id, _("Thank you! Your choice is saved."))
    if ask_quotes_next:
        await ask_quotes(bot, member.telegram_id)


async def quotes(
    query: CallbackQuery,
    callback_data: QuotesCallback,
    bot: Bot,
    session: AsyncSession,
    member: Member | None,
    settings: Settings,
    i18n: I18n,
) -> None:
    """Yes / No to quotes: while signing up, or later (after re-consent, or in /privacy)."""
    if member is None:
        await stale_button(query)
        return
    allow = callback_data.allow
    try:
        await onboarding.answer_quotes(session, settings, member, allow, callback_data.version)
    except StepError:
        await query.answer(
            _("This button is from an earlier step. Nothing was changed."), show_alert=True
        )
        return
    await query.answer()
    if member.status == MemberStatus.ONBOARDING:  # the choice stays under the question
        if isinstance(query.message, Message):
            await query.message.edit_text(
                quotes_question() + "\n→ " + (_("Yes") if allow else _("No"))
            )
        await send_step(bot, session, member, settings, i18n)
        return
    await keyboards.drop_buttons(query)
    if allow:
        text = _("Saved: coordinators may quote your written answers without your name.")
    else:
        text = _("Saved: coordinators will not quote your written answers.")
    await bot.send_message(member.telegram_id, text)


async def choose_region(
    query: CallbackQuery,
    callback_data: RegionCallback,
    bot: Bot,
    session: AsyncSession,
    member: Member | None,
    settings: Settings,
    i18n: I18n,
) -> None:
    if member is None or member.status != MemberStatus.ONBOARDING:
        await query.answer(_("This button is from an earlier step."), show_alert=True)
        return
    data = callback_data
    try:
        if data.region_id == 0:
            onboarding.ask_municipality(member, data.v)
            chosen = _("I don't know / other")
        else:
            region = await onboarding.choose_region(session, member, data.region_id, data.v)
            chosen = html.quote(region.name)
    except StepError:
        await query.answer(
            _("This button is from an earlier step. Nothing was changed."), show_alert=True
        )
        return
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(
            _("Which regional pool do you want to join?") + "\n→ " + chosen
        )
    await send_step(bot, session, member, settings, i18n)


async def municipality(
    message: Message,
    bot: Bot,
    session: AsyncSession,
    member: Member,
    settings: Settings,
    i18n: I18n,
) -> None:
    text = message.text or ""
    if text.startswith("/") or len(text) > 128 or not text.strip():
        await message.answer(_("Please type the name of your municipality, for example: Enschede."))
        return
    result = await onboarding.set_municipality(session, member, text)
    if result.municipality is not None and result.region is not None:
        await message.answer(
            _("{municipality} belongs to the pool {region}.").format(
                municipality=html.quote(result.municipality.name),
                region=html.quote(result.region.name),
            )
        )
    else:
        await message.answer(
            _(
                "We could not find “{name}”. A coordinator will look at it and contact you. "
                "Let's go on."
            ).format(name=html.quote(text.strip()))
        )
    await send_step(bot, session, member, settings, i18n)


async def intake_button(
    query: CallbackQuery,
    callback_data: IntakeAnswerCallback,
    bot: Bot,
    session: AsyncSession,
    member: Member | None,
    settings: Settings,
    i18n: I18n,
) -> None:
    if member is None or member.status != MemberStatus.ONBOARDING:
        await query.answer(_("This button is from an earlier step."), show_alert=True)
        return
    data, question = callback_data, intake.current_question(member)
    language = member.language or settings.default_locale
    try:
        if data.a == TOGGLE:
            selected = await intake.toggle_option(session, member, data.q, data.o)
            await query.answer()
            if isinstance(query.message, Message) and question is not None:
                await query.message.edit_reply_markup(
                    reply_markup=present.keyboard(
                        intake.definition(), question, language, {question.id: selected},
                        intake_buttons, INTAKE_STYLE,
                    )
                )  # fmt: skip
            return
        if data.a == PICK:
            answering = await intake.answer_choice(session, member, data.q, data.o)
        elif data.a == DONE:
            answering = await intake.finish_multi(session, member, data.q)
        elif data.a == SKIP:
            answering = await intake.skip_question(session, member, data.q)
        else:
            raise errors.Stale
    except errors.Rejected as exc:
        await query.answer(present.refusal(exc), show_alert=True)
        return
    except errors.Stale:
        await query.answer(_("This button is from an earlier step."), show_alert=True)
        await send_step(bot, session, member, settings, i18n)
        return
    await query.answer()
    if isinstance(query.message, Message) and question is not None:
        value = answering.answers.get(question.id)
        await query.message.edit_text(present.answered_text(question, value, language))
    await send_step(bot, session, member, settings, i18n)


async def intake_text(
    message: Message,
    bot: Bot,
    session: AsyncSession,
    member: Member,
    settings: Settings,
    i18n: I18n,
) -> None:
    question = intake.current_question(member)
    if question is None or question.kind not in TYPED_KINDS:
        await message.answer(_("Please use the buttons above, or press Skip."))
        await send_step(bot, session, member, settings, i18n)
        return
    try:
        await intake.answer_text(session, member, question.id, message.text or "")
    except errors.Rejected as exc:
        await message.answer(present.refusal(exc))
        return
    await send_step(bot, session, member, settings, i18n)


async def unexpected_during_onboarding(
    message: Message,
    bot: Bot,
    session: AsyncSession,
    member: Member,
    settings: Settings,
    i18n: I18n,
) -> None:
    """A sticker, photo or text where buttons are expected: a hint, then the question again."""
    if message.text and message.text.startswith("/"):
        return await reply_unknown_command(message)
    if member.onboarding_step == onboarding.STEP_MUNICIPALITY:
        await message.answer(_("Please type the name of your municipality, for example: Enschede."))
        return
    if consents.shown_and_waiting(member):
        # A short reminder: the notice with its buttons is just above.
        await message.answer(
            _("Please answer with the buttons under the privacy notice: “I agree” or “Not now”.")
        )
        return
    question = intake.current_question(member)
    if question is not None and question.kind in TYPED_KINDS:
        await message.answer(_("Please type a name, or press Skip."))
        return
    await message.answer(_("Please use the buttons."))
    await send_step(bot, session, member, settings, i18n)


def create_router() -> Router:
    """This feature's handlers on a new router (one per Dispatcher)."""
    router = Router(name=__name__)
    router.message.filter(F.chat.type == "private")
    router.message.register(start, CommandStart())
    router.callback_query.register(
        choose_language,
        LanguageCallback.filter(F.code.in_(SUPPORTED_LOCALES)),
    )
    router.callback_query.register(unknown_language, LanguageCallback.filter())
    router.callback_query.register(consent, ConsentCallback.filter())
    router.callback_query.register(quotes, QuotesCallback.filter())
    router.callback_query.register(choose_region, RegionCallback.filter(~F.move))
    router.message.register(
        municipality, Onboarding(onboarding.STEP_MUNICIPALITY), F.text, ~F.text.startswith("/")
    )
    router.callback_query.register(intake_button, IntakeAnswerCallback.filter())
    router.message.register(
        intake_text,
        Onboarding(intake.PREFIX),
        F.text,
        ~F.text.startswith("/"),
    )
    router.message.register(unexpected_during_onboarding, Onboarding())
    return router
