"""Delivery states written with group commit: many senders, few transactions.

A sender claims its delivery ('queued' -> 'sending') and waits until that is committed
before the HTTP call; afterwards it records the result and waits for that commit too
before it frees its slot. So after a crash only deliveries whose call was in flight are
ambiguous ('sending'), never more than the engine's window of concurrent sends.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from db.models import BroadcastDelivery, DeliveryState, Member, MemberStatus

_RESULT = (
    update(BroadcastDelivery)
    .where(BroadcastDelivery.id == bindparam("d_id"))
    .values(
        state=bindparam("d_state"),
        message_id=bindparam("d_message_id"),
        sent_at=bindparam("d_sent_at"),
        last_error=bindparam("d_error"),
    )
)


@dataclass
class _Result:
    delivery_id: int
    state: str
    message_id: int | None = None
    sent_at: datetime | None = None
    error: str | None = None
    unreachable_member: int | None = None


class Journal:
    def __init__(
        self, session_factory: async_sessionmaker[AsyncSession], linger: float = 0.0
    ) -> None:
        engine = session_factory.kw.get("bind")
        if not isinstance(engine, AsyncEngine):
            raise TypeError("the session factory must be bound to an AsyncEngine")
        self.engine = engine
        self.linger = linger  # wait this long after the first write to gather more
        self._conn: AsyncConnection | None = None  # one connection for all writes: cheaper
        self._claims: list[tuple[int, asyncio.Future[bool]]] = []
        self._results: list[tuple[_Result, asyncio.Future[None]]] = []
        self._pending = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.commits = 0
        self.on_result: Callable[[str], None] | None = None  # each recorded state (metrics)

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="broadcast-journal")

    async def stop(self) -> None:
        """Write what is pending, then stop."""
        if self._task is None:
            return
        while self._claims or self._results:
            await self._flush()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
        await self._disconnect()

    async def abort(self) -> None:
        """Stop at once, like a crash: pending writes are lost (an open transaction rolls back)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        await self._disconnect()
        for future in self._futures():
            future.cancel()
        self._claims.clear()
        self._results.clear()

    async def claim(self, delivery_id: int) -> bool:
        """Mark 'sending' (committed); False if the delivery is no longer queued."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._claims.append((delivery_id, future))
        self._pending.set()
        return await future

    async def sent(self, delivery_id: int, message_id: int, at: datetime) -> None:
        await self._record(_Result(delivery_id, DeliveryState.SENT.value, message_id, at))

    async def requeue(self, delivery_id: int, error: str) -> None:
        await self._record(_Result(delivery_id, DeliveryState.QUEUED.value, error=error[:200]))

    async def close(self, delivery_id: int, state: DeliveryState, error: str) -> None:
        await self._record(_Result(delivery_id, state.value, error=error[:200]))

    async def unreachable(self, delivery_id: int, member_id: int, error: str) -> None:
        """The member blocked the bot or is gone: so is every later delivery to them."""
        state = DeliveryState.UNREACHABLE.value
        await self._record(
            _Result(delivery_id, state, error=error[:200], unreachable_member=member_id)
        )

    async def _record(self, result: _Result) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._results.append((result, future))
        self._pending.set()
        await future

    def _futures(self) -> list[asyncio.Future[Any]]:
        return [f for _, f in self._claims] + [f for _, f in self._results]

    async def _run(self) -> None:
        while True:
            await self._pending.wait()
            if self.linger:
                await asyncio.sleep(self.linger)
            await self._flush()

    async def _flush(self) -> None:
        self._pending.clear()
        claims, self._claims = self._claims, []
        results, self._results = self._results, []
        if not claims and not results:
            return
        futures = [f for _, f in claims] + [f for _, f in results]
        try:
            claimed = await self._write([c for c, _ in claims], [r for r, _ in results])
        except Exception as exc:
            await self._disconnect()
            for future in futures:
                if not future.done():
                    future.set_exception(exc)
            return
        self.commits += 1
        if self.on_result is not None:
            for result, _ in results:
                self.on_result(result.state)
        for delivery_id, claim in claims:
            if not claim.done():
                claim.set_result(delivery_id in claimed)
        for _, done in results:
            if not done.done():
                done.set_result(None)

    async def _write(self, claims: list[int], results: list[_Result]) -> set[int]:
        if self._conn is None:
            self._conn = await self.engine.connect()
        conn = self._conn
        claimed: set[int] = set()
        async with conn.begin():
            if results:
                await conn.execute(
                    _RESULT,
                    [
                        {"d_id": r.delivery_id, "d_state": r.state, "d_message_id": r.message_id,
                         "d_sent_at": r.sent_at, "d_error": r.error}
                        for r in results
                    ],
                )  # fmt: skip
                members = {r.unreachable_member for r in results if r.unreachable_member}
                if members:
                    await conn.execute(
                        update(Member)
                        .where(Member.id.in_(members))
                        .values(status=MemberStatus.UNREACHABLE.value)
                    )
            if claims:
                found = await conn.execute(
                    update(BroadcastDelivery)
                    .where(
                        BroadcastDelivery.id.in_(claims),
                        BroadcastDelivery.state == DeliveryState.QUEUED.value,
                    )
                    .values(
                        state=DeliveryState.SENDING.value,
                        attempts=BroadcastDelivery.attempts + 1,
                    )
                    .returning(BroadcastDelivery.id)
                )
                claimed = set(found.scalars())
        return claimed

    async def _disconnect(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            with contextlib.suppress(Exception):
                await conn.close()
