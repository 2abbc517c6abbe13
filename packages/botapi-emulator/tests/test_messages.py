"""Transcripts: sends, edits, deletions, copies, forwards, replies and files."""

from __future__ import annotations

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    ReplyParameters,
)

from botapi_emulator import Emulator
from botapi_emulator.attachments import tiny_png


def _keyboard(*labels: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=t, callback_data=t.lower()) for t in labels]]
    )


async def test_message_ids_increase_per_chat(emulator: Emulator, bot: Bot) -> None:
    amina, omar = emulator.create_user("Amina"), emulator.create_user("Omar")
    await amina.send_text("hi")
    first = await bot.send_message(amina.id, "a")
    other = await bot.send_message(omar.id, "b")
    second = await bot.send_message(amina.id, "c")
    assert (first.message_id, second.message_id, other.message_id) == (2, 3, 1)
    assert [m.text for m in amina.messages()] == ["hi", "a", "c"]


async def test_edits_apply_in_place_with_history(emulator: Emulator, bot: Bot) -> None:
    user = emulator.create_user()
    sent = await bot.send_message(user.id, "Question 1?", reply_markup=_keyboard("Yes", "No"))
    message = await user.wait_for_message()
    assert message.buttons == [["Yes", "No"]]
    await bot.edit_message_text(
        "Question 1? (answered)", chat_id=user.id, message_id=sent.message_id
    )
    edited = await user.wait_for_edit(message)
    assert edited.text == "Question 1? (answered)"
    assert edited.buttons == []  # editMessageText without reply_markup removes the keyboard
    assert edited["edit_date"] >= edited["date"]
    assert [v["text"] for v in edited.edit_history] == ["Question 1?"]
    await bot.edit_message_reply_markup(
        chat_id=user.id, message_id=sent.message_id, reply_markup=_keyboard("Undo")
    )
    assert message.button_texts == ["Undo"] and len(message.edit_history) == 2
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(
            chat_id=user.id, message_id=sent.message_id, reply_markup=_keyboard("Undo")
        )


async def test_people_messages_cannot_be_edited_by_the_bot(emulator: Emulator, bot: Bot) -> None:
    user = emulator.create_user()
    said = await user.send_text("mine")
    with pytest.raises(TelegramBadRequest, match="message can't be edited"):
        await bot.edit_message_text("yours", chat_id=user.id, message_id=said.message_id)


async def test_deletions_are_kept_for_inspection(emulator: Emulator, bot: Bot) -> None:
    user = emulator.create_user()
    ids = [(await bot.send_message(user.id, f"m{i}")).message_id for i in range(3)]
    assert await bot.delete_message(user.id, ids[0])
    assert await bot.delete_messages(user.id, ids[1:] + [999])
    transcript = user.messages()
    assert [(m.text, m.deleted) for m in transcript] == [("m0", True), ("m1", True), ("m2", True)]
    assert transcript[0].to_dict()["deleted"] is True
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(user.id, ids[0])


async def test_copy_message_of_a_photo(emulator: Emulator, bot: Bot) -> None:
    user = emulator.create_user()
    group = emulator.create_group("Coordinators Zwolle", forum=False)
    photo = await user.send_photo(tiny_png(), caption="My letter from the municipality")
    copied = await bot.copy_message(group.id, user.id, photo.message_id, caption="From a member")
    copy = group.last_bot_message()
    assert copy is not None and copy.message_id == copied.message_id
    assert copy.file_id == photo.file_id
    assert copy.caption == "From a member"
    assert "forward_origin" not in copy
    assert copy["photo"][0]["width"] == 1 and copy["photo"][0]["height"] == 1
    with pytest.raises(TelegramBadRequest, match="message to copy not found"):
        await bot.copy_message(group.id, user.id, 404)


async def test_forward_sets_origin(emulator: Emulator, bot: Bot) -> None:
    user = emulator.create_user("Amina")
    group = emulator.create_group("Coordinators", forum=False)
    said = await user.send_text("Where do I find a language course?")
    forwarded = await bot.forward_message(group.id, user.id, said.message_id)
    assert forwarded.text == "Where do I find a language course?"
    assert forwarded.forward_origin is not None
    assert forwarded.forward_origin.type == "user"
    assert forwarded.forward_origin.sender_user.id == user.id  # type: ignore[union-attr]


async def test_copy_messages_keeps_order(emulator: Emulator, bot: Bot) -> None:
    user = emulator.create_user()
    group = emulator.create_group("Coordinators", forum=False)
    ids = [(await user.send_text(t)).message_id for t in ("a", "b", "c")]
    result = await bot.copy_messages(group.id, user.id, ids)
    assert len(result) == 3
    assert [m.text for m in group.bot_messages()] == ["a", "b", "c"]


async def test_reply_parameters_fill_reply_to_message(emulator: Emulator, bot: Bot) -> None:
    user = emulator.create_user()
    question = await user.send_text("Is the office open?")
    answer = await bot.send_message(
        user.id,
        "Yes, until 17:00",
        reply_parameters=ReplyParameters(message_id=question.message_id),
    )
    assert (
        answer.reply_to_message is not None
        and answer.reply_to_message.text == "Is the office open?"
    )
    assert user.last_bot_message().reply_to_message_id == question.message_id  # type: ignore[union-attr]
    with pytest.raises(TelegramBadRequest, match="message to be replied not found"):
        await bot.send_message(user.id, "?", reply_parameters=ReplyParameters(message_id=77))
    ok = await bot.send_message(
        user.id,
        "fine",
        reply_parameters=ReplyParameters(message_id=77, allow_sending_without_reply=True),
    )
    assert ok.reply_to_message is None


async def test_file_upload_get_file_and_download(
    emulator: Emulator, bot: Bot, http: aiohttp.ClientSession
) -> None:
    user = emulator.create_user()
    content = b"%PDF-1.4 survey results"
    sent = await bot.send_document(
        user.id, BufferedInputFile(content, filename="results.pdf"), caption="Results"
    )
    assert sent.document is not None and sent.document.file_name == "results.pdf"
    assert sent.document.file_size == len(content)
    file = await bot.get_file(sent.document.file_id)
    assert file.file_path is not None and file.file_path.endswith(".pdf")
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None and downloaded.read() == content
    async with http.get(f"{emulator.api_url}/file/bot{emulator.token}/nope.txt") as response:
        assert response.status == 404
    again = await bot.send_document(user.id, sent.document.file_id)
    assert (
        again.document is not None and again.document.file_unique_id == sent.document.file_unique_id
    )
    with pytest.raises(TelegramBadRequest, match="wrong file identifier/HTTP URL specified"):
        await bot.send_document(user.id, "no-such-file-id")


async def test_user_files_reach_the_bot(emulator: Emulator, bot: Bot) -> None:
    user = emulator.create_user()
    await user.send_voice(b"OggS-voice-bytes", duration=4)
    [update] = await bot.get_updates()
    assert update.message is not None and update.message.voice is not None
    assert update.message.voice.duration == 4
    file = await bot.get_file(update.message.voice.file_id)
    assert file.file_path is not None
    data = await bot.download_file(file.file_path)
    assert data is not None and data.read() == b"OggS-voice-bytes"
    with pytest.raises(TelegramBadRequest, match="type of file mismatch"):
        await bot.send_photo(user.id, update.message.voice.file_id)


async def test_media_group(emulator: Emulator, bot: Bot) -> None:
    user = emulator.create_user()
    media = [
        InputMediaPhoto(
            media=BufferedInputFile(tiny_png(), filename=f"{i}.png"), caption=f"page {i}"
        )
        for i in range(3)
    ]
    sent = await bot.send_media_group(user.id, media)
    assert len(sent) == 3 and len({m.media_group_id for m in sent}) == 1
    assert [m.caption for m in user.bot_messages()] == ["page 0", "page 1", "page 2"]
    emulator.assert_no_rejections()


async def test_chat_info_members_and_actions(emulator: Emulator, bot: Bot) -> None:
    coordinator = emulator.create_user("Coco")
    group = emulator.create_group("Twente", forum=True, admins=[coordinator])
    chat = await bot.get_chat(group.id)
    assert (chat.type, chat.title, chat.is_forum) == ("supergroup", "Twente", True)
    me = await bot.get_chat_member(group.id, emulator.world.bot.id)
    assert me.status == "administrator" and me.can_manage_topics  # type: ignore[union-attr]
    admins = await bot.get_chat_administrators(group.id)
    assert {a.user.id for a in admins} == {coordinator.id, emulator.world.bot.id}
    assert (await bot.get_chat_member(group.id, coordinator.id)).status == "administrator"
    assert await bot.send_chat_action(coordinator.id, "typing")
    assert coordinator.chat.actions[-1][1] == "typing"
    with pytest.raises(TelegramBadRequest, match="wrong parameter action in request"):
        await bot.send_chat_action(coordinator.id, "dancing")


async def test_caption_edit_reaction_pin_and_leave(emulator: Emulator, bot: Bot) -> None:
    from aiogram.exceptions import TelegramForbiddenError
    from aiogram.types import ReactionTypeEmoji

    user = emulator.create_user()
    photo = await bot.send_photo(
        user.id, BufferedInputFile(tiny_png(), filename="a.png"), caption="old"
    )
    edited = await bot.edit_message_caption(
        chat_id=user.id, message_id=photo.message_id, caption="<b>new</b>", parse_mode="HTML"
    )
    assert isinstance(edited, type(photo)) and edited.caption == "new"
    assert edited.caption_entities is not None and edited.caption_entities[0].type == "bold"
    text = await bot.send_message(user.id, "text")
    with pytest.raises(TelegramBadRequest, match="there is no caption in the message to edit"):
        await bot.edit_message_caption(chat_id=user.id, message_id=text.message_id, caption="x")

    said = await user.send_text("Thanks!")
    assert await bot.set_message_reaction(user.id, said.message_id, [ReactionTypeEmoji(emoji="👍")])
    assert said.reactions == [{"type": "emoji", "emoji": "👍"}]

    group = emulator.create_group("Announcements", forum=False)
    notice = await bot.send_message(group.id, "Meeting on Monday")
    assert await bot.pin_chat_message(group.id, notice.message_id)
    chat = await bot.get_chat(group.id)
    assert chat.pinned_message is not None and chat.pinned_message.text == "Meeting on Monday"
    assert await bot.leave_chat(group.id)
    with pytest.raises(TelegramForbiddenError, match="bot is not a member of the supergroup chat"):
        await bot.send_message(group.id, "still here?")


async def test_requests_log(emulator: Emulator, bot: Bot) -> None:
    user = emulator.create_user()
    await bot.send_message(user.id, "a")
    await bot.get_me()
    assert [r.method for r in emulator.requests] == ["sendMessage", "getMe"]
    assert emulator.method_calls("sendmessage")[0].params == {"chat_id": user.id, "text": "a"}


async def test_reply_to_a_message_in_another_chat(emulator: Emulator, bot: Bot) -> None:
    user = emulator.create_user("Amina")
    group = emulator.create_group("Coordinators", forum=False)
    question = await bot.send_message(group.id, "Question from Amina: where is the library?")
    answer = await bot.send_message(
        user.id,
        "The coordinator answered: next to the station.",
        reply_parameters=ReplyParameters(message_id=question.message_id, chat_id=group.id),
    )
    assert answer.reply_to_message is None
    assert answer.external_reply is not None
    assert answer.external_reply.chat is not None and answer.external_reply.chat.id == group.id
    assert answer.external_reply.message_id == question.message_id
