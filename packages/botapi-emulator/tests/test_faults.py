"""Injected faults and flood control, as the bot's HTTP client experiences them."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from raw_api import RawApi

from botapi_emulator import Emulator


async def test_blocked_user_gives_403_until_unblocked(emulator: Emulator, bot: Bot) -> None:
    user = emulator.create_user()
    user.block_bot()
    with pytest.raises(TelegramForbiddenError, match="Forbidden: bot was blocked by the user"):
        await bot.send_message(user.id, "hello?")
    with pytest.raises(TelegramForbiddenError):
        await bot.send_chat_action(user.id, "typing")
    user.unblock_bot()
    await bot.send_message(user.id, "welcome back")
    assert emulator.rejections == []
    assert [(f.method, f.status) for f in emulator.fault_log] == [
        ("sendmessage", 403),
        ("sendchataction", 403),
    ]


async def test_block_sends_my_chat_member_updates(emulator: Emulator, bot: Bot) -> None:
    user = emulator.create_user()
    user.block_bot()
    [update] = await bot.get_updates()
    assert update.my_chat_member is not None
    assert update.my_chat_member.new_chat_member.status == "kicked"
    assert update.my_chat_member.from_user.id == user.id


async def test_deactivated_user(emulator: Emulator, bot: Bot) -> None:
    user = emulator.create_user()
    emulator.faults.deactivate(user.id)
    with pytest.raises(TelegramForbiddenError, match="Forbidden: user is deactivated"):
        await bot.send_message(user.id, "hi")


async def test_scripted_errors_per_method_and_chat(emulator: Emulator, bot: Bot) -> None:
    amina, omar = emulator.create_user("Amina"), emulator.create_user("Omar")
    emulator.faults.fail_next("sendMessage", 400, "Bad Request: chat not found", chat_id=omar.id)
    emulator.faults.fail_next("sendMessage", 500, count=2)
    emulator.faults.fail_next("sendMessage", 502)
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(omar.id, "x")
    with pytest.raises(TelegramServerError, match="Internal Server Error"):
        await bot.send_message(amina.id, "x")
    with pytest.raises(TelegramServerError, match="Internal Server Error"):
        await bot.send_message(amina.id, "x")
    with pytest.raises(TelegramServerError, match="Bad Gateway"):
        await bot.send_message(amina.id, "x")
    await bot.send_message(amina.id, "finally")
    assert [m.text for m in amina.bot_messages()] == ["finally"]
    assert emulator.rejections == []


async def test_injected_429_carries_retry_after(emulator: Emulator, bot: Bot, raw: RawApi) -> None:
    user = emulator.create_user()
    emulator.faults.fail_next("sendMessage", 429, retry_after=7, count=2)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(user.id, "x")
    assert caught.value.retry_after == 7
    status, body = await raw.json("sendMessage", {"chat_id": user.id, "text": "x"})
    assert (status, body) == (
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 7",
            "parameters": {"retry_after": 7},
        },
    )


async def test_dropped_connection_is_a_network_error(emulator: Emulator, bot: Bot) -> None:
    user = emulator.create_user()
    emulator.faults.drop_next("sendMessage")
    with pytest.raises(TelegramNetworkError):
        await bot.send_message(user.id, "lost")
    assert user.bot_messages() == []
    await bot.send_message(user.id, "ok now")


async def test_slow_reply_still_delivers_after_client_timeout(emulator: Emulator, bot: Bot) -> None:
    user = emulator.create_user()
    emulator.faults.delay_next("sendMessage", 0.3)
    started = time.monotonic()
    await bot.send_message(user.id, "slow")
    assert time.monotonic() - started >= 0.3
    emulator.faults.delay_next("sendMessage", 0.4)
    with pytest.raises(TelegramNetworkError, match="Request timeout error"):
        await bot.send_message(user.id, "timed out", request_timeout=0.1)
    late = await user.wait_for_message(lambda m: m.text == "timed out")  # delivered anyway
    assert late.text == "timed out"


async def test_random_faults_are_reproducible(emulator: Emulator, bot: Bot) -> None:
    users = [emulator.create_user(f"U{i}") for i in range(40)]

    async def run(seed: int) -> list[str]:
        emulator.faults.set_random(rate_429=0.2, rate_5xx=0.1, rate_blocked=0.1, seed=seed)
        outcomes = []
        for user in users:
            try:
                await bot.send_message(user.id, "survey")
                outcomes.append("ok")
            except TelegramRetryAfter:
                outcomes.append("429")
            except TelegramServerError:
                outcomes.append("5xx")
            except TelegramForbiddenError:
                outcomes.append("403")
        for user in users:
            emulator.faults.unblock(user.id)
        return outcomes

    first, second = await run(seed=3), await run(seed=3)
    assert first == second
    assert {"ok", "429", "5xx", "403"} <= set(first)
    emulator.faults.clear()
    assert emulator.rejections == []


async def test_randomly_blocked_user_stays_blocked(emulator: Emulator, bot: Bot) -> None:
    user = emulator.create_user()
    emulator.faults.set_random(rate_blocked=1.0, seed=1)
    with pytest.raises(TelegramForbiddenError):
        await bot.send_message(user.id, "x")
    emulator.faults.clear()
    with pytest.raises(TelegramForbiddenError):
        await bot.send_message(user.id, "x")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_flood_control_per_private_chat(emulator: Emulator, bot: Bot) -> None:
    clock = FakeClock()
    emulator.flood.clock = clock
    emulator.flood.configure(global_per_sec=None, per_chat_per_sec=1, per_chat_burst=2)
    user, other = emulator.create_user(), emulator.create_user()
    await bot.send_message(user.id, "1")
    await bot.send_message(user.id, "2")
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(user.id, "3")
    assert caught.value.retry_after == 1
    await bot.send_message(other.id, "other chats are not affected")
    clock.now += 1.0
    await bot.send_message(user.id, "3")
    assert emulator.rejections == []


async def test_flood_control_per_group_and_global(emulator: Emulator, bot: Bot) -> None:
    clock = FakeClock()
    emulator.flood.clock = clock
    emulator.flood.configure(global_per_sec=30, per_chat_per_sec=None, per_group_per_min=20)
    group = emulator.create_group("Coordinators", forum=False)
    for i in range(20):
        await bot.send_message(group.id, f"m{i}")
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(group.id, "21st")
    assert caught.value.retry_after == 3  # one slot every 60/20 s
    users = [emulator.create_user() for _ in range(11)]
    for user in users[:10]:
        await bot.send_message(user.id, "x")
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(users[10].id, "31st this second")
    assert caught.value.retry_after == 1
    emulator.flood.disable()
    await asyncio.gather(*(bot.send_message(u.id, "free") for u in users))


async def test_wait_for_fault_returns_once_the_bot_met_it(emulator: Emulator, bot: Bot) -> None:
    user = emulator.create_user()
    emulator.faults.fail_next("sendMessage", 500, chat_id=user.id)
    waiting = asyncio.create_task(emulator.wait_for_fault("sendMessage", chat_id=user.id))
    await asyncio.sleep(0)
    assert not waiting.done()
    with pytest.raises(TelegramServerError):
        await bot.send_message(user.id, "hello?")
    fault = await waiting
    assert (fault.method, fault.status, fault.chat_id) == ("sendmessage", 500, user.id)
    with pytest.raises(TimeoutError):
        await emulator.wait_for_fault("copyMessage", timeout=0.05)
