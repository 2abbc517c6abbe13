"""Waiting for an event with a time limit keeps a cancellation (Python 3.11's wait_for lost it)."""

from __future__ import annotations

import asyncio

import pytest

from bot.waiting import wait_event


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_waiting_for_an_event_keeps_a_cancellation_that_comes_as_it_is_set() -> None:
    event = asyncio.Event()
    waiting = asyncio.create_task(wait_event(event, 30))
    await _settle()  # the task is waiting now
    event.set()
    waiting.cancel()  # in the same loop step: the event's waiter is already done
    with pytest.raises(asyncio.CancelledError):
        await waiting


async def test_waiting_for_an_event_says_whether_it_was_set() -> None:
    event = asyncio.Event()
    assert await wait_event(event, 0.01) is False
    asyncio.get_running_loop().call_later(0.01, event.set)
    assert await wait_event(event, 30) is True
    assert await wait_event(event, 0) is True  # already set
