"""The project's scheduler interface: id-only jobs by reference, and a stop that waits."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.config import Settings
from bot.scheduler import At, Every, JobContext, JobError, Scheduler
from db.base import utcnow

SETTINGS = Settings(bot_token="1:test", quiet_hours="off", _env_file=None)  # type: ignore[call-arg]
CALLS: asyncio.Queue[tuple[Scheduler, dict[str, object]]] = asyncio.Queue()
RELEASE: dict[str, asyncio.Event] = {}
DONE: list[str] = []


async def record(scheduler: Scheduler, **kwargs: object) -> None:
    CALLS.put_nowait((scheduler, kwargs))


async def slow(scheduler: Scheduler, name: str) -> None:
    await RELEASE[name].wait()
    DONE.append(name)


def not_a_coroutine(scheduler: Scheduler) -> None:
    pass


@pytest.fixture
async def scheduler() -> Scheduler:
    global CALLS
    CALLS = asyncio.Queue()  # bound to this test's event loop
    RELEASE.clear(), DONE.clear()
    return Scheduler(JobContext(None, None, SETTINGS, None))  # type: ignore[arg-type]


async def test_jobs_are_module_functions_with_id_arguments(scheduler: Scheduler) -> None:
    async def nested(s: Scheduler) -> None:
        pass

    with pytest.raises(JobError):
        scheduler.add_job(nested, Every(60), id="x")
    with pytest.raises(JobError):
        scheduler.add_job(not_a_coroutine, Every(60), id="x")
    with pytest.raises(JobError):
        scheduler.add_job(record, Every(60), id="")
    for value in (1.5, True, None, [1], scheduler):
        with pytest.raises(JobError):
            scheduler.add_job(record, Every(60), id="x", kwargs={"member_id": value})  # type: ignore[dict-item]
    assert not scheduler.has_job("x")


async def test_jobs_run_with_their_ids_and_are_replaced_by_id(scheduler: Scheduler) -> None:
    await scheduler.start()
    try:
        assert scheduler.running
        scheduler.add_job(record, Every(3600), id="tick", kwargs={"region_id": 1})
        scheduler.add_job(record, Every(3600), id="tick", kwargs={"region_id": 2})
        scheduler.add_job(record, At(utcnow() + timedelta(milliseconds=50)), id="once",
                          kwargs={"code": "a"})  # fmt: skip
        calls = [await asyncio.wait_for(CALLS.get(), 5) for _ in range(2)]
        assert all(s is scheduler for s, _ in calls)
        assert sorted(str(k) for _, k in calls) == ["{'code': 'a'}", "{'region_id': 2}"]
        await asyncio.sleep(0.1)
        assert CALLS.empty()  # the replaced job never ran
        assert scheduler.has_job("tick") and not scheduler.has_job("once")
        assert scheduler.remove_job("tick") and not scheduler.remove_job("tick")
    finally:
        await scheduler.stop()
    assert not scheduler.running


async def test_stop_waits_for_running_jobs_then_cancels_late_ones(scheduler: Scheduler) -> None:
    RELEASE["quick"], RELEASE["stuck"] = asyncio.Event(), asyncio.Event()
    await scheduler.start()
    scheduler.add_job(slow, Every(3600), id="quick", kwargs={"name": "quick"})
    scheduler.add_job(slow, Every(3600), id="stuck", kwargs={"name": "stuck"})
    await asyncio.sleep(0.1)  # both started
    asyncio.get_running_loop().call_later(0.1, RELEASE["quick"].set)
    await scheduler.stop(grace=0.5)
    assert DONE == ["quick"]  # finished within the grace period; "stuck" was cancelled
    RELEASE["stuck"].set()
    await asyncio.sleep(0.05)
    assert DONE == ["quick"]
