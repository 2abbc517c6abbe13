"""The real `python -m bot run` process against the emulator over HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from botapi_emulator import Emulator
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
