"""Coordinators approve or decline pending members from the notification buttons."""

from __future__ import annotations

from aiogram import Bot, Router, html
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot import keyboards, notify
from bot.callbacks import ApprovalCallback
from bot.config import Settings
from bot.services import members
from bot.services.members import MembershipError
from bot.services.roles import Actor, NotAllowed
from db.engine import AsyncSession


async def decide(
    query: CallbackQuery,
    callback_data: ApprovalCallback,
    bot: Bot,
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    i18n: I18n,
) -> None:
    try:
        await members.decide_pending(session, actor, callback_data.member_id, callback_data.approve)
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
    if isinstance(query.message, Message) and query.message.html_text:
        verdict = _("Approved by {name}.") if callback_data.approve else _("Declined by {name}.")
        who = html.quote(query.from_user.full_name)
        await query.message.edit_text(query.message.html_text + "\n\n" + verdict.format(name=who))
    if await notify.tell_member_decision(bot, settings, i18n, session, callback_data.member_id):
        await query.answer()
    else:
        await query.answer(_("The member could not be reached."), show_alert=True)


def create_router() -> Router:
    """This feature's handlers on a new router (one per Dispatcher)."""
    router = Router(name=__name__)
    router.callback_query.register(decide, ApprovalCallback.filter())
    return router
