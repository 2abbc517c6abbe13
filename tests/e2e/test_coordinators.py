"""A coordinator's day without reading any file: the survey cycle from /admin buttons, their
own /help and command menu, usage lines, question states and numbers in their language."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.members.consent import NOTICE_VERSION
from bot.surveys import export, jobs
from bot.surveys.callbacks import SurveyAdminAction, SurveyAdminCallback, SurveyTime
from botapi_emulator import Emulator
from db.base import utcnow
from db.models import Member, Region, RoleGrant, Survey, SurveyRun
from expertpool_sandbox.harness import RunningBot
from tests.e2e.conftest import ADMIN_ID, broadcasting_bot
from tests.e2e.people import t, wait_text
from tests.e2e.test_questions import ask, make_pool
from tests.e2e.test_surveys import (
    PULSE,
    PULSE_TEXT,
    answer_pulse,
    context,
    invitation,
    label,
    seed,
)  # fmt: skip


@pytest.fixture
def settings(settings_factory: Callable[..., Settings]) -> Settings:
    return settings_factory(quiet_hours="off")


@pytest.fixture
async def app(emulator: Emulator, settings: Settings) -> AsyncIterator[RunningBot]:
    async with broadcasting_bot(emulator, settings) as running:
        yield running


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
    # Forged or outdated buttons: another region's time, a survey that doesn't exist.
    async with app.session_factory() as session:
        zwolle = await session.scalar(select(Region.id).where(Region.code == "zwolle"))
        survey_id = await session.scalar(select(Survey.id))
    forged = (
        (SurveyAdminCallback(a=SurveyAdminAction.TIME, survey=survey_id or 0, region=zwolle or 0,
                             at=SurveyTime.NOW), "You can send surveys only to your own regions."),
        (SurveyAdminCallback(a=SurveyAdminAction.TIME, survey=survey_id or 0, region=0,
                             at=SurveyTime.NOW), "You can send surveys only to your own regions."),
        (SurveyAdminCallback(a=SurveyAdminAction.OPEN, survey=999999), "Unknown survey."),
    )  # fmt: skip
    for data, reply in forged:
        await coordinator.press_callback_data(data.pack(), moments)
        await wait_text(coordinator, reply)
    await coordinator.press_callback_data("sva:t:99999999999999999999999:0:now", moments)
    await app.settled()
    async with app.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(SurveyRun)) == 1
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
    admin = emulator.create_user("Admin", language_code="en", user_id=ADMIN_ID)
    await admin.send_command("/admin")
    await admin.press("📋 Surveys", await admin.wait_for_message())
    await admin.press("Monthly pulse · v1", await wait_text(admin, "Surveys. Choose one"))
    await admin.press("🗓 Schedule", await wait_text(admin, "Survey pulse, version 1"))
    choice = await wait_text(admin, "which region gets it?")
    assert "All regions" in choice.button_texts and "Zwolle" in choice.button_texts


async def test_each_question_is_in_one_state(emulator: Emulator, app: RunningBot) -> None:
    """Regression: /questions listed "#1 · answered" under open questions and /stats said
    "1 asked · 1 answered · 1 open" for one answered question."""
    pool = await make_pool(emulator, app, "en", linked=False, name="Lina")
    coordinator = pool.coordinator
    await ask(app, pool.member, "en", "Work", "Where do I find work?")
    copy = await coordinator.wait_for_message(lambda m: "find work" in (m.text or ""))
    await coordinator.reply(copy, "At the UWV.")
    await pool.member.wait_for_message(lambda m: (m.text or "") == "At the UWV.")
    await ask(app, pool.member, "en", "Health", "And a doctor?")
    await wait_text(pool.member, "was sent")
    await app.settled()
    coordinator.skip_pending()

    await coordinator.send_text("/questions")
    listing = (await coordinator.wait_for_message()).text or ""
    new, answered = listing.split("\n\n")
    assert new.startswith(t(app, "New questions, oldest first:", "nl")) and "#2 " in new
    assert "#1 " not in new
    assert answered.startswith(t(app, "Answered, waiting for the member:", "nl"))
    assert "#1 " in answered and "#2 " not in answered

    line = t(
        app,
        "Questions: {asked} · new: {new} · answered, waiting for the member: {answered} · "
        "closed: {closed}",
        "nl",
    )
    await coordinator.send_text("/stats twente")
    stats = await coordinator.wait_for_message(lambda m: (m.text or "").startswith("Twente ·"))
    assert line.format(asked=2, new=1, answered=1, closed=0) in (stats.text or "")
    await coordinator.send_text("/close 1")
    await coordinator.wait_for_message()
    await coordinator.send_text("/stats twente")
    stats = await coordinator.wait_for_message(lambda m: (m.text or "").startswith("Twente ·"))
    assert line.format(asked=2, new=1, answered=0, closed=1) in (stats.text or "")


def _menu(emulator: Emulator, user_id: int, app_language: str) -> dict[str, str]:
    """The command menu Telegram shows this user when their app is in `app_language`."""
    commands = emulator.world.commands[(f"chat:{user_id}", app_language)]
    return {c["command"]: c["description"] for c in commands}


async def test_staff_help_menu_and_usage_follow_their_language(
    emulator: Emulator, app: RunningBot
) -> None:
    """Regression: a coordinator's /help listed member commands only; their menu had no
    /survey_* /close /reopen and was in another language than their replies; usage lines
    mixed English into Dutch and /survey_schedule knew English words only."""
    coordinator = emulator.create_user("Koos", language_code="nl")
    admin = emulator.create_user("Admin", language_code="en", user_id=ADMIN_ID)
    async with app.session_factory() as session:
        twente = await session.scalar(select(Region).where(Region.code == "twente"))
        assert twente is not None
        session.add(Member(telegram_id=coordinator.id, language="en", status="active",
                           region_id=twente.id, consent_version=NOTICE_VERSION,
                           joined_at=utcnow()))  # fmt: skip
        await session.commit()
    await admin.send_text(f"/coordinator_add {coordinator.id} twente")
    await admin.wait_for_message()
    await app.settled()
    # Their replies come in English (stored), so does their menu, whatever their app says.
    for app_language in ("nl", "en", ""):
        menu = _menu(emulator, coordinator.id, app_language)
        assert {"survey_schedule", "survey_results", "close", "reopen"} <= set(menu)
        assert menu["survey_schedule"] == "Plan a survey for a region"
    await admin.send_text("/help")
    admin_help = (await admin.wait_for_message()).text or ""
    assert "Admins only" in admin_help and "/coordinator_add USER REGION" in admin_help

    await coordinator.send_text("/help")
    text = (await coordinator.wait_for_message()).text or ""
    for line in ("What you can do as coordinator:", "Members", "Questions", "Surveys",
                 "Announcements", "Regions", "/close NUMBER – close a question",
                 "/survey_results SURVEY [REGION] – results", "every monday 10:00"):  # fmt: skip
        assert line in text, (line, text)
    assert "/coordinator_add" not in text
    # A command they mistype points them to their own commands, not the members' list.
    await coordinator.send_text("/survey_shedule")
    unknown = (await coordinator.wait_for_message()).text or ""
    assert unknown.startswith("Sorry, I don't know that command.")
    assert "/survey_schedule" in unknown and "/close NUMBER" in unknown, unknown

    await coordinator.send_text("/language")
    await coordinator.press("Nederlands", await coordinator.wait_for_message())
    await wait_text(coordinator, t(app, "Done. I will talk to you in this language.", "nl"))
    await app.settled()
    dutch = t(app, "Plan a survey for a region", "nl")
    assert dutch != "Plan a survey for a region"
    assert _menu(emulator, coordinator.id, "en")["survey_schedule"] == dutch

    await coordinator.send_text("/help")
    text = (await coordinator.wait_for_message()).text or ""
    assert "Wat je als coördinator kunt doen:" in text and "/close NUMMER" in text
    await coordinator.send_text("/approve")
    usage = (await coordinator.wait_for_message()).text or ""
    assert usage == "Gebruik: /approve NUMMER, bijvoorbeeld /approve 12."
    await coordinator.send_text("/survey_schedule")
    usage = (await coordinator.wait_for_message()).text or ""
    assert "REGIO|alle WANNEER" in usage and "elke maandag 10:00" in usage
    assert "every" not in usage and "NUMBER" not in usage

    await coordinator.send_document(PULSE_TEXT.encode(), "pulse.yaml", caption="/survey_import")
    await coordinator.wait_for_message()
    await coordinator.send_text("/survey_schedule pulse twente elke maandag 19:00 herinner=24u")
    planned = (await coordinator.wait_for_message()).text or ""
    assert "#1" in planned and "elke maandag om 19:00" in planned, planned
    await coordinator.send_text("/survey_schedule pulse alle nu")
    refused = (await coordinator.wait_for_message()).text or ""
    assert refused == t(app, "You can send surveys only to your own regions.", "nl")


async def test_numbers_and_names_in_the_staff_language(emulator: Emulator, app: RunningBot) -> None:
    """Regression: a Dutch coordinator read "Afgerond: <5 van de 1 die hem kregen" (a hidden
    count larger than its total), "Talen: so 1", and English labels in the totals file."""
    pool = await seed(emulator, app, ["so"])
    dutch = emulator.create_user("Anke", language_code="nl")
    async with app.session_factory() as session:
        twente = await session.scalar(select(Region).where(Region.code == "twente"))
        assert twente is not None
        session.add(RoleGrant(telegram_id=dutch.id, role="coordinator", region_id=twente.id,
                              granted_by=ADMIN_ID, granted_at=utcnow()))  # fmt: skip
        await session.commit()
    await dutch.send_document(PULSE_TEXT.encode(), "pulse.yaml", caption="/survey_import")
    await dutch.wait_for_message()
    await dutch.send_text("/survey_schedule pulse twente nu")
    planned = (await dutch.wait_for_message()).text or ""
    assert "#1" in planned and not re.search(r"[AP]M\b", planned), planned
    await app.settled()
    assert await jobs.tick(context(app)) >= 1
    user, lang = pool.members[0]
    await answer_pulse(
        app, user, await invitation(user, PULSE, lang), lang, "4", ["housing"], False
    )
    await dutch.wait_for_message()  # the broadcaster's summary
    await app.settled()
    dutch.skip_pending()

    await dutch.send_text("/survey_results pulse")
    report = (await dutch.wait_for_message()).text or ""
    fewer = t(app, "fewer than 5 answers", "nl")
    assert t(app, "Finished: {answers}", "nl").format(answers=fewer) in report.splitlines()
    assert "van de 1" not in report and "<5 / 1" not in report
    assert "Soomaali (so): <5" in report.splitlines()

    await dutch.send_text("/survey_export pulse")
    await dutch.wait_for_message(lambda m: m.file_id is not None)
    totals = await dutch.wait_for_message(lambda m: m.file_id is not None)
    stored = emulator.world.files.get(totals.file_id or "")
    assert stored is not None
    rows = export.parse(stored.data)
    meeting = {r["answer"]: r["label"] for r in rows if r["question"] == "meeting"}
    assert (
        meeting["yes"]
        == label(PULSE, "meeting", "yes", "nl")
        != label(PULSE, "meeting", "yes", "en")
    )
    helped = {r["answer"]: r["label"] for r in rows if r["question"] == "help"}
    assert helped == {"yes": t(app, "Yes", "nl"), "no": t(app, "No", "nl")}
    assert {r["label"] for r in rows if r["question"] == "missing_help"} == {
        t(app, "answered", "nl")
    }

    await dutch.send_text("/stats twente")
    stats = await dutch.wait_for_message(lambda m: (m.text or "").startswith("Twente ·"))
    assert t(app, "Languages: {list}", "nl").format(list="Soomaali (so) 1") in (stats.text or "")
