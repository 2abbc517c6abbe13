"""Members whose consent is for an older privacy notice are asked again before anything else."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot import keyboards
from bot.callbacks import ConsentCallback, LanguageCallback, PrivacyCallback
from bot.members.consent import needs_consent, notice_version
from bot.texts import privacy_notice
from db.models import Member, MemberStatus

# What a member may always do, consent or not: read, export or delete, change language.
ALWAYS_ALLOWED = ("/delete", "/mydata", "/privacy", "/language", "/help")


class NeedsNewConsent(Filter):
    async def __call__(self, event: Any, member: Member | None = None) -> bool:
        return (
            member is not None
            and member.status not in (MemberStatus.ONBOARDING,)
            and needs_consent(member)
        )


async def ask_again(message: Message) -> None:
    await message.answer(
        _("Our privacy notice has changed. Please read it and tell us if you agree.")
        + "\n\n"
        + privacy_notice(),
        reply_markup=keyboards.consent(notice_version()),
    )


async def ask_again_on_button(query: CallbackQuery) -> None:
    await query.answer(_("Please answer the privacy question first."), show_alert=True)
    if isinstance(query.message, Message):
        await query.message.answer(
            privacy_notice(), reply_markup=keyboards.consent(notice_version())
        )


def create_router() -> Router:
    """This feature's handlers on a new router (one per Dispatcher)."""
    router = Router(name=__name__)
    router.message.register(
        ask_again,
        NeedsNewConsent(),
        F.chat.type == "private",
        ~F.text.startswith(ALWAYS_ALLOWED),
    )
    router.callback_query.register(
        ask_again_on_button,
        NeedsNewConsent(),
        F.message.chat.type == "private",
        ~ConsentCallback.filter(),
        ~PrivacyCallback.filter(),
        ~LanguageCallback.filter(),
    )
    return router
