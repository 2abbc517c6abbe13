"""Catch-alls, last in order: unknown commands, stray messages and stale buttons never meet silence."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.selfservice import reply_unknown_command


async def unknown_command(message: Message) -> None:
    await reply_unknown_command(message)


async def anything_else(message: Message) -> None:
    await message.answer(_("I did not understand that. Use the menu below, or send /help."))


async def stale_button(query: CallbackQuery) -> None:
    await query.answer(_("This button no longer works. Send /start to continue."), show_alert=True)


def create_router() -> Router:
    """This feature's handlers on a new router (one per Dispatcher)."""
    router = Router(name=__name__)
    router.message.register(unknown_command, F.chat.type == "private", F.text.startswith("/"))
    router.message.register(anything_else, F.chat.type == "private")
    router.callback_query.register(stale_button)
    return router
