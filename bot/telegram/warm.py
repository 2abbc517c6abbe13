"""Build, before the first update, what every member's message needs once per process.

aiogram's types are built on first use (bot/lazy_models.py) and so are the response models
of the API methods (bot/telegram/responses.py). Done while handling updates, this costs the
first members of a wave tens of milliseconds each (the /start wave of bench/handlers.py spent
about a twentieth of its CPU there); done here, it costs the same once, before polling
starts, and the memory the first message would take anyway (about 9 MB). What only some
updates need (a button press, an edit) is still built when first used: a bot that is not
sent those keeps the memory.
"""

from __future__ import annotations

from typing import Any

from aiogram import methods, types

from bot.telegram.responses import pin, pinned

# What a member's message is validated into and answered with.
TYPES: tuple[type[Any], ...] = (
    types.Update,
    types.Message,
    types.InlineKeyboardMarkup,
    types.InlineKeyboardButton,
)
METHODS: tuple[type[methods.TelegramMethod[Any]], ...] = (methods.SendMessage,)


def warm_up() -> None:
    for model in TYPES:
        model.model_rebuild()
    for method in METHODS:
        method.model_rebuild()
        pin(method)
        pinned(method).model_rebuild()
