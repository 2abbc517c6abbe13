"""Simulated people: buttons, waiting for the bot, privacy mode, and a real aiogram Dispatcher."""

from __future__ import annotations

import asyncio

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.filters import CommandStart
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
)

from botapi_emulator import Emulator, EmulatorUsageError


def _keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=t, callback_data=d) for t, d in pairs]]
    )


async def test_press_sends_callback_query_with_the_button_data(
    emulator: Emulator, bot: Bot
) -> None:
    user = emulator.create_user("Amina", language_code="ar")
    await bot.send_message(
        user.id,
        "Language?",
        reply_markup=_keyboard(("العربية", "lang:ar"), ("Nederlands", "lang:nl")),
    )
    press = asyncio.create_task(user.press("Nederlands"))
    [update] = await bot.get_updates(timeout=5)
    query = update.callback_query
    assert query is not None and query.data == "lang:nl" and query.from_user.id == user.id
    assert query.message is not None and query.message.text == "Language?"
    await bot.answer_callback_query(query.id, text="Taal ingesteld", show_alert=True)
    result = await asyncio.wait_for(press, timeout=5)
    assert result.data == "lang:nl" and result.text == "Taal ingesteld" and result.show_alert
    assert user.callback_answers == [{"text": "Taal ingesteld", "show_alert": True}]
    from aiogram.exceptions import TelegramBadRequest

    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query.id)


async def test_press_errors_and_forged_data(emulator: Emulator, bot: Bot) -> None:
    user = emulator.create_user()
    with pytest.raises(LookupError, match="no bot message with an inline keyboard"):
        await user.press("Yes")
    await bot.send_message(user.id, "Pick", reply_markup=_keyboard(("Yes", "y")))
    with pytest.raises(LookupError, match="no button 'Maybe'"):
        await user.press("Maybe")
    message = user.last_bot_message()
    assert message is not None
    forged = await user.press_callback_data("admin:delete_all", message, wait_answer=False)
    assert (
        forged.update is not None and forged.update["callback_query"]["data"] == "admin:delete_all"
    )
    with pytest.raises(TimeoutError, match="answer to callback query 'y'"):
        await user.press(lambda b: b["callback_data"] == "y", timeout=0.05)


async def test_wait_for_message_returns_each_message_once(emulator: Emulator, bot: Bot) -> None:
    user = emulator.create_user()
    for text in ("one", "two", "three"):
        await bot.send_message(user.id, text)
    assert (await user.wait_for_message(lambda m: m.text == "two")).text == "two"
    assert (await user.wait_for_message()).text == "one"
    assert (await user.wait_for_message()).text == "three"
    waiter = asyncio.create_task(user.wait_for_message(timeout=5))
    await bot.send_message(user.id, "four")
    assert (await waiter).text == "four"
    with pytest.raises(TimeoutError, match="no new bot message in chat") as caught:
        await user.wait_for_message(timeout=0.01)
    assert "four" in str(caught.value)  # the report shows the recent transcript


async def test_timeout_report_lists_rejections(emulator: Emulator, bot: Bot) -> None:
    from aiogram.exceptions import TelegramBadRequest

    user = emulator.create_user()
    with pytest.raises(TelegramBadRequest):
        await bot.send_message(user.id, "<b>broken", parse_mode="HTML")
    with pytest.raises(TimeoutError, match="recent rejected bot requests") as caught:
        await user.wait_for_message(timeout=0.01)
    assert "can't parse entities" in str(caught.value)
    with pytest.raises(AssertionError, match="1 bot request"):
        emulator.assert_no_rejections()
    emulator.rejections.clear()


async def test_privacy_mode_in_groups(emulator: Emulator, bot: Bot) -> None:
    member = emulator.create_user("Member")
    group = emulator.create_group("Members", forum=False, members=[member], bot_is_admin=False)
    await member.send_text("just chatting", chat=group)
    await member.send_command("/help@expertpool_test_bot", chat=group)
    await member.send_command("/other@someone_else_bot", chat=group)
    await member.send_text("hey @expertpool_test_bot", chat=group)
    texts = [u.message.text for u in await bot.get_updates() if u.message]
    assert texts == ["/help@expertpool_test_bot", "hey @expertpool_test_bot"]
    outsider = emulator.create_user("Outsider")
    with pytest.raises(EmulatorUsageError, match="not a member"):
        await outsider.send_text("hi", chat=group)


async def test_reply_keyboard(emulator: Emulator, bot: Bot) -> None:
    user = emulator.create_user()
    markup = ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text="Ask a question")]], resize_keyboard=True
    )
    await bot.send_message(user.id, "Menu", reply_markup=markup)
    assert user.reply_keyboard == [["Ask a question"]]
    sent = await user.press_keyboard("Ask a question")
    assert sent.text == "Ask a question"
    assert "reply_markup" not in user.last_bot_message()  # type: ignore[operator]


async def test_user_edit_reaches_the_bot(emulator: Emulator, bot: Bot) -> None:
    user = emulator.create_user()
    said = await user.send_text("typo")
    await user.edit(said, "fixed")
    updates = await bot.get_updates()
    assert updates[-1].edited_message is not None and updates[-1].edited_message.text == "fixed"


async def test_aiogram_dispatcher_end_to_end(emulator: Emulator, bot: Bot) -> None:
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        await message.answer(
            "Welcome! Join the pool?", reply_markup=_keyboard(("Join", "join"), ("Later", "later"))
        )

    @router.callback_query(F.data == "join")
    async def join(query: CallbackQuery) -> None:
        await query.answer("Joined")
        assert isinstance(query.message, Message)
        await query.message.edit_text("You joined the Zwolle pool.")

    @router.message(F.voice)
    async def voice(message: Message) -> None:
        await message.reply("Thanks for your voice message")

    dp = Dispatcher()
    dp.include_router(router)
    polling = asyncio.create_task(
        dp.start_polling(bot, handle_signals=False, close_bot_session=False)
    )
    try:
        user = emulator.create_user("Amina", language_code="ar")
        await user.send_command("/start")
        welcome = await user.wait_for_message()
        assert welcome.buttons == [["Join", "Later"]]
        result = await user.press("Join")
        assert result.text == "Joined"
        edited = await user.wait_for_edit(welcome)
        assert edited.text == "You joined the Zwolle pool."
        note = await user.send_voice(duration=5)
        thanks = await user.wait_for_message()
        assert thanks.text == "Thanks for your voice message"
        assert thanks.reply_to_message_id == note.message_id
    finally:
        await dp.stop_polling()
        await polling
    emulator.assert_no_rejections()
