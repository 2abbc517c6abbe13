"""The bare aiogram bot the benchmarks compare with (run as a subprocess): no database, no
i18n, nothing of the project imported. Any message gets a reply with an 8-button keyboard; a
press gets answerCallbackQuery, an edit and a new message with the keyboard.
Environment: BOT_TOKEN, TELEGRAM_API_URL."""

from __future__ import annotations

import asyncio
import os


def bare_child() -> None:
    from aiogram import Bot as AiogramBot
    from aiogram import Dispatcher
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
    from aiogram.utils.keyboard import InlineKeyboardBuilder

    def keyboard() -> InlineKeyboardMarkup:
        builder = InlineKeyboardBuilder()
        for i in range(8):
            builder.button(text=f"Button {i}", callback_data=f"b:{i}")
        builder.adjust(2)
        return builder.as_markup()

    dp = Dispatcher()

    @dp.message()
    async def on_message(message: Message) -> None:
        await message.answer("Choose one", reply_markup=keyboard())

    @dp.callback_query()
    async def on_press(query: CallbackQuery) -> None:
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.edit_text(f"You chose {query.data}")
            await query.message.answer("Next: choose one", reply_markup=keyboard())

    async def main() -> None:
        session = AiohttpSession(api=TelegramAPIServer.from_base(os.environ["TELEGRAM_API_URL"]))
        bot = AiogramBot(os.environ["BOT_TOKEN"], session=session)
        await dp.start_polling(bot, handle_signals=False)

    asyncio.run(main())


if __name__ == "__main__":
    bare_child()
