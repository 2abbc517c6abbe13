"""Members without consent to the current privacy notice are asked (again) before anything else.

They keep what is always allowed (read, export or delete their data, the notice, language,
help, their questions and the answers to them); everything else gets the notice once, then
a short reminder pointing at its buttons. Until they agree they are not reachable: no
surveys, no announcements (bot/members/consent.py). Nothing stored is lost.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot import keyboards
from bot.callbacks import ConsentCallback, LanguageCallback, PrivacyCallback, QuotesCallback
from bot.commands import STAFF_COMMANDS
from bot.config import Settings
from bot.members.consent import needs_consent, notice_version
from bot.privacy import consent
from bot.texts import privacy_notice
from db.engine import AsyncSession
from db.models import Member, MemberStatus
from handlers.common import command_name

# What a member may always do, consent or not: read, export or delete, change language,
# and read their questions with the coordinators' answers.
ALWAYS_ALLOWED = ("/delete", "/mydata", "/privacy", "/language", "/help", "/myquestions")
# Not member business: the gate lets these by. Staff who are members too keep their tools;
# anyone else gets the unknown-command reply further on, as for any command they may not use.
STAFF_ONLY = frozenset(name for name, _ in STAFF_COMMANDS) | {
    "coordinator_add", "coordinator_remove", "region_add", "region_rename", "region_set",
    "region_link",
}  # fmt: skip


class StaffOnlyCommand(Filter):
    async def __call__(self, message: Message) -> bool:
        return command_name(message.text) in STAFF_ONLY


class NeedsNewConsent(Filter):
    async def __call__(self, event: Any, member: Member | None = None) -> bool:
        return (
            member is not None
            and member.status not in (MemberStatus.ONBOARDING,)
            and needs_consent(member)
        )


def reminder() -> str:
    return _(
        "Please first answer the question about the privacy notice above: press “I agree” "
        "or “Not now”. Send /privacy to see the notice again."
    )


async def show_notice(
    bot: Bot, session: AsyncSession, member: Member, settings: Settings, intro: str
) -> None:
    """The whole notice with fresh buttons for the member's current step."""
    step = await consent.step(session, member)
    consent.mark_shown(member)
    await bot.send_message(
        member.telegram_id,
        intro + "\n\n" + privacy_notice(settings),
        reply_markup=keyboards.consent(notice_version(), step),
    )


async def ask_again(
    message: Message, bot: Bot, session: AsyncSession, member: Member, settings: Settings
) -> None:
    if consent.shown_and_waiting(member) and not (message.text or "").startswith("/start"):
        await message.answer(reminder())
        return
    if member.consent_version is None:
        intro = _(
            "You have not agreed to our privacy notice. Please read it and tell us if you agree."
        )
    else:
        intro = _("Our privacy notice has changed. Please read it and tell us if you agree.")
    await show_notice(bot, session, member, settings, intro)


async def ask_again_on_button(
    query: CallbackQuery, bot: Bot, session: AsyncSession, member: Member, settings: Settings
) -> None:
    await query.answer(_("Please answer the privacy question first."), show_alert=True)
    if not consent.shown_and_waiting(member):
        await show_notice(
            bot, session, member, settings,
            _("Our privacy notice has changed. Please read it and tell us if you agree."),
        )  # fmt: skip


def create_router() -> Router:
    """This feature's handlers on a new router (one per Dispatcher)."""
    router = Router(name=__name__)
    router.message.register(
        ask_again,
        NeedsNewConsent(),
        F.chat.type == "private",
        ~F.text.startswith(ALWAYS_ALLOWED),
        ~StaffOnlyCommand(),
    )
    router.callback_query.register(
        ask_again_on_button,
        NeedsNewConsent(),
        F.message.chat.type == "private",
        ~ConsentCallback.filter(),
        ~QuotesCallback.filter(),
        ~PrivacyCallback.filter(),
        ~LanguageCallback.filter(),
    )
    return router
