"""Leader election: exactly one process runs the leader-only services (scheduler, broadcaster)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType

from bot.scale.locks import LockBackend
from bot.waiting import unabandoned

log = logging.getLogger(__name__)

Callback = Callable[[], Awaitable[None]]
RETRY_INTERVAL = 5.0


@dataclass(frozen=True)
class _Service:
    name: str
    start: Callback
    stop: Callback


class LeaderServices:
    """Async start/stop pairs run only while this process leads; stopped in reverse order."""

    def __init__(self) -> None:
        self._services: list[_Service] = []
        self._running: list[_Service] = []

    def add(self, name: str, start: Callback, stop: Callback) -> None:
        self._services.append(_Service(name, start, stop))

    @property
    def running(self) -> tuple[str, ...]:
        return tuple(service.name for service in self._running)

    async def start_all(self) -> None:
        """Start each service; if one fails, stop those already started and re-raise."""
        for service in self._services:
            try:
                await service.start()
            except Exception:
                log.exception("leader service failed to start", extra={"service": service.name})
                await self.stop_all()
                raise
            self._running.append(service)
            log.info("leader service started", extra={"service": service.name})

    async def stop_all(self) -> None:
        while self._running:
            service = self._running.pop()
            try:
                await service.stop()
            except Exception:
                log.exception("leader service failed to stop", extra={"service": service.name})
            else:
                log.info("leader service stopped", extra={"service": service.name})


class Leadership:
    """Competes for the lock in the background while the context is open.

    `elected` is set while this process leads; `lost` is set when leadership ends (lost or
    released) and cleared on re-election. `on_elected`/`on_lost` start and stop leader-only
    services. A follower retries every `retry_interval` seconds; a leader renews (or checks)
    its lock every `renew_interval` (default: the backend's) and steps down when it cannot.
    """

    def __init__(
        self,
        backend: LockBackend,
        *,
        instance_id: str,
        on_elected: Callback | None = None,
        on_lost: Callback | None = None,
        retry_interval: float = RETRY_INTERVAL,
        renew_interval: float | None = None,
    ) -> None:
        self.backend = backend
        self.instance_id = instance_id
        self.on_elected = on_elected
        self.on_lost = on_lost
        self.retry_interval = retry_interval
        self.renew_interval = renew_interval or backend.renew_interval
        self.elected = asyncio.Event()
        self.lost = asyncio.Event()
        self._owes_on_lost = False  # elected since on_lost last ran
        self._task: asyncio.Task[None] | None = None

    @property
    def is_leader(self) -> bool:
        return self.elected.is_set()

    async def wait_until_leader(self) -> None:
        await self.elected.wait()

    async def __aenter__(self) -> Leadership:
        self._task = asyncio.create_task(self._run(), name=f"leadership-{self.instance_id}")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._task is not None:
                self._task.cancel()
                await asyncio.wait([self._task])
                self._task = None
        finally:
            try:
                await self._step_down("released")
            finally:
                await self.backend.close()

    def _extra(self, **more: object) -> dict[str, object]:
        return {"instance_id": self.instance_id, "lock": self.backend.kind, **more}

    async def _run(self) -> None:
        while True:
            if await self._try_acquire():
                await self._hold()
            await asyncio.sleep(self.retry_interval)

    async def _try_acquire(self) -> bool:
        try:
            acquired = await self.backend.acquire()
        except Exception as exc:
            log.warning("leader lock unavailable", extra=self._extra(reason=repr(exc)))
            await self._release_quietly()
            return False
        if not acquired:
            return False
        self.lost.clear()
        self.elected.set()
        log.info("leadership elected", extra=self._extra())
        self._owes_on_lost = True
        if self.on_elected is not None:
            try:
                await unabandoned(self.on_elected())  # a shutdown now stops them once started
            except Exception:
                log.exception("leader services failed to start; stepping down", extra=self._extra())
                await self._step_down("services failed")
                return False
        return True

    async def _hold(self) -> None:
        while True:
            await asyncio.sleep(self.renew_interval)
            try:
                held = await self.backend.renew()
            except Exception as exc:
                log.warning("leader lock check failed", extra=self._extra(reason=repr(exc)))
                held = False
            if not held:
                await self._step_down("lost")
                return

    async def _step_down(self, reason: str) -> None:
        """Idempotent: announce, stop services, then free the lock for the next leader."""
        if self.elected.is_set():
            self.elected.clear()
            self.lost.set()
            level = logging.INFO if reason == "released" else logging.WARNING
            log.log(level, f"leadership {reason}", extra=self._extra())
        if self._owes_on_lost and self.on_lost is not None:
            self._owes_on_lost = False
            try:
                await self.on_lost()
            except Exception:
                log.exception("leader services failed to stop", extra=self._extra())
        await self._release_quietly()

    async def _release_quietly(self) -> None:
        try:
            await self.backend.release()
        except Exception as exc:
            log.warning("could not release leader lock", extra=self._extra(reason=repr(exc)))
