"""Forum supergroups: one topic per question, coordinators answering inside it."""

from __future__ import annotations

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest

from botapi_emulator import Emulator, EmulatorUsageError


async def test_topic_create_post_and_answer(emulator: Emulator, bot: Bot) -> None:
    coordinator = emulator.create_user("Coco", language_code="nl")
    group = emulator.create_group("Coordinators Alkmaar", admins=[coordinator])
    topic = await bot.create_forum_topic(group.id, "Question #12: housing")
    created = await group.wait_for_topic("Question #12: housing")
    assert created.message_thread_id == topic.message_thread_id
    posted = await bot.send_message(
        group.id, "Amina asks: when do I get a house?", message_thread_id=topic.message_thread_id
    )
    assert posted.message_thread_id == topic.message_thread_id and posted.is_topic_message
    seen = await group.wait_for_message(thread_id=topic.message_thread_id)
    assert seen.text == "Amina asks: when do I get a house?"

    answer = await coordinator.send_text(
        "Usually within 14 weeks.", chat=group, thread_id=topic.message_thread_id
    )
    [update] = [u for u in await bot.get_updates() if u.message and u.message.text]
    assert update.message is not None
    assert update.message.message_thread_id == topic.message_thread_id
    assert update.message.is_topic_message is True
    assert update.message.chat.is_forum is True
    assert answer.thread_id == topic.message_thread_id
    assert [m.text for m in group.topic_messages(topic.message_thread_id)][-2:] == [
        "Amina asks: when do I get a house?",
        "Usually within 14 weeks.",
    ]


async def test_closed_deleted_and_unknown_topics(emulator: Emulator, bot: Bot) -> None:
    coordinator = emulator.create_user("Coco")
    group = emulator.create_group("Coordinators", admins=[coordinator])
    topic = await bot.create_forum_topic(group.id, "Question #1")
    thread = topic.message_thread_id
    with pytest.raises(TelegramBadRequest, match="message thread not found"):
        await bot.send_message(group.id, "x", message_thread_id=thread + 100)
    assert await bot.close_forum_topic(group.id, thread)
    assert group.topics[thread].closed
    with pytest.raises(TelegramBadRequest, match="TOPIC_NOT_MODIFIED"):
        await bot.close_forum_topic(group.id, thread)
    await bot.send_message(
        group.id, "admins with can_manage_topics may still post", message_thread_id=thread
    )
    member = emulator.create_user("Member")
    group.add_member(member)
    with pytest.raises(EmulatorUsageError, match="closed"):
        await member.send_text("me too", chat=group, thread_id=thread)
    assert await bot.reopen_forum_topic(group.id, thread)
    await member.send_text("me too", chat=group, thread_id=thread)
    assert await bot.delete_forum_topic(group.id, thread)
    assert all(m.deleted for m in group.topic_messages(thread))
    with pytest.raises(TelegramBadRequest, match="message thread not found"):
        await bot.send_message(group.id, "x", message_thread_id=thread)


async def test_topic_closed_for_bot_without_rights(emulator: Emulator, bot: Bot) -> None:
    coordinator = emulator.create_user("Coco")
    group = emulator.create_group("Coordinators", admins=[coordinator], bot_can_manage_topics=False)
    topic = await coordinator.create_topic(group, "Question #2")
    with pytest.raises(TelegramBadRequest, match="not enough rights to create a topic"):
        await bot.create_forum_topic(group.id, "mine")
    group.state.topics[topic.message_thread_id].closed = True
    with pytest.raises(TelegramBadRequest, match="TOPIC_CLOSED"):
        await bot.send_message(group.id, "x", message_thread_id=topic.message_thread_id)


async def test_topics_only_in_forums(emulator: Emulator, bot: Bot) -> None:
    group = emulator.create_group("Plain group", forum=False)
    with pytest.raises(TelegramBadRequest, match="the chat is not a forum"):
        await bot.create_forum_topic(group.id, "x")
    with pytest.raises(TelegramBadRequest, match="message thread not found"):
        await bot.send_message(group.id, "x", message_thread_id=5)


async def test_edit_topic_and_reply_inherits_thread(emulator: Emulator, bot: Bot) -> None:
    coordinator = emulator.create_user("Coco")
    group = emulator.create_group("Coordinators", admins=[coordinator])
    topic = await bot.create_forum_topic(group.id, "Question #3")
    await bot.edit_forum_topic(group.id, topic.message_thread_id, name="Question #3 (answered)")
    assert group.topic("Question #3 (answered)").message_thread_id == topic.message_thread_id
    question = await bot.send_message(
        group.id, "Original question", message_thread_id=topic.message_thread_id
    )
    sent = await group.wait_in_topic(
        topic.message_thread_id, lambda m: m.text == "Original question"
    )
    reply = await coordinator.reply(sent, "Answer")
    assert reply.thread_id == topic.message_thread_id
    assert reply.reply_to_message_id == question.message_id
