"""The member's own controls: /help /language /region /privacy /mydata /delete /pause /resume."""

from __future__ import annotations

import json

from aiogram import Bot, F, Router, html
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import I18n, get_i18n, ngettext
from aiogram.utils.i18n import gettext as _

from bot import keyboards
from bot.callbacks import PrivacyCallback, RegionCallback
from bot.config import Settings
from bot.filters import MenuButton
from bot.i18n import format_day, language_name
from bot.members.consent import consent_is_current, needs_consent, notice_version
from bot.messenger import Messenger
from bot.notify import notify_coordinators
from bot.onboarding import service as onboarding
from bot.periods import my_data_lines
from bot.privacy import consent
from bot.privacy import service as privacy
from bot.questions.render import InboxViews
from bot.services import members
from bot.services.members import MembershipError
from bot.texts import privacy_notice, status_label
from db.engine import AsyncSession
from db.models import Member, MemberStatus, Region


def help_text() -> str:
    return "\n".join(
        [
            _("What I can do:"),
            _("/start – start or go back to the menu"),
            _("/ask – ask the coordinators a question"),
            _("/myquestions – your questions and the answers"),
            _("/language – choose your language"),
            _("/region – move to another regional pool"),
            _("/privacy – what we store and why"),
            _("/mydata – see all your data"),
            _("/delete – delete all your data"),
            _("/pause – no surveys or news for a while"),
            _("/resume – get surveys and news again"),
            _("/results – survey results and what was done"),
            _("/help – this list"),
        ]
    )


async def reply_unknown_command(message: Message) -> None:
    """The one answer to any command this person may not use: no hint that it exists."""
    await message.answer(_("Sorry, I don't know that command.") + "\n\n" + help_text())


async def _not_member(message: Message) -> None:
    await message.answer(_("You are not a member yet. Send /start to join."))


async def help_command(message: Message) -> None:
    await message.answer(help_text())


async def language(message: Message) -> None:
    code = message.from_user.language_code if message.from_user else None
    await message.answer(_("Choose your language."), reply_markup=keyboards.language_picker(code))


async def privacy_command(
    message: Message, session: AsyncSession, member: Member | None, settings: Settings
) -> None:
    """The notice; with its consent buttons while the member's answer is due."""
    if member is not None and needs_consent(member) and member.language is not None:
        step = await consent.step(session, member)
        consent.mark_shown(member)
        markup = keyboards.consent(notice_version(), step)
    else:
        markup = keyboards.privacy_menu(member, notice_version())
    await message.answer(privacy_notice(settings), reply_markup=markup)


async def my_pool(
    message: Message, session: AsyncSession, member: Member | None, settings: Settings
) -> None:
    if member is None:
        return await _not_member(message)
    region = await session.get(Region, member.region_id) if member.region_id else None
    lines = [
        _("Your pool: {region}").format(
            region=html.quote(region.name) if region else _("no pool yet")
        ),
        _("Status: {status}").format(status=status_label(member.status)),
    ]
    if member.joined_at:
        lines.append(
            _("Member since: {date}").format(
                date=format_day(member.joined_at, get_i18n().current_locale, settings.tz)
            )
        )
    lines.append(_("Move to another pool with /region."))
    await message.answer("\n".join(lines))


async def region_command(message: Message, session: AsyncSession, member: Member | None) -> None:
    if member is None or member.status not in members.MOVABLE:
        return await _not_member(message)
    others = [r for r in await onboarding.active_regions(session) if r.id != member.region_id]
    await message.answer(
        _("Which pool do you want to move to?"),
        reply_markup=keyboards.regions(others, move=True, other=False),
    )


async def move_region(
    query: CallbackQuery,
    callback_data: RegionCallback,
    bot: Bot,
    session: AsyncSession,
    member: Member | None,
    settings: Settings,
    i18n: I18n,
) -> None:
    if member is None:
        await query.answer(
            _("This button no longer works. Send /start to continue."), show_alert=True
        )
        return
    try:
        old, new = await members.move_region(session, member, callback_data.region_id)
    except MembershipError:
        await query.answer(
            _("This button no longer works. Send /start to continue."), show_alert=True
        )
        return
    await query.answer()
    await keyboards.drop_buttons(query)
    if member.status == MemberStatus.PENDING:
        text = _("A coordinator of {region} will check your move. You will hear from us here.")
    else:
        text = _("You are now in the pool {region}.")
    await bot.send_message(member.telegram_id, text.format(region=html.quote(new.name)))

    def render() -> str:
        return _("A member moved from {old} to {new}: {name}.").format(
            old=html.quote(old.name) if old else "–",
            new=html.quote(new.name),
            name=html.quote(member.display_name) if member.display_name else f"#{member.id}",
        )

    await notify_coordinators(
        bot=bot, session=session, settings=settings, i18n=i18n, member=member,
        region_ids=[old.id if old else None, new.id], purpose="region_move", render=render,
        markup=(lambda: keyboards.approval(member.id)) if member.status == MemberStatus.PENDING else None,
    )  # fmt: skip


async def send_my_data(bot: Bot, session: AsyncSession, member: Member, settings: Settings) -> None:
    data = await privacy.export(session, member, settings)
    info = data["member"]
    lines = [
        _("This is everything we store about you:"),
        _("Language: {language}").format(language=language_name(info["language"] or "")),
        _("Status: {status}").format(status=status_label(info["status"])),
        _("Pool: {region}").format(region=html.quote(info["region"] or "–")),
        _("Municipality: {municipality}").format(
            municipality=html.quote(info["municipality"] or "–")
        ),
        _("Name for the coordinators: {name}").format(name=html.quote(info["display_name"] or "–")),
        _("Intake answers: {count}").format(count=len(data["profile"])),
        _("Consent to the privacy notice: yes (version {version})").format(
            version=member.consent_version
        )
        if consent_is_current(member.consent_version)
        else _("Consent to the privacy notice: no"),
        _("Coordinators may quote your written answers: yes")
        if member.quote_consent_version
        else _("Coordinators may quote your written answers: no"),
        ngettext(
            "{count} consent decision is stored.",
            "{count} consent decisions are stored.",
            len(data["consents"]),
        ).format(count=len(data["consents"])),
        ngettext(
            "{count} message about you was posted in the coordinators' chats (question "
            "cards, copies of your messages, notices).",
            "{count} messages about you were posted in the coordinators' chats (question "
            "cards, copies of your messages, notices).",
            len(data["messages_about_you_in_coordinator_chats"]),
        ).format(count=len(data["messages_about_you_in_coordinator_chats"])),
        _("Times coordinators looked at or changed your data: {count}").format(
            count=len(data["staff_access_to_your_data"])
        ),
        ngettext(
            "{count} machine translation of your texts is stored.",
            "{count} machine translations of your texts are stored.",
            len(data["machine_translations"]),
        ).format(count=len(data["machine_translations"])),
    ]
    if meetings := data["meetings"]:
        lines.append(
            ngettext(
                "Your answers to meetings (with needs and attendance): {count}",
                "Your answers to meetings (with needs and attendance): {count}",
                len(meetings),
            ).format(count=len(meetings))
        )
    if sent := len(data["texts_sent_to_a_volunteer_translator"]):
        lines.append(_("Your texts sent to a volunteer translator: {count}").format(count=sent))
    if helper := data["you_as_volunteer_translator"]:
        lines.append(
            _("You help as a volunteer translator: {pairs}").format(
                pairs=", ".join(helper["pairs"]) or "–"
            )
        )
        lines.append(
            _("Texts you translated as a volunteer: {count}").format(
                count=len(helper["translated"])
            )
        )
    i18n = get_i18n()
    lines += ["", *my_data_lines(i18n, settings, i18n.current_locale)]
    lines += ["", _("The file below has all of it. Delete everything with /delete.")]
    await bot.send_message(
        member.telegram_id,
        "\n".join(lines),
        reply_markup=keyboards.quotes_toggle(member, notice_version()),
    )
    document = json.dumps(data, ensure_ascii=False, indent=2).encode()
    await bot.send_document(
        member.telegram_id,
        BufferedInputFile(document, filename="my-data.json"),
        caption=_("All your data (JSON)"),
    )


async def mydata(
    message: Message, bot: Bot, session: AsyncSession, member: Member | None, settings: Settings
) -> None:
    if member is None:
        await message.answer(_("We store nothing about you."))
        return
    await send_my_data(bot, session, member, settings)


async def delete(message: Message, member: Member | None) -> None:
    if member is None:
        await message.answer(_("We store nothing about you."))
        return
    await message.answer(
        _("Do you really want to delete all your data? You leave the pool. This cannot be undone."),
        reply_markup=keyboards.confirm_delete(),
    )


async def erase(
    bot: Bot, messenger: Messenger, session: AsyncSession, member: Member, settings: Settings
) -> None:
    chat_id = member.telegram_id
    forgotten = await privacy.forget(
        session, messenger, member, settings, blank_text=_("Removed at the member's request."),
        withdrawn_text=InboxViews(get_i18n()).request_withdrawn,
    )  # fmt: skip
    lines = [
        _(
            "Done. We deleted everything we stored about you: your profile, your answers, "
            "your questions and your consents."
        ),
    ]
    if forgotten.total:
        lines.append(
            ngettext(
                "We removed {removed} of {total} message about you in the coordinators' chats.",
                "We removed {removed} of {total} messages about you in the coordinators' chats.",
                forgotten.total,
            ).format(removed=forgotten.removed, total=forgotten.total)
        )
    if left := forgotten.total - forgotten.removed:
        lines.append(
            ngettext(
                "Telegram did not let us remove {count} message. It stays in the "
                "coordinators' chat.",
                "Telegram did not let us remove {count} messages. They stay in the "
                "coordinators' chats.",
                left,
            ).format(count=left)
        )
    if forgotten.kept_surveys:
        lines.append(
            ngettext(
                "We kept the button answers of {count} finished survey, without anything "
                "that links them to you, so that the totals stay right.",
                "We kept the button answers of {count} finished surveys, without anything "
                "that links them to you, so that the totals stay right.",
                forgotten.kept_surveys,
            ).format(count=forgotten.kept_surveys)
        )
    lines.append(_("If you send /start again, you start as a new member."))
    await bot.send_message(chat_id, "\n".join(lines), reply_markup=keyboards.remove_keyboard())


async def _pause(bot: Bot, session: AsyncSession, member: Member) -> None:
    try:
        await members.pause(session, member)
    except MembershipError:
        await bot.send_message(
            member.telegram_id, _("You are not an active member, so there is nothing to pause.")
        )
        return
    await bot.send_message(
        member.telegram_id, _("Paused. You will get no surveys or news until you send /resume.")
    )


async def _resume(bot: Bot, session: AsyncSession, member: Member) -> None:
    try:
        await members.resume(session, member)
    except MembershipError:
        await bot.send_message(member.telegram_id, _("Your messages are not paused."))
        return
    await bot.send_message(
        member.telegram_id, _("Welcome back! You will get surveys and news again.")
    )


async def pause(message: Message, bot: Bot, session: AsyncSession, member: Member | None) -> None:
    if member is None:
        return await _not_member(message)
    await _pause(bot, session, member)


async def resume(message: Message, bot: Bot, session: AsyncSession, member: Member | None) -> None:
    if member is None:
        return await _not_member(message)
    await _resume(bot, session, member)


async def privacy_button(
    query: CallbackQuery,
    callback_data: PrivacyCallback,
    bot: Bot,
    messenger: Messenger,
    session: AsyncSession,
    member: Member | None,
    settings: Settings,
) -> None:
    if member is None:
        await query.answer(_("We store nothing about you."), show_alert=True)
        return
    await query.answer()
    action = callback_data.action
    if action in ("delete_yes", "delete_no"):
        await keyboards.drop_buttons(query)
    if action == "mydata":
        await send_my_data(bot, session, member, settings)
    elif action == "delete":
        await bot.send_message(
            member.telegram_id,
            _(
                "Do you really want to delete all your data? You leave the pool. This cannot be undone."
            ),
            reply_markup=keyboards.confirm_delete(),
        )
    elif action == "delete_yes":
        await erase(bot, messenger, session, member, settings)
    elif action == "delete_no":
        await bot.send_message(member.telegram_id, _("Good. Nothing was deleted."))
    elif action == "pause":
        await _pause(bot, session, member)
    elif action == "resume":
        await _resume(bot, session, member)


def create_router() -> Router:
    """This feature's handlers on a new router (one per Dispatcher)."""
    router = Router(name=__name__)
    router.message.filter(F.chat.type == "private")
    router.message.register(help_command, Command("help"))
    router.message.register(language, MenuButton("language"))
    router.message.register(language, Command("language"))
    router.message.register(privacy_command, MenuButton("privacy"))
    router.message.register(privacy_command, Command("privacy"))
    router.message.register(my_pool, MenuButton("pool"))
    router.message.register(region_command, Command("region"))
    router.callback_query.register(move_region, RegionCallback.filter(F.move))
    router.message.register(mydata, Command("mydata"))
    router.message.register(delete, Command("delete"))
    router.message.register(pause, Command("pause"))
    router.message.register(resume, Command("resume"))
    router.callback_query.register(privacy_button, PrivacyCallback.filter())
    return router
