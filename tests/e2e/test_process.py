"""The real `python -m bot run` process against the emulator over HTTP."""

from __future__ import annotations

from pathlib import Path

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
    )
    try:
        await emulator.wait_until_polling(timeout=STARTUP_TIMEOUT)
        user = emulator.create_user("Amina", language_code="ti")
        await user.send_command("/start")
        picker = await user.wait_for_message(timeout=10)
        assert picker.button_texts[0] == "ትግርኛ"
        await user.send_command("/nonsense")
        reply = await user.wait_for_message(timeout=10)
        assert "/help" in (reply.text or "")
        assert await proc.stop() == 0
    finally:
        await proc.kill()
    output = "\n".join(proc.lines)
    assert TOKEN not in output
    assert "/nonsense" not in output  # message contents are not logged at INFO
    assert "Traceback" not in output
