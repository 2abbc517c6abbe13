"""The real `python -m bot run` process against the emulator over HTTP."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import aiohttp
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from bot.broadcast import service
from bot.broadcast.audience import Audience
from bot.broadcast.content import Content
from bot.config import Settings
from bot.members.consent import notice_version
from botapi_emulator import Emulator
from db.base import utcnow
from db.engine import create_engine, create_session_factory
from db.models import Member, Region
from tests.e2e.conftest import TOKEN
from tests.process import STARTUP_TIMEOUT, BotProcess


async def test_python_m_bot_run_serves_a_user_and_stops_cleanly(
    emulator: Emulator, tmp_path: Path
) -> None:
    proc = await BotProcess.start(
        "run",
        cwd=tmp_path,
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=emulator.api_url,
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        LOG_LEVEL="INFO",
        METRICS_PORT="0",
        INSTANCE_ID="poller-1",
    )
    try:
        started: dict[str, dict[str, Any]] = {}

        def both_seen(event: dict[str, Any]) -> bool:
            if event["event"] in {"metrics server listening", "leadership elected"}:
                started[event["event"]] = event
            return len(started) == 2

        await proc.wait_for_log(both_seen)
        await emulator.wait_until_polling(timeout=STARTUP_TIMEOUT)
        user = emulator.create_user("Amina", language_code="ti")
        await user.send_command("/start")
        picker = await user.wait_for_message(timeout=10)
        assert picker.button_texts[0] == "ትግርኛ"
        await user.send_command("/nonsense")
        reply = await user.wait_for_message(timeout=10)
        assert "/help" in (reply.text or "")
        # /metrics and /healthz on METRICS_PORT in polling mode.
        base = f"http://127.0.0.1:{started['metrics server listening']['port']}"
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{base}/metrics") as response:
                assert response.status == 200
                body = await response.text()
            async with http.get(f"{base}/healthz") as response:
                assert response.status == 200
        samples = {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(body)
            for s in family.samples
        }
        handled = ("expertpool_updates_total", (("outcome", "handled"), ("type", "message")))
        assert samples[handled] >= 1  # /nonsense may still be finishing
        assert samples[("expertpool_leader", (("instance_id", "poller-1"),))] == 1
        assert samples[("expertpool_bot_api_calls_total", (("method", "getMe"), ("result", "ok")))]
        assert await proc.stop() == 0
    finally:
        await proc.kill()
    output = "\n".join(proc.lines)
    assert TOKEN not in output
    assert "/nonsense" not in output  # message contents are not logged at INFO
    assert "Traceback" not in output


async def test_broadcasts_sent_by_a_process_of_their_own(
    emulator: Emulator, tmp_path: Path
) -> None:
    """BROADCAST_ENGINE=process: `python -m bot run` answers members and leaves sending to
    `python -m bot broadcaster`, which sends each member one copy and stops cleanly."""
    database = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    settings = dict(
        BOT_TOKEN=TOKEN, TELEGRAM_API_URL=emulator.api_url, DATABASE_URL=database,
        LOG_LEVEL="INFO", BROADCAST_ENGINE="process", QUIET_HOURS="off",
    )  # fmt: skip
    run = await BotProcess.start("run", cwd=tmp_path, **settings)
    sender: BotProcess | None = None
    try:
        await emulator.wait_until_polling(timeout=STARTUP_TIMEOUT)
        members = [emulator.create_user(f"Member {i}", language_code="nl") for i in range(3)]
        await _add_members(database, [m.id for m in members])
        sender = await BotProcess.start(
            "broadcaster", cwd=tmp_path, METRICS_PORT="0", INSTANCE_ID="sender-1", **settings
        )
        listening = await sender.wait_for_log(lambda e: e["event"] == "metrics server listening")
        for member in members:
            message = await member.wait_for_message(timeout=STARTUP_TIMEOUT)
            assert "Monday" in (message.text or "")
        url = f"http://127.0.0.1:{listening['port']}/metrics"
        sent = ("expertpool_broadcast_deliveries_total", (("status", "sent"),))
        async with asyncio.timeout(30), aiohttp.ClientSession() as http:
            while True:  # a copy arrives a moment before its journal records it as sent
                async with http.get(url) as response:
                    body = await response.text()
                samples = {
                    (s.name, tuple(sorted(s.labels.items()))): s.value
                    for family in text_string_to_metric_families(body)
                    for s in family.samples
                }
                if samples.get(sent) == 3:
                    break
                await asyncio.sleep(0.1)
        assert samples[("expertpool_leader", (("instance_id", "sender-1"),))] == 1
        assert await sender.stop() == 0
        assert await run.stop() == 0
    finally:
        await run.kill()
        if sender is not None:
            await sender.kill()
    assert all(len(m.bot_messages()) == 1 for m in members)
    started = [json.loads(line) for line in sender.lines if line.startswith("{")]
    assert {"event": "leader service started", "service": "broadcaster"}.items() <= next(
        e for e in started if e.get("service") == "broadcaster"
    ).items()
    assert '"service": "broadcaster"' not in "\n".join(run.lines)  # the bot sent nothing


async def _add_members(url: str, telegram_ids: list[int]) -> None:
    """Members who finished onboarding, and an announcement to all of them."""
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            region = await session.scalar(select(Region.id).where(Region.code == "twente"))
            now = utcnow()
            for telegram_id in telegram_ids:
                session.add(Member(telegram_id=telegram_id, language="nl", status="active",
                                   region_id=region, consent_version=notice_version(),
                                   created_at=now, updated_at=now))  # fmt: skip
            await session.flush()
            text = "Meeting on <b>Monday</b> at 19:00."
            await service.create(
                session, Settings(bot_token=TOKEN, database_url=url, _env_file=None),
                actor=None, audience=Audience(), versions={"*": Content("text", text, 26)},
                now=now, locale="nl",
            )  # fmt: skip
            await session.commit()
    finally:
        await engine.dispose()
