"""Keyboards are built per call, inside the user's locale context."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import LanguageCallback
from bot.i18n import language_name, picker_order


def language_picker(telegram_code: str | None) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code in picker_order(telegram_code):
        builder.button(text=language_name(code), callback_data=LanguageCallback(code=code))
    builder.adjust(2)
    return builder.as_markup()
