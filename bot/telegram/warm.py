"""Build, before the first update, what every member's update needs once per process.

aiogram's types are built on first use (bot/lazy_models.py) and so are the response models
of the API methods (bot/telegram/responses.py), and Babel reads a language's data the first
time a name is asked for. Done while handling updates, each of these costs the first members
of a wave tens of milliseconds (the /start wave of bench/handlers.py spent about a tenth of
its CPU there); done here, it costs the same once, before polling starts. Only what a
member's update uses is built: the rest of aiogram's types stay deferred (memory).
"""

from __future__ import annotations

from typing import Any

from aiogram import methods, types

from bot.config import SUPPORTED_LOCALES
from bot.i18n import language_name
from bot.telegram.responses import pin, pinned

# What a member's message or button press is validated into and answered with.
TYPES: tuple[type[Any], ...] = (
    types.Update,
    types.Message,
    types.CallbackQuery,
    types.InlineKeyboardMarkup,
    types.InlineKeyboardButton,
    types.ReplyKeyboardMarkup,
    types.ReplyKeyboardRemove,
    types.KeyboardButton,
    types.LinkPreviewOptions,
)
METHODS: tuple[type[methods.TelegramMethod[Any]], ...] = (
    methods.SendMessage,
    methods.AnswerCallbackQuery,
    methods.EditMessageText,
    methods.EditMessageReplyMarkup,
    methods.DeleteMessage,
    methods.CopyMessage,
    methods.SendChatAction,
)


def warm_up() -> None:
    for model in TYPES:
        model.model_rebuild()
    for method in METHODS:
        method.model_rebuild()
        pin(method)
        pinned(method).model_rebuild()
    for code in SUPPORTED_LOCALES:
        language_name(code)
