"""A coordinator's day without reading any file: the survey cycle from /admin buttons, their
own /help and command menu, usage lines, question states and numbers in their language."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from bot.broadcast import EngineOptions
from bot.config import Settings
from bot.surveys import export, jobs
from botapi_emulator import Emulator
from expertpool_sandbox.harness import RunningBot
from tests.e2e.people import wait_text
from tests.e2e.test_surveys import PULSE, PULSE_TEXT, answer_pulse, context, invitation, seed


@pytest.fixture
def settings(settings_factory: Callable[..., Settings]) -> Settings:
    return settings_factory(quiet_hours="off")


@pytest.fixture
async def app(emulator: Emulator, settings: Settings) -> AsyncIterator[RunningBot]:
    options = EngineOptions(poll_interval=0.05, progress_interval=60)
    running = await RunningBot.start(settings, broadcaster=options)
    await emulator.wait_until_polling()
    yield running
    await running.stop()


async def test_the_survey_cycle_runs_from_admin_buttons(
    emulator: Emulator, app: RunningBot
) -> None:
    """Import, schedule, a member answers, results, export: all by buttons under /admin."""
    pool = await seed(emulator, app, ["nl"])
    coordinator = pool.coordinator
    await coordinator.send_command("/admin")
    menu = await coordinator.wait_for_message()
    await coordinator.press("📋 Surveys", menu)
    listing = await wait_text(coordinator, "No surveys yet.")
    await coordinator.press("📥 Import a survey file", listing)
    await wait_text(coordinator, "Send the survey file (.yaml) as a document.")
    await coordinator.send_document(PULSE_TEXT.encode(), "monthly-pulse.yaml")
    await wait_text(coordinator, "New survey pulse, version 1, with 5 questions.")

    await coordinator.press("📋 Surveys", menu)
    listing = await wait_text(coordinator, "Surveys. Choose one")
    await coordinator.press("Monthly pulse · v1", listing)
    card = await wait_text(coordinator, "Survey pulse, version 1")
    assert "5 questions" in (card.text or "")
    await coordinator.press("🗓 Schedule", card)
    regions = await wait_text(coordinator, "which region gets it?")
    # A coordinator of Twente plans only for Twente.
    assert [b for b in regions.button_texts if not b.startswith("‹")] == ["Twente"]
    await coordinator.press("Twente", regions)
    moments = await wait_text(coordinator, "for Twente: when?")
    shown = {b.replace("\u202f", " ") for b in moments.button_texts}  # Babel's narrow space
    assert {"Now", "Tomorrow at 10:00 AM", "Next Monday at 10:00 AM"} <= shown
    await coordinator.press("Now", moments)
    await wait_text(coordinator, "Planned #1: pulse for Twente")
    await app.settled()
    assert await jobs.tick(context(app)) >= 1

    user, lang = pool.members[0]
    invited = await invitation(user, PULSE, lang)
    await answer_pulse(app, user, invited, lang, "4", ["housing"], True)
    await wait_text(coordinator, "is finished.")  # the broadcaster's summary

    await coordinator.press("📊 Results", card)
    report = (await wait_text(coordinator, "Monthly pulse")).text or ""
    assert "Survey pulse, version 1" in report and "Finished:" in report
    await coordinator.press("⬇️ Export (CSV)", card)
    responses = await coordinator.wait_for_message(lambda m: m.file_id is not None)
    await coordinator.wait_for_message(lambda m: m.file_id is not None)
    stored = emulator.world.files.get(responses.file_id or "")
    assert stored is not None
    # Anonymous and one respondent: the row is left out, and the caption says so.
    assert export.parse(stored.data) == []
    assert "1 response is left out" in (responses.caption or "")

    # An admin may plan for every region at once.
    admin = emulator.create_user("Admin", language_code="en", user_id=900_001)
    await admin.send_command("/admin")
    await admin.press("📋 Surveys", await admin.wait_for_message())
    await admin.press("Monthly pulse · v1", await wait_text(admin, "Surveys. Choose one"))
    await admin.press("🗓 Schedule", await wait_text(admin, "Survey pulse, version 1"))
    choice = await wait_text(admin, "which region gets it?")
    assert "All regions" in choice.button_texts and "Zwolle" in choice.button_texts
