"""Helpers for end-to-end tests: translated labels and walking a member through onboarding."""

from __future__ import annotations

import json
from typing import Any

from botapi_emulator import Emulator, SimUser
from botapi_emulator.view import SimMessage
from expertpool_sandbox.harness import RunningBot


def t(app: RunningBot, msgid: str, locale: str) -> str:
    """The UI text as the member sees it in `locale`."""
    return app.i18n.gettext(msgid, locale=locale)


async def wait_text(user: SimUser, fragment: str, timeout: float = 5) -> SimMessage:
    """The next bot message containing `fragment` (earlier ones are skipped)."""
    return await user.wait_for_message(
        lambda m: fragment in (m.text or m.caption or ""), timeout=timeout
    )


async def start_and_consent(app: RunningBot, user: SimUser, language: str, name: str) -> None:
    await user.send_command("/start")
    await user.wait_for_message()
    await user.press(name)
    await wait_text(user, t(app, "Do you agree?", language))
    await user.press("✅ " + t(app, "I agree", language))
    await user.wait_for_message(lambda m: t(app, "No", language) in m.button_texts)
    await user.press(t(app, "No", language))
    await wait_text(user, t(app, "Which regional pool do you want to join?", language))


async def skip_intake(app: RunningBot, user: SimUser, language: str) -> None:
    for _ in range(6):
        await user.wait_for_message(lambda m: t(app, "Skip", language) in m.button_texts)
        await user.press(t(app, "Skip", language))


async def onboard(
    app: RunningBot, user: SimUser, language: str, name: str, region: str
) -> SimMessage:
    """Language, consent, region, skip the whole intake; returns the closing message."""
    await start_and_consent(app, user, language, name)
    await user.press(region)
    await skip_intake(app, user, language)
    # The closing message (welcome or "wait for approval") brings the main-menu keyboard.
    closing = await user.wait_for_message(
        lambda m: bool(user.reply_keyboard) and not m.inline_keyboard
    )
    user.skip_pending()
    return closing


def document_json(emulator: Emulator, message: SimMessage) -> Any:
    stored = emulator.world.files.get(message.file_id or "")
    assert stored is not None, "document not stored by the emulator"
    return json.loads(stored.data)
