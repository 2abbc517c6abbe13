"""The database, then Redis, then the database behind a webhook, unreachable while members
write (issue 20): the real PostgreSQL and Redis behind a TCP proxy the test cuts and
restores. Nothing is lost or handled twice, each member hears once, in their language, that
the bot is temporarily unavailable, /healthz says so, and the bot recovers by itself."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select

from bot.inbox import store
from bot.scale.health import HealthCheck
from bot.scale.outage import UNAVAILABLE
from bot.scale.storage import create_storage
from bot.scale.webhook import create_webhook_app
from botapi_emulator import Emulator, SimUser
from db.models import InboxUpdate
from expertpool_sandbox.harness import RunningBot
from tests.e2e.conftest import ADMIN_ID, TOKEN
from tests.e2e.people import wait_text
from tests.servers import (
    PG_PORT,
    fresh_postgres_database,
    fresh_redis_prefix,
)
from tests.tcp_proxy import TcpProxy

PICKER = "Choose your language"
SECRET = "outage-test"
PATH = "/telegram/webhook"


@pytest.fixture
async def proxied_url(postgres_template: str) -> AsyncIterator[tuple[str, TcpProxy]]:
    async with fresh_postgres_database(postgres_template) as url, TcpProxy(PG_PORT) as proxy:
        yield url.replace(f":{PG_PORT}/", f":{proxy.port}/"), proxy


def pickers(user: SimUser) -> int:
    return sum(PICKER in (m.text or "") for m in user.bot_messages())


def notices(app: RunningBot, user: SimUser, locale: str) -> int:
    said = app.i18n.gettext(UNAVAILABLE, locale=locale)
    return sum(m.text == said for m in user.bot_messages())


async def test_no_update_is_lost_while_postgresql_and_redis_are_away(
    emulator: Emulator, proxied_url: tuple[str, TcpProxy]
) -> None:
    from bot.config import Settings

    database_url, database = proxied_url
    async with fresh_redis_prefix() as (redis_url, prefix):
        redis_port = int(redis_url.rsplit(":", 1)[1].split("/")[0])
        async with TcpProxy(redis_port) as redis:
            settings = Settings(
                bot_token=TOKEN, telegram_api_url=emulator.api_url, database_url=database_url,
                redis_url=redis_url.replace(f":{redis_port}/", f":{redis.port}/"),
                admin_ids=(ADMIN_ID,), _env_file=None,
            )  # type: ignore[call-arg]  # fmt: skip
            app = await RunningBot.start(settings, create_storage(settings, prefix=prefix + "fsm"))
            await emulator.wait_until_polling()
            health = HealthCheck(app.engine, outage=app.inbox.outage)  # type: ignore[union-attr]
            try:
                await _outages(emulator, app, database, redis, health)
            finally:
                await database.restore()
                await redis.restore()
                await app.stop()


async def _outages(
    emulator: Emulator, app: RunningBot, database: TcpProxy, redis: TcpProxy, health: HealthCheck
) -> None:
    assert app.inbox is not None

    people = {"ar": emulator.create_user("Amal", "ar"), "uk": emulator.create_user("Olena", "uk")}
    people["nl"] = emulator.create_user("Sanne", None)  # no language from Telegram: the default

    # The database goes away: updates wait in memory, unconfirmed; each member is told once.
    await database.cut()
    for user in people.values():
        await user.send_command("/start")
        await user.send_command("/start")
    for locale, user in people.items():
        await wait_text(user, app.i18n.gettext(UNAVAILABLE, locale=locale), timeout=20)
    assert app.inbox.held_updates == 6
    metrics = app.dispatcher["metrics"]
    await metrics.refresh()  # what a scrape reads: the database is away, the count is not
    assert metrics.registry.get_sample_value("expertpool_inbox_held") == 6
    healthy, report = await health.check()
    assert not healthy and report["updates"].startswith("retrying since")
    assert report["database"].startswith("unavailable")

    await database.restore()  # the bot finds it again by itself
    for user in people.values():
        await user.wait_for_message(lambda _m, u=user: pickers(u) == 2, timeout=20)
    await app.settled()
    assert app.inbox.held_updates == 0
    assert await health.check() == (True, {"database": "ok", "redis": "not configured",
                                           "updates": "ok"})  # fmt: skip

    # Redis goes away: updates are stored, their handling waits (not counted as failures).
    late = emulator.create_user("Mehmet", "tr")
    retried = _retried(app, late.id, times=store.MAX_ATTEMPTS + 1)
    await redis.cut()
    await late.send_command("/start")
    await wait_text(late, app.i18n.gettext(UNAVAILABLE, locale="tr"), timeout=20)
    stored = _stored_from(app, people["ar"].id)
    await people["ar"].send_command("/start")  # told a moment ago: not again
    await asyncio.wait_for(stored.wait(), 20)
    assert await _waiting(app) == 2  # stored; their handling waits for Redis
    assert pickers(late) == 0 and pickers(people["ar"]) == 2
    await asyncio.wait_for(retried.wait(), 20)  # more tries than a failing update gets
    await redis.restore()
    await late.wait_for_message(lambda _m: pickers(late) == 1, timeout=30)
    await people["ar"].wait_for_message(lambda _m: pickers(people["ar"]) == 3, timeout=30)
    await app.settled()

    # Every update handled exactly once; nothing parked; one notice per member.
    assert [pickers(u) for u in (*people.values(), late)] == [3, 2, 2, 1]
    for locale, user in (*people.items(), ("tr", late)):
        assert notices(app, user, locale) == 1, locale

    # Webhook mode, the database away: 503, so Telegram delivers the update again later.
    site = TestServer(
        create_webhook_app(app.dispatcher, app.bot, secret_token=SECRET, path=PATH, inbox=app.inbox)
    )
    await site.start_server()
    try:
        await app.bot.set_webhook(str(site.make_url(PATH)), secret_token=SECRET)
        reza = emulator.create_user("Reza", "fa")
        await database.cut()
        await reza.send_command("/start")
        await wait_text(reza, app.i18n.gettext(UNAVAILABLE, locale="fa"), timeout=20)
        await database.restore()
        await reza.wait_for_message(lambda _m: pickers(reza) == 1, timeout=20)
        refused = [d for d in emulator.deliveries if d.status == 503]
        assert refused and all(d.update_id == refused[0].update_id for d in refused)
        await app.settled()
        assert notices(app, reza, "fa") == 1 and pickers(reza) == 1
    finally:
        await app.bot.delete_webhook()
        await site.close()

    async with app.session_factory() as session:
        parked = await session.scalar(
            select(func.count()).select_from(InboxUpdate).where(InboxUpdate.parked_at.is_not(None))
        )
    assert parked == 0


def _retried(app: RunningBot, user_id: int, times: int) -> asyncio.Event:
    """Set once the inbox has put an update from `user_id` back `times` times (an outage)."""
    assert app.inbox is not None
    retried, claim, seen = asyncio.Event(), app.inbox._claim, [0]

    async def claim_and_count(free: int, done: list[int], requeued: list[int]) -> Any:
        async with app.session_factory() as session:
            senders = await session.scalars(
                select(InboxUpdate.user_id).where(InboxUpdate.update_id.in_(requeued))
            )
            seen[0] += list(senders).count(user_id)
        if seen[0] >= times:
            retried.set()
        return await claim(free, done, requeued)

    app.inbox._claim = claim_and_count  # type: ignore[method-assign]
    return retried


def _stored_from(app: RunningBot, user_id: int) -> asyncio.Event:
    """Set once an update from `user_id` is stored in the inbox."""
    assert app.inbox is not None
    stored, accept = asyncio.Event(), app.inbox.accept

    async def accept_and_tell(updates: Sequence[store.Incoming]) -> None:
        await accept(updates)
        if any(u.user_id == user_id for u in updates):
            stored.set()

    app.inbox.accept = accept_and_tell  # type: ignore[method-assign]
    return stored


async def _waiting(app: RunningBot) -> int:
    async with app.session_factory() as session:
        return int(
            await session.scalar(
                select(func.count()).select_from(InboxUpdate).where(InboxUpdate.done_at.is_(None))
            )
            or 0
        )
