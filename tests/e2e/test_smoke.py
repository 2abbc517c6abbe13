"""Smoke: a new user meets the bot over real HTTP."""

from __future__ import annotations

from botapi_emulator import Emulator
from expertpool_sandbox.harness import RunningBot


async def test_start_shows_language_picker_with_users_language_first(
    emulator: Emulator, app: RunningBot
) -> None:
    amina = emulator.create_user("Amina", language_code="ar")
    await amina.send_command("/start")
    reply = await amina.wait_for_message()
    assert "يُرجى اختيار اللغة" in (reply.text or "")
    names = reply.button_texts
    assert names[0] == "العربية"
    assert {"Nederlands", "English", "ትግርኛ", "Türkçe", "Українська", "Soomaali"} <= set(names)
    assert any(name.startswith("فارسی") for name in names)


async def test_unknown_command_gets_help_in_users_language(
    emulator: Emulator, app: RunningBot
) -> None:
    oksana = emulator.create_user("Oksana", language_code="uk")
    await oksana.send_command("/frobnicate")
    reply = await oksana.wait_for_message()
    assert "Вибачте" in (reply.text or "")
    assert "/help" in (reply.text or "")
