"""An inactive member answers retention's question: "Keep me in the pool"."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _

from bot import keyboards
from bot.callbacks import RetentionAction, RetentionCallback
from bot.retention import service
from db.engine import AsyncSession
from db.models import Member


async def keep(query: CallbackQuery, session: AsyncSession, member: Member | None) -> None:
    if member is None or not await service.keep(session, member):
        await query.answer(_("This request was already handled."), show_alert=True)
        await keyboards.drop_buttons(query)
        return
    await query.answer()
    await keyboards.drop_buttons(query)
    if query.message is not None:
        await query.message.answer(_("Thank you! You stay in the pool."))


def create_router() -> Router:
    """This feature's handlers on a new router (one per Dispatcher)."""
    router = Router(name=__name__)
    router.callback_query.register(
        keep,
        RetentionCallback.filter(F.action == RetentionAction.KEEP),
        F.message.chat.type == "private",
    )
    return router
