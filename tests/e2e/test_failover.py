"""Two `python -m bot run` workers in webhook mode behind a load balancer and the emulator's
webhook delivery: the leader is killed during a broadcast and the other worker finishes it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import select

from bot.broadcast import service as broadcasts
from bot.broadcast.audience import Audience
from bot.broadcast.content import Content
from bot.config import Settings
from bot.members.consent import NOTICE_VERSION
from botapi_emulator import Emulator
from db.base import utcnow
from db.engine import create_engine, create_session_factory
from db.models import Broadcast, BroadcastStatus, Member, Region
from tests.balancer import balancer_for
from tests.e2e.conftest import TOKEN
from tests.process import STARTUP_TIMEOUT, BotProcess
from tests.servers import closed_port, fresh_postgres_database

SECRET = "failover-secret"
PATH = "/telegram/webhook"
MEMBERS = 40


async def test_leader_killed_during_broadcast(
    emulator: Emulator, tmp_path: Path, postgres_template: str
) -> None:
    async with fresh_postgres_database(template=postgres_template) as database_url:
        engine = create_engine(database_url)
        users = [emulator.create_user(f"M{i}", language_code="nl") for i in range(MEMBERS)]
        async with create_session_factory(engine)() as session:
            twente = await session.scalar(select(Region).where(Region.code == "twente"))
            assert twente is not None
            for user in users:
                session.add(Member(telegram_id=user.id, language="nl", status="active", region_id=twente.id,
                                   consent_version=NOTICE_VERSION, joined_at=utcnow()))  # fmt: skip
            await session.commit()

        emulator.flood.configure(global_per_sec=10)
        ports = [closed_port(), closed_port()]
        balancer, balancer_port = await balancer_for(ports, PATH)
        workers = [
            await BotProcess.start(
                "run",
                cwd=tmp_path,
                BOT_TOKEN=TOKEN,
                TELEGRAM_API_URL=emulator.api_url,
                DATABASE_URL=database_url,
                WEBHOOK_URL=f"http://127.0.0.1:{balancer_port}{PATH}",
                WEBHOOK_SECRET=SECRET,
                WEBHOOK_PORT=str(port),
                INSTANCE_ID=f"worker-{n}",
                QUIET_HOURS="off",
                BROADCAST_RATE="10",
            )  # fmt: skip
            for n, port in enumerate(ports, start=1)
        ]
        try:
            for worker in workers:
                await worker.wait_for_log(
                    lambda e: e["event"] == "webhook server listening", timeout=STARTUP_TIMEOUT
                )
            racers = [asyncio.ensure_future(w.wait_for_log(lambda e: e["event"] == "leadership elected", timeout=30))
                      for w in workers]  # fmt: skip
            done, pending = await asyncio.wait(racers, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            leader_id = next(iter(done)).result()["instance_id"]
            leader = workers[0] if leader_id == "worker-1" else workers[1]
            follower = workers[1] if leader is workers[0] else workers[0]

            async with create_session_factory(engine)() as session:
                settings = Settings(database_url=database_url, _env_file=None)  # type: ignore[call-arg]
                broadcast = await broadcasts.create(
                    session, settings, actor=None, audience=Audience(region_ids=(twente.id,)),
                    versions={"nl": Content("text", "Nieuws voor de pool", 19)}, now=utcnow(), locale="nl",
                )  # fmt: skip
                await session.commit()

            def got(user: object) -> int:
                return sum("Nieuws voor de pool" in (m.text or "") for m in user.bot_messages())  # type: ignore[attr-defined]

            # Kill the leader once some, not all, messages are out.
            while sum(got(u) for u in users) < 10:
                assert await emulator.world.events.notifier.wait(10), "no progress before the kill"
            await leader.kill()
            delivered_at_kill = sum(got(u) for u in users)
            assert delivered_at_kill < MEMBERS

            # Members still reach the bot through the surviving worker.
            await users[0].send_command("/help")
            await users[0].wait_for_message(lambda m: "/start" in (m.text or ""), timeout=20)

            await follower.wait_for_log(lambda e: e["event"] == "leadership elected", timeout=60)
            for user in users:
                await user.wait_for_message(lambda m: "Nieuws" in (m.text or ""), timeout=60)
            await follower.wait_for_log(lambda e: e["event"] == "broadcast finished", timeout=30)
            counts = [got(u) for u in users]
            assert min(counts) == 1
            assert sum(counts) - MEMBERS <= 1  # at most the one message in flight at the kill
            async with create_session_factory(engine)() as session:
                row = await session.get(Broadcast, broadcast.id)
                assert row is not None and row.status == BroadcastStatus.DONE
            assert await follower.stop() == 0
        finally:
            for worker in workers:
                await worker.kill()
            await balancer.cleanup()
            await engine.dispose()
