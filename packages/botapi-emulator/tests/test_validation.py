"""Requests Telegram would refuse are refused with Telegram's texts, recorded as rejections."""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramNotFound, TelegramUnauthorizedError
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from raw_api import RawApi
from telegram.constants import InlineKeyboardButtonLimit, MessageLimit

from botapi_emulator import Emulator


async def test_text_over_the_limit_is_refused(emulator: Emulator, bot: Bot) -> None:
    user = emulator.create_user()
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(user.id, "x" * (MessageLimit.MAX_TEXT_LENGTH + 1))
    await bot.send_message(user.id, "x" * MessageLimit.MAX_TEXT_LENGTH)
    [rejection] = emulator.rejections
    assert (rejection.method, rejection.status) == ("sendMessage", 400)
    assert rejection.description == "Bad Request: message is too long"


async def test_length_is_counted_after_entities_in_utf16(emulator: Emulator, bot: Bot) -> None:
    user = emulator.create_user()
    limit = MessageLimit.MAX_TEXT_LENGTH
    await bot.send_message(user.id, "<b>" + "x" * limit + "</b>", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(user.id, "😀" * (limit // 2 + 1))  # each emoji is 2 UTF-16 units


async def test_callback_data_limit_is_in_bytes(emulator: Emulator, bot: Bot) -> None:
    user = emulator.create_user()
    too_long = "é" * (InlineKeyboardButtonLimit.MAX_CALLBACK_DATA // 2) + "x"  # 65 bytes
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Go", callback_data=too_long)]]
    )
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(user.id, "Pick", reply_markup=markup)
    assert emulator.rejections[-1].description == "Bad Request: BUTTON_DATA_INVALID"


async def test_too_many_buttons_in_a_row(emulator: Emulator, bot: Bot) -> None:
    user = emulator.create_user()
    row = [InlineKeyboardButton(text=str(i), callback_data=str(i)) for i in range(9)]
    with pytest.raises(TelegramBadRequest, match="reply markup is too long"):
        await bot.send_message(
            user.id, "Pick", reply_markup=InlineKeyboardMarkup(inline_keyboard=[row])
        )


async def test_missing_chat_id_and_text(emulator: Emulator, raw: RawApi) -> None:
    status, body = await raw.json("sendMessage", {"text": "hi"})
    assert (status, body) == (
        400,
        {"ok": False, "error_code": 400, "description": "Bad Request: chat_id is empty"},
    )
    user = emulator.create_user()
    status, body = await raw.json("sendMessage", {"chat_id": user.id})
    assert body["description"] == "Bad Request: message text is empty"
    status, body = await raw.json("sendMessage", {"chat_id": user.id, "text": "   "})
    assert body["description"] == "Bad Request: message text is empty"
    assert len(emulator.rejections) == 3


async def test_unknown_method_and_wrong_token(
    emulator: Emulator, http: aiohttp.ClientSession, bot: Bot
) -> None:
    async with http.post(f"{emulator.api_url}/bot{emulator.token}/sendMessages") as response:
        assert response.status == 404
        assert await response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    wrong = Bot("42:WRONG", session=bot.session)
    with pytest.raises(TelegramUnauthorizedError, match="Unauthorized"):
        await wrong.get_me()
    assert [r.status for r in emulator.rejections] == [404, 401]


async def test_method_names_are_case_insensitive(emulator: Emulator, raw: RawApi) -> None:
    status, body = await raw.json("GETME", {})
    assert status == 200 and body["result"]["username"] == "expertpool_test_bot"


async def test_aiogram_not_found_exception(emulator: Emulator, bot: Bot) -> None:
    from aiogram.methods import GetMe

    class Bogus(GetMe):
        __api_method__ = "getMeNow"

    with pytest.raises(TelegramNotFound):
        await bot(Bogus())


async def test_wrong_types_are_refused(emulator: Emulator, raw: RawApi) -> None:
    user = emulator.create_user()
    status, body = await raw.form(
        "sendMessage", {"chat_id": str(user.id), "text": "hi", "disable_notification": "maybe"}
    )
    assert (status, body["description"]) == (
        400,
        'Bad Request: field "disable_notification" must be of type Boolean',
    )
    status, body = await raw.json(
        "editMessageText", {"chat_id": user.id, "message_id": "seven", "text": "x"}
    )
    assert body["description"] == 'Bad Request: field "message_id" must be of type Integer'
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": 5}]]}
    status, body = await raw.json(
        "sendMessage", {"chat_id": user.id, "text": "hi", "reply_markup": markup}
    )
    assert body["description"] == (
        "Bad Request: can't parse reply keyboard markup: "
        'field "reply_markup.inline_keyboard[0][0].callback_data" must be of type String'
    )
    status, body = await raw.form(
        "sendMessage", {"chat_id": str(user.id), "text": "hi", "reply_markup": "{oops"}
    )
    assert body["description"] == "Bad Request: can't parse reply keyboard markup JSON object"
    assert len(emulator.rejections) == 4


async def test_scalars_are_coerced_from_form_strings(emulator: Emulator, raw: RawApi) -> None:
    user = emulator.create_user()
    fields = {
        "chat_id": str(user.id),
        "text": "Choose",
        "disable_notification": "true",
        "reply_markup": json.dumps({"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}),
    }
    status, body = await raw.form("sendMessage", fields)
    assert status == 200
    assert body["result"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "a"
    form = aiohttp.FormData()
    for key, value in fields.items():
        form.add_field(key, value)
    form.add_field("document", b"%PDF-1.4", filename="a.pdf", content_type="application/pdf")
    status, body = await raw.post("sendDocument", data=form)
    assert status == 200 and body["result"]["document"]["file_name"] == "a.pdf"
    emulator.assert_no_rejections()


async def test_unknown_parameters_are_warnings(emulator: Emulator, raw: RawApi) -> None:
    user = emulator.create_user()
    status, body = await raw.json(
        "sendMessage", {"chat_id": user.id, "text": "hi", "colour": "red"}
    )
    assert status == 200
    assert [(w.method, w.message) for w in emulator.warnings] == [
        ("sendMessage", "unknown parameter 'colour'")
    ]
    emulator.assert_no_rejections()


async def test_bad_html_is_refused(emulator: Emulator, bot: Bot) -> None:
    user = emulator.create_user()
    with pytest.raises(TelegramBadRequest, match='Unsupported start tag "name" at byte offset 6'):
        await bot.send_message(user.id, "Hello <name>!", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="Can't find end tag corresponding to start tag"):
        await bot.send_message(user.id, "<b>Hello", parse_mode="HTML")
    sent = await bot.send_message(user.id, "Tom &amp; Jerry &lt;3 <i>now</i>", parse_mode="HTML")
    assert sent.text == "Tom & Jerry <3 now"
    assert sent.entities is not None and sent.entities[0].type == "italic"


async def test_caption_limit(emulator: Emulator, bot: Bot) -> None:
    from aiogram.types import BufferedInputFile

    user = emulator.create_user()
    photo = BufferedInputFile(b"\x89PNG\r\n\x1a\n" + bytes(20), filename="p.png")
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_photo(user.id, photo, caption="c" * (MessageLimit.CAPTION_LENGTH + 1))


async def test_chat_not_found_and_edit_errors(emulator: Emulator, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(555, "hi")
    user = emulator.create_user()
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=user.id, message_id=99)
    sent = await bot.send_message(user.id, "same")
    with pytest.raises(TelegramBadRequest) as caught:
        await bot.edit_message_text("same", chat_id=user.id, message_id=sent.message_id)
    assert caught.value.message == (
        "Bad Request: message is not modified: specified new message content and reply markup "
        "are exactly the same as a current content and reply markup of the message"
    )
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(user.id, 99)


async def test_bot_cannot_start_a_conversation(emulator: Emulator, bot: Bot) -> None:
    from aiogram.exceptions import TelegramForbiddenError

    stranger = emulator.create_user("Sam", started=False)
    with pytest.raises(TelegramForbiddenError, match="bot can't initiate conversation with a user"):
        await bot.send_message(stranger.id, "hi")
    await stranger.send_command("/start")
    await bot.send_message(stranger.id, "hi")


async def test_commands_are_validated_and_kept_per_scope_and_language(
    emulator: Emulator, bot: Bot
) -> None:
    from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats

    await bot.set_my_commands([BotCommand(command="start", description="Start")])
    scope = BotCommandScopeAllPrivateChats()
    await bot.set_my_commands(
        [BotCommand(command="help", description="Hulp")], scope=scope, language_code="nl"
    )
    assert [c.command for c in await bot.get_my_commands()] == ["start"]
    assert [c.command for c in await bot.get_my_commands(scope=scope, language_code="nl")] == [
        "help"
    ]
    assert await bot.get_my_commands(scope=scope) == []
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Start", description="x")])
    await bot.delete_my_commands()
    assert await bot.get_my_commands() == []


async def test_query_string_and_in_process_calls(
    emulator: Emulator, http: aiohttp.ClientSession
) -> None:
    user = emulator.create_user()
    url = f"{emulator.api_url}/bot{emulator.token}/sendMessage"
    async with http.get(url, params={"chat_id": str(user.id), "text": "via GET"}) as response:
        assert response.status == 200
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    sent = await emulator.api("sendMessage", chat_id=user.id, text="direct", reply_markup=markup)
    assert sent["reply_markup"] == markup
    assert [m.text for m in user.bot_messages()] == ["via GET", "direct"]
    from botapi_emulator import ApiError

    with pytest.raises(ApiError, match="chat not found") as caught:
        await emulator.api("sendMessage", chat_id=1, text="x")
    assert caught.value.code == 400


def test_spec_location_can_be_overridden(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from botapi_emulator import SpecNotFoundError
    from botapi_emulator.spec import PACKAGED_SPEC, find_spec_path

    default = find_spec_path()
    assert default == PACKAGED_SPEC  # shipped with the emulator: nothing outside is read
    monkeypatch.setenv("BOT_API_SPEC", str(tmp_path / "missing.json"))
    with pytest.raises(SpecNotFoundError, match="missing.json"):
        Emulator()
    monkeypatch.setenv("BOT_API_SPEC", str(default))
    assert find_spec_path() == default


def test_packaged_model_records_its_source_and_has_no_prose() -> None:
    import json

    from botapi_emulator.spec import PACKAGED_SPEC, load_spec

    raw = json.loads(PACKAGED_SPEC.read_text(encoding="utf-8"))
    assert raw["version"].startswith("Bot API ")
    assert len(raw["source"]["commit"]) == 40

    def prose(node: object) -> list[str]:  # no description keys, no sentences
        if isinstance(node, dict):
            found = [k for k in node if k in ("description", "href")]
            return found + [p for v in node.values() for p in prose(v)]
        if isinstance(node, list):
            return [p for v in node for p in prose(v)]
        return [node] if isinstance(node, str) and " " in node and len(node) > 40 else []

    assert prose({k: v for k, v in raw.items() if k != "source"}) == []
    spec = load_spec()
    assert spec.version == raw["version"] and spec.source_commit == raw["source"]["commit"]
    assert spec.method("sendMessage").returns == ("Message",)
    assert spec.types["InlineQueryResultPhoto"].discriminator == "photo"


@pytest.mark.parametrize(
    ("owner", "field", "limit"),
    [
        ("sendMessage", "text", (None, "MAX_TEXT")),
        ("editMessageText", "text", (None, "MAX_TEXT")),
        ("sendPhoto", "caption", (None, "MAX_CAPTION")),
        ("copyMessage", "caption", (None, "MAX_CAPTION")),
        ("InlineKeyboardButton", "callback_data", ("MIN_CALLBACK_DATA", "MAX_CALLBACK_DATA")),
        ("answerCallbackQuery", "text", (None, "MAX_ANSWER_TEXT")),
        ("createForumTopic", "name", ("MIN_TOPIC_NAME", "MAX_TOPIC_NAME")),
        ("BotCommand", "command", ("MIN_COMMAND", "MAX_COMMAND")),
        ("BotCommand", "description", ("MIN_COMMAND_DESCRIPTION", "MAX_COMMAND_DESCRIPTION")),
        ("setMyDescription", "description", (None, "MAX_BOT_DESCRIPTION")),
        ("setMyShortDescription", "short_description", (None, "MAX_BOT_SHORT_DESCRIPTION")),
        ("setMyName", "name", (None, "MAX_BOT_NAME")),
        ("setWebhook", "secret_token", (None, "MAX_SECRET_TOKEN")),
    ],
)
def test_enforced_limits_agree_with_the_packaged_model(
    owner: str, field: str, limit: tuple[str | None, str]
) -> None:
    """The emulator enforces PTB's constants; the model records what the docs state."""
    from botapi_emulator import limits
    from botapi_emulator.spec import load_spec

    spec = load_spec()
    item = spec.method(owner) or spec.types[owner]
    assert item.fields is not None
    stated = item.fields[field].length
    assert stated is not None, f"{owner}.{field} states no length"
    low, high = limit
    assert stated[1] == getattr(limits, high)
    if low is not None:
        assert stated[0] == getattr(limits, low)
