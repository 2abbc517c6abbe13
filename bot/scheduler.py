"""The project's scheduler, run by the leader process; APScheduler 3 stays inside this module.

The database is the source of truth: at start every feature rebuilds its jobs from it
(`on_start`), so a restart loses nothing and late runs are caught up.

Features register jobs only through `Scheduler.add_job`: a module-level coroutine function
(referable by import path), a deterministic job id (adding the same id again replaces the
job) and id-only keyword arguments (ints and strings). A job is called as
`await func(scheduler, **kwargs)` and finds bot, sessions, settings and i18n in
`scheduler.context`.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from aiogram import Bot
from aiogram.utils.i18n import I18n
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from db.base import utcnow

if TYPE_CHECKING:
    from bot.bridge import Bridge

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobContext:
    """What a job needs; jobs have no update, so they pass locales explicitly."""

    bot: Bot
    session_factory: async_sessionmaker[AsyncSession]
    settings: Settings
    i18n: I18n
    bridge: Bridge | None = None  # the language bridge, when translation is configured


@dataclass(frozen=True)
class Every:
    """Every `seconds`; the first run at once (`at_start`) or one interval from now.

    Runs missed while a previous one was still going are merged into one.
    """

    seconds: float
    at_start: bool = True


@dataclass(frozen=True)
class At:
    """Once, at `moment`; still run if the moment has passed by the time it comes up."""

    moment: datetime


When = Every | At
JobArg = int | str
Job = Callable[..., Awaitable[object]]
Rebuilder = Callable[["Scheduler"], Awaitable[None]]


async def tick_then_next(
    scheduler: Scheduler,
    job: Job,
    tick: Callable[[JobContext], Awaitable[object]],
    next_event: Callable[[JobContext, datetime], Awaitable[datetime | None]],
    job_id: str,
) -> None:
    """The body of a job that does what is due (`tick`), then sets `job` (itself, module-level)
    again for the next known moment (`next_event`), while the scheduler runs."""
    ctx = scheduler.context
    await tick(ctx)
    upcoming = await next_event(ctx, utcnow())
    if upcoming is not None and scheduler.running:
        scheduler.add_job(job, At(upcoming), id=job_id)


class JobError(ValueError):
    """A job that could not be stored by reference (not module-level, or non-id arguments)."""


def _reference(func: Job) -> str:
    if not inspect.iscoroutinefunction(func):
        raise JobError(f"{func!r} is not a coroutine function")
    module, name = getattr(func, "__module__", None), getattr(func, "__qualname__", "")
    if not module or not name or "<" in name or "." in name:
        raise JobError(f"{func!r} is not a module-level function")
    reference = f"{module}:{name}"
    if _resolve(reference) is not func:
        raise JobError(f"{reference} does not name {func!r}")
    return reference


def _resolve(reference: str) -> Job:
    module, name = reference.split(":")
    func: Job = getattr(importlib.import_module(module), name)
    return func


def _checked(kwargs: Mapping[str, JobArg] | None) -> dict[str, JobArg]:
    checked = dict(kwargs or {})
    for key, value in checked.items():
        if type(value) not in (int, str):
            raise JobError(f"job argument {key}={value!r}: only ids (int or str) are allowed")
    return checked


class Scheduler:
    def __init__(self, context: JobContext) -> None:
        self.context = context
        self._aps = AsyncIOScheduler(timezone=context.settings.tz)
        self._rebuilders: list[tuple[str, Rebuilder]] = []
        self._running: set[asyncio.Task[object]] = set()

    @property
    def running(self) -> bool:
        """Started and not stopped: jobs added now will run."""
        return bool(self._aps.running)

    def on_start(self, name: str, rebuild: Rebuilder) -> None:
        """Register a feature's job (re)builder, called every time the scheduler starts."""
        self._rebuilders.append((name, rebuild))

    def add_job(
        self, func: Job, when: When, *, id: str, kwargs: Mapping[str, JobArg] | None = None
    ) -> None:
        """Schedule `func(self, **kwargs)`; a job with the same id is replaced."""
        if not id:
            raise JobError("a job needs an id")
        reference, arguments = _reference(func), _checked(kwargs)
        options: dict[str, object]
        if isinstance(when, Every):
            options = {"trigger": "interval", "seconds": when.seconds}
            if when.at_start:
                options["next_run_time"] = utcnow()
        else:
            options = {"trigger": "date", "run_date": when.moment, "misfire_grace_time": None}
        self._aps.add_job(
            self._run, args=(reference,), kwargs=arguments, id=id, name=reference,
            replace_existing=True, coalesce=True, max_instances=1, **options,
        )  # fmt: skip

    def remove_job(self, id: str) -> bool:
        """Remove the job `id`; False if there was none."""
        if self._aps.get_job(id) is None:
            return False
        self._aps.remove_job(id)
        return True

    def has_job(self, id: str) -> bool:
        return self._aps.get_job(id) is not None

    async def _run(self, reference: str, **kwargs: JobArg) -> None:
        """Every job runs through here, so `stop()` knows which are still running."""
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            await _resolve(reference)(self, **kwargs)
        finally:
            if task is not None:
                self._running.discard(task)

    async def start(self) -> None:
        self._aps.start()
        for name, rebuild in self._rebuilders:
            try:
                await rebuild(self)
            except Exception:
                log.exception("could not rebuild jobs", extra={"feature": name})
        log.info("scheduler started", extra={"jobs": len(self._aps.get_jobs())})

    async def stop(self, grace: float = 10.0) -> None:
        """Start no more jobs, let running ones finish for up to `grace` seconds, then stop.

        A job's own unit of work commits or rolls back; one still running after the grace
        period is cancelled.
        """
        if self._aps.running:
            self._aps.pause()
            running = {task for task in self._running if not task.done()}
            if running:
                _, late = await asyncio.wait(running, timeout=grace)
                for task in late:
                    task.cancel()
            self._aps.shutdown(wait=False)
        self._aps = AsyncIOScheduler(timezone=self.context.settings.tz)
        log.info("scheduler stopped")
