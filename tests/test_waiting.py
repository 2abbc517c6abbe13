"""Waiting for an event with a time limit keeps a cancellation (Python 3.11's wait_for lost it)."""

from __future__ import annotations

import asyncio

import pytest

from bot.waiting import unabandoned, wait_event


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


async def test_unabandoned_work_ends_before_the_cancellation_goes_on() -> None:
    """A shutdown that came while the leader's services were starting cut a database commit
    off halfway (the pool logged an error); unabandoned work ends first, then the task stops."""
    steps: list[str] = []
    started, release = asyncio.Event(), asyncio.Event()

    async def work() -> str:
        started.set()
        await release.wait()
        steps.append("work done")
        return "ok"

    async def caller() -> None:
        await unabandoned(work())
        steps.append("went on")  # never: the cancellation goes on after the work

    task = asyncio.create_task(caller())
    await started.wait()
    task.cancel()
    await _settle()
    assert not task.done() and steps == []  # the cancellation waits for the work
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert steps == ["work done"]
    assert await unabandoned(work()) == "ok"
