"""Leader election against real PostgreSQL and Redis: one leader, quick takeover, no split brain."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg  # type: ignore[import-untyped]
import pytest
from redis.asyncio import Redis

from bot.app import prepare_database_exclusively
from bot.config import load_settings
from bot.scale.leader import LeaderServices, Leadership
from bot.scale.locks import (
    LocalLockBackend,
    LockBackend,
    PostgresLockBackend,
    RedisLockBackend,
    create_lock_backend,
)
from db import migrate
from db.engine import create_engine
from tests.servers import (
    PG_HOST,
    PG_PORT,
    PG_USER,
    closed_port,
    fresh_postgres_database,
    fresh_redis_prefix,
)

FAST_RETRY = 0.05
TIMEOUT = 5.0


class Watched:
    """Wraps a lock backend: counts acquire attempts (to wait for them) and can freeze renewal."""

    def __init__(self, inner: LockBackend) -> None:
        self.inner = inner
        self.kind = inner.kind
        self.renew_interval = inner.renew_interval
        self.attempts = 0
        self.thawed = asyncio.Event()
        self.thawed.set()
        self._changed = asyncio.Condition()

    async def acquire(self) -> bool:
        try:
            return await self.inner.acquire()
        finally:
            async with self._changed:
                self.attempts += 1
                self._changed.notify_all()

    async def wait_attempts(self, count: int) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: self.attempts >= count), TIMEOUT)

    async def renew(self) -> bool:
        await self.thawed.wait()  # a frozen process: no renewal until thawed
        return await self.inner.renew()

    async def release(self) -> None:
        await self.inner.release()

    async def close(self) -> None:
        await self.inner.close()


class Calls:
    def __init__(self) -> None:
        self.log: list[str] = []

    def recorder(self, what: str) -> Callable[[], Awaitable[None]]:
        async def record() -> None:
            self.log.append(what)

        return record


async def first_leader(*candidates: Leadership) -> Leadership:
    waits = {asyncio.create_task(c.wait_until_leader()): c for c in candidates}
    done, pending = await asyncio.wait(waits, timeout=TIMEOUT, return_when="FIRST_COMPLETED")
    for task in pending:
        task.cancel()
    assert done, "nobody was elected"
    return waits[done.pop()]


async def assert_stays_follower(follower: Leadership, backend: Watched, attempts: int = 3) -> None:
    await backend.wait_attempts(backend.attempts + attempts)
    assert not follower.is_leader


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    async with fresh_postgres_database() as url:
        yield url


def pg_pair(url: str) -> tuple[Watched, Watched]:
    name = f"leader-{uuid.uuid4().hex}"
    return (
        Watched(PostgresLockBackend(url, name, check_interval=0.05)),
        Watched(PostgresLockBackend(url, name, check_interval=0.05)),
    )


async def kill_advisory_lock_holders(database: str) -> int:
    admin = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database="postgres")
    try:
        return len(
            await admin.fetch(
                "SELECT pg_terminate_backend(l.pid) FROM pg_locks l "
                "JOIN pg_database d ON d.oid = l.database "
                "WHERE l.locktype = 'advisory' AND l.granted AND d.datname = $1",
                database,
            )
        )
    finally:
        await admin.close()


async def test_postgres_one_leader_and_takeover_when_its_connection_dies(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="bot.scale.leader")
    (a, b), calls = pg_pair(postgres_url), Calls()
    async with (
        Leadership(
            a, instance_id="a", on_lost=calls.recorder("a stopped"), retry_interval=FAST_RETRY
        ) as lead_a,
        Leadership(
            b, instance_id="b", on_lost=calls.recorder("b stopped"), retry_interval=FAST_RETRY
        ) as lead_b,
    ):
        leader = await first_leader(lead_a, lead_b)
        follower, follower_backend = (lead_b, b) if leader is lead_a else (lead_a, a)
        await assert_stays_follower(follower, follower_backend)

        database = postgres_url.rsplit("/", 1)[1]
        assert await kill_advisory_lock_holders(database) == 1
        await asyncio.wait_for(follower.wait_until_leader(), TIMEOUT)
        await asyncio.wait_for(leader.lost.wait(), TIMEOUT)
        assert calls.log == [f"{leader.instance_id} stopped"]
        leader_backend = a if leader is lead_a else b
        await assert_stays_follower(leader, leader_backend)  # it retries, but cannot win back
        assert follower.is_leader

    def instances(event: str) -> list[str]:
        return [getattr(r, "instance_id", "") for r in caplog.records if r.getMessage() == event]

    assert instances("leadership elected") == [leader.instance_id, follower.instance_id]
    assert instances("leadership lost") == [leader.instance_id]


async def test_postgres_leader_that_stops_hands_over(postgres_url: str) -> None:
    a, b = pg_pair(postgres_url)
    async with Leadership(a, instance_id="a", retry_interval=FAST_RETRY) as lead_a:
        await asyncio.wait_for(lead_a.wait_until_leader(), TIMEOUT)
        async with Leadership(b, instance_id="b", retry_interval=FAST_RETRY) as lead_b:
            await assert_stays_follower(lead_b, b)
            await lead_a.__aexit__(None, None, None)
            assert lead_a.lost.is_set()
            await asyncio.wait_for(lead_b.wait_until_leader(), TIMEOUT)


@pytest.fixture
async def redis_prefix() -> AsyncIterator[tuple[str, str]]:
    async with fresh_redis_prefix() as url_and_prefix:
        yield url_and_prefix


def redis_backend(url: str, key: str, owner: str, ttl: float = 2.0) -> Watched:
    return Watched(RedisLockBackend(Redis.from_url(url), key, owner=owner, ttl=ttl))


async def test_redis_one_leader_and_release_hands_over(redis_prefix: tuple[str, str]) -> None:
    url, prefix = redis_prefix
    a, b = (redis_backend(url, f"{prefix}leader", owner) for owner in "ab")
    async with Leadership(a, instance_id="a", retry_interval=FAST_RETRY) as lead_a:
        async with Leadership(b, instance_id="b", retry_interval=FAST_RETRY) as lead_b:
            leader = await first_leader(lead_a, lead_b)
            follower, follower_backend = (lead_b, b) if leader is lead_a else (lead_a, a)
            await assert_stays_follower(follower, follower_backend)
            async with Redis.from_url(url) as raw:
                holder = await raw.get(f"{prefix}leader")
            assert isinstance(holder, bytes) and holder.decode().startswith(
                f"{leader.instance_id}:"
            )

            await leader.__aexit__(None, None, None)
            await asyncio.wait_for(follower.wait_until_leader(), TIMEOUT)


async def test_redis_frozen_leader_is_replaced_after_ttl_and_steps_down_on_waking(
    redis_prefix: tuple[str, str],
) -> None:
    url, prefix = redis_prefix
    key = f"{prefix}leader"
    a, b = redis_backend(url, key, "a", ttl=1.0), redis_backend(url, key, "b", ttl=1.0)
    calls = Calls()
    async with Leadership(
        a, instance_id="a", on_lost=calls.recorder("a stopped"), retry_interval=FAST_RETRY
    ) as la:
        await asyncio.wait_for(la.wait_until_leader(), TIMEOUT)
        a.thawed.clear()  # frozen: it stops renewing, but believes it still leads
        async with Leadership(b, instance_id="b", retry_interval=FAST_RETRY) as lb:
            await asyncio.wait_for(lb.wait_until_leader(), TIMEOUT)  # after the key expired
            assert calls.log == []

            a.thawed.set()
            await asyncio.wait_for(la.lost.wait(), TIMEOUT)  # compare-and-extend refused it
            assert calls.log == ["a stopped"]
            assert lb.is_leader
            inner = b.inner
            assert isinstance(inner, RedisLockBackend)
            async with Redis.from_url(url) as raw:
                assert await raw.get(key) == inner.token.encode()  # a's release spared b's lock
                assert 0 < await raw.pttl(key) <= 1000


async def test_unreachable_redis_means_no_leader_and_no_crash() -> None:
    backend = redis_backend(f"redis://127.0.0.1:{closed_port()}/0", "expertpool:test", "a")
    async with Leadership(backend, instance_id="a", retry_interval=FAST_RETRY) as lead:
        await assert_stays_follower(lead, backend, attempts=2)


async def test_services_follow_leadership_and_a_failing_start_steps_down() -> None:
    events: list[str] = []
    attempts = asyncio.Event()

    async def failing_start() -> None:
        events.append("bad start")
        if events.count("bad start") == 2:
            attempts.set()
        raise RuntimeError("scheduler could not start")

    async def noop() -> None:
        return None

    services = LeaderServices()
    services.add(
        "first", lambda: _append(events, "first start"), lambda: _append(events, "first stop")
    )
    services.add("bad", failing_start, noop)
    backend = Watched(LocalLockBackend())
    async with Leadership(
        backend,
        instance_id="x",
        on_elected=services.start_all,
        on_lost=services.stop_all,
        retry_interval=FAST_RETRY,
    ) as lead:
        await asyncio.wait_for(attempts.wait(), TIMEOUT)
        await backend.wait_attempts(3)  # it stepped down after the failure and tried again
    assert events[:3] == ["first start", "bad start", "first stop"]
    assert services.running == ()
    assert not lead.is_leader


async def _append(events: list[str], what: str) -> None:
    events.append(what)


async def test_lock_backend_follows_configuration(database_url: str) -> None:
    settings = load_settings(bot_token="42:TEST", database_url=database_url, redis_url=None)
    backend = create_lock_backend(settings)
    expected = LocalLockBackend if settings.is_sqlite else PostgresLockBackend
    assert isinstance(backend, expected)
    calls = Calls()
    async with Leadership(
        backend,
        instance_id=settings.instance_id,
        on_elected=calls.recorder("started"),
        on_lost=calls.recorder("stopped"),
        retry_interval=FAST_RETRY,
    ) as lead:
        await asyncio.wait_for(lead.wait_until_leader(), TIMEOUT)
        assert calls.log == ["started"]
    assert calls.log == ["started", "stopped"]
    assert lead.lost.is_set()

    with_redis = load_settings(
        bot_token="42:TEST", database_url=database_url, redis_url="redis://127.0.0.1:6379/0"
    )
    redis_backend = create_lock_backend(with_redis)
    assert isinstance(redis_backend, RedisLockBackend)
    assert redis_backend.key == "expertpool:42:leader"
    assert redis_backend.renew_interval == pytest.approx(20 / 3)
    await redis_backend.close()


async def test_workers_starting_together_migrate_one_at_a_time(postgres_url: str) -> None:
    settings = load_settings(_env_file=None, database_url=postgres_url)
    starts = [prepare_database_exclusively(settings) for _ in range(3)]
    await asyncio.wait_for(asyncio.gather(*starts), 30)
    engine = create_engine(postgres_url)
    try:
        assert await migrate.current_revision(engine) == migrate.head_revision()
    finally:
        await engine.dispose()
