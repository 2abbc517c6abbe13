"""Bot API calls go as JSON bodies with what the form would have carried; uploads as forms."""

from __future__ import annotations

import json

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.methods import SendDocument, SendMessage
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from bot.telegram.json_session import JsonSession


async def test_a_call_is_one_json_object_with_the_defaults_and_without_none() -> None:
    session = JsonSession()
    bot = Bot("1:x", session=session, default=DefaultBotProperties(parse_mode="HTML"))
    button = InlineKeyboardButton(text="Ja", callback_data="c:1")
    method = SendMessage(
        chat_id=42, text="<b>Hoi</b>", disable_notification=False,
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[[button]]),
    )  # fmt: skip
    body = session.json_body(bot, method)
    assert body is not None
    assert json.loads(body) == {
        "chat_id": 42,
        "text": "<b>Hoi</b>",
        "parse_mode": "HTML",
        "disable_notification": False,  # the form sent "false"
        "reply_markup": {"inline_keyboard": [[{"text": "Ja", "callback_data": "c:1"}]]},
    }
    await session.close()


async def test_an_upload_goes_as_a_form() -> None:
    session = JsonSession()
    bot = Bot("1:x", session=session)
    upload = SendDocument(chat_id=42, document=BufferedInputFile(b"x", "a.txt"))
    assert session.json_body(bot, upload) is None
    await session.close()
