"""/start and the language picker."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import CommandStart
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import LanguageCallback
from bot.config import SUPPORTED_LOCALES
from bot.i18n import language_name
from bot.keyboards import language_picker
from bot.services import members

router = Router(name=__name__)
router.message.filter(F.chat.type == "private")


@router.message(CommandStart())
async def start(message: Message) -> None:
    code = message.from_user.language_code if message.from_user else None
    await message.answer(
        _("Welcome! Choose your language.") + "\n" + "Kies je taal · Choose your language",
        reply_markup=language_picker(code),
    )


@router.callback_query(LanguageCallback.filter(F.code.in_(SUPPORTED_LOCALES)))
async def choose_language(
    query: CallbackQuery, callback_data: LanguageCallback, session: AsyncSession, i18n: I18n
) -> None:
    await members.set_language(session, query.from_user.id, callback_data.code)
    with i18n.use_locale(callback_data.code):
        text = _("Language set: {language}.").format(language=language_name(callback_data.code))
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.edit_text(text)


@router.callback_query(LanguageCallback.filter())
async def unknown_language(query: CallbackQuery) -> None:
    await query.answer(_("This language is not available."), show_alert=True)
