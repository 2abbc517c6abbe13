"""Coordinators approve or decline pending members from the notification buttons."""

from __future__ import annotations

from aiogram import Bot, Router, html
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot import keyboards
from bot.callbacks import ApprovalCallback
from bot.config import Settings
from bot.services import members
from bot.services.members import MembershipError
from bot.services.roles import NotAllowed
from db.models import MemberStatus, Region

router = Router(name=__name__)


@router.callback_query(ApprovalCallback.filter())
async def decide(
    query: CallbackQuery,
    callback_data: ApprovalCallback,
    bot: Bot,
    session: AsyncSession,
    settings: Settings,
    i18n: I18n,
) -> None:
    try:
        member = await members.decide_pending(
            session, settings, query.from_user.id, callback_data.member_id, callback_data.approve
        )
    except NotAllowed:
        # Same answer as any dead button: no hint that coordinator actions exist.
        await query.answer(
            _("This button no longer works. Send /start to continue."), show_alert=True
        )
        return
    except MembershipError:
        await query.answer(_("This request was already handled."), show_alert=True)
        await keyboards.drop_buttons(query)
        return
    who = html.quote(query.from_user.full_name)
    if isinstance(query.message, Message) and query.message.html_text:
        verdict = _("Approved by {name}.") if callback_data.approve else _("Declined by {name}.")
        await query.message.edit_text(query.message.html_text + "\n\n" + verdict.format(name=who))
    region = await session.get(Region, member.region_id) if member.region_id else None
    pool = html.quote(region.name) if region else "–"
    with i18n.use_locale(member.language or settings.default_locale):
        if member.status == MemberStatus.ACTIVE:
            text = _("Good news: you are now a member of the pool {region}!").format(region=pool)
            markup = keyboards.main_menu()
        else:
            text = _(
                "Sorry, your registration for {region} was not accepted. "
                "You can choose another pool with /region or delete your data with /delete."
            ).format(region=pool)
            markup = None
        try:
            await bot.send_message(member.telegram_id, text, reply_markup=markup)
        except TelegramAPIError:
            await query.answer(_("The member could not be reached."), show_alert=True)
            return
    await query.answer()
