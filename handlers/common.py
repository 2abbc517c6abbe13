"""/help, unknown commands and stale buttons: never silence."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

router = Router(name=__name__)


def help_text() -> str:
    return "\n".join(
        [
            _("What I can do:"),
            _("/start – start or go back to the menu"),
            _("/help – this list"),
        ]
    )


@router.message(Command("help"), F.chat.type == "private")
async def help_command(message: Message) -> None:
    await message.answer(help_text())


@router.message(F.chat.type == "private", F.text.startswith("/"))
async def unknown_command(message: Message) -> None:
    await message.answer(_("Sorry, I don't know that command.") + "\n\n" + help_text())


@router.callback_query()
async def stale_button(query: CallbackQuery) -> None:
    await query.answer(_("This button no longer works. Send /start to continue."), show_alert=True)
