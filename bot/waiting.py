"""Waiting for an event with a time limit, without losing a cancellation.

On Python 3.11, ``asyncio.wait_for(event.wait(), timeout)`` returns normally when the task is
cancelled in the same loop step as the event is set (the inner wait finished first): the
cancellation is swallowed, and a worker loop that waits this way can go on forever after
SIGTERM. ``asyncio.timeout`` keeps it: the cancellation always reaches the caller.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


async def wait_event(event: asyncio.Event, timeout: float | None) -> bool:
    """Wait until `event` is set or `timeout` seconds pass; True when it is set.

    A cancellation of the waiting task is never lost, even when the event is set at the
    same moment."""
    if event.is_set():
        return True
    try:
        async with asyncio.timeout(timeout):
            await event.wait()
    except TimeoutError:
        return event.is_set()
    return True


async def unabandoned(work: Awaitable[T]) -> T:
    """Run work that a cancellation (SIGTERM) must not cut off halfway, such as database
    work or starting a service: the cancellation waits until the work has ended (its
    connection back in the pool, the service started and so stoppable), then goes on.
    Cut off inside a statement, the pool's own clean-up of the connection is cancelled too
    and logs an error."""
    task = asyncio.ensure_future(work)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        await asyncio.wait([task])
        raise
