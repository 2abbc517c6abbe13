"""Surveys over the emulator: import, schedule, invitations through the broadcaster,
answering every kind of question, restart, reminder, closing, results and export.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.config import Settings
from bot.members.consent import NOTICE_VERSION
from bot.scheduler import JobContext, Scheduler
from bot.surveys import export, jobs, library
from bot.surveys.definition import SurveyDefinition, shown
from bot.surveys.validate import check_text
from botapi_emulator import Emulator, SimUser
from botapi_emulator.view import SimMessage
from db.base import utcnow
from db.models import AuditEntry, Member, Region, RoleGrant, SurveyAnswer, SurveyResponse, SurveyRun
from expertpool_sandbox.harness import RunningBot
from tests.e2e.conftest import ADMIN_ID, broadcasting_bot
from tests.e2e.people import t, wait_text

ROOT = Path(__file__).resolve().parents[2]
PULSE_FILE, PIP_FILE = (
    ROOT / "surveys" / "monthly-pulse.yaml",
    ROOT / "surveys" / "brede-intake-pip.yaml",
)


def definition(path: Path) -> SurveyDefinition:
    found = check_text(path.read_text(encoding="utf-8")).definition
    assert found is not None
    return found


PULSE, PIP = definition(PULSE_FILE), definition(PIP_FILE)
PULSE_TEXT, PIP_TEXT = PULSE_FILE.read_text(encoding="utf-8"), PIP_FILE.read_text(encoding="utf-8")


@pytest.fixture
def settings(settings_factory: Callable[..., Settings]) -> Settings:
    return settings_factory(quiet_hours="off")


@pytest.fixture
async def app(emulator: Emulator, settings: Settings) -> AsyncIterator[RunningBot]:
    async with broadcasting_bot(emulator, settings) as running:
        yield running


def context(app: RunningBot) -> JobContext:
    return JobContext(app.bot, app.session_factory, app.settings, app.i18n)


@dataclass
class Pool:
    coordinator: SimUser  # of Twente
    other: SimUser  # coordinator of Zwolle
    members: list[tuple[SimUser, str]]  # Twente members and their language
    outsider: SimUser  # a member in Zwolle


async def seed(emulator: Emulator, app: RunningBot, languages: list[str]) -> Pool:
    coordinator = emulator.create_user("CoordA", language_code="en")
    other = emulator.create_user("CoordB", language_code="en")
    people = [
        (emulator.create_user(f"M{i}", language_code=lang), lang)
        for i, lang in enumerate(languages)
    ]
    outsider = emulator.create_user("Far", language_code="en")
    async with app.session_factory() as session:
        regions = {r.code: r for r in await session.scalars(select(Region))}
        rows = [(user, lang, regions["twente"]) for user, lang in people]
        rows.append((outsider, "en", regions["zwolle"]))
        for user, lang, region in rows:
            session.add(Member(telegram_id=user.id, language=lang, status="active", region_id=region.id,
                               consent_version=NOTICE_VERSION, joined_at=utcnow()))  # fmt: skip
        for user, code in ((coordinator, "twente"), (other, "zwolle")):
            session.add(RoleGrant(telegram_id=user.id, role="coordinator", region_id=regions[code].id,
                                  granted_by=ADMIN_ID, granted_at=utcnow()))  # fmt: skip
        await session.commit()
    return Pool(coordinator, other, people, outsider)


async def import_file(app: RunningBot, path: Path) -> None:
    from bot.services.roles import Actor

    async with app.session_factory() as session:
        admin = Actor(telegram_id=ADMIN_ID, is_admin=True, region_ids=frozenset())
        text = PULSE_TEXT if path == PULSE_FILE else PIP_TEXT
        await library.import_text(session, admin, text, utcnow())
        await session.commit()


async def schedule_now(app: RunningBot, coordinator: SimUser, command: str) -> None:
    await coordinator.send_text(command)
    await wait_text(coordinator, "Planned #")
    await app.settled()
    assert await jobs.tick(context(app)) >= 1


def link(message: SimMessage) -> str:
    """The payload of the invitation's start link (what tapping it sends as /start …)."""
    for entity in message.get("entities") or []:
        if entity["type"] == "text_link" and "?start=" in entity["url"]:
            return str(entity["url"].split("?start=", 1)[1])
    raise AssertionError(f"no start link in {message.text!r}")


async def invitation(user: SimUser, survey: SurveyDefinition, language: str) -> SimMessage:
    return await wait_text(user, shown(survey.title, language))


async def question(
    user: SimUser, survey: SurveyDefinition, question_id: str, lang: str
) -> SimMessage:
    asked = survey.question(question_id)
    assert asked is not None
    return await wait_text(user, shown(asked.text, lang))


def label(survey: SurveyDefinition, question_id: str, option: str, lang: str) -> str:
    asked = survey.question(question_id)
    assert asked is not None and (found := asked.option(option)) is not None
    return shown(found.text, lang)


async def answer_pulse(
    app: RunningBot,
    user: SimUser,
    invited: SimMessage,
    lang: str,
    mood: str,
    topics: list[str],
    helped: bool,
    written: str = "Een tolk",
) -> None:
    await user.send_command("/start", args=link(invited))
    await question(user, PULSE, "mood", lang)
    await user.press(mood)
    topic_message = await question(user, PULSE, "topics", lang)
    for topic in topics:
        await user.press(label(PULSE, "topics", topic, lang), topic_message)
        await user.wait_for_edit(
            topic_message,
            lambda m, x=topic: "✅ " + label(PULSE, "topics", x, lang) in m.button_texts,
        )
    await user.press(t(app, "Done", lang), topic_message)
    await question(user, PULSE, "help", lang)
    await user.press(t(app, "Yes" if helped else "No", lang))
    if not helped:
        await question(user, PULSE, "missing_help", lang)
        await user.send_text(written)
    await question(user, PULSE, "meeting", lang)
    await user.press(label(PULSE, "meeting", "maybe" if not helped else "yes", lang))
    assert PULSE.thanks is not None
    await wait_text(user, shown(PULSE.thanks, lang))


async def test_pulse_from_import_to_results_and_export(emulator: Emulator, app: RunningBot) -> None:
    pool = await seed(emulator, app, ["ar", "ar", "uk", "uk", "nl", "nl"])
    coordinator = pool.coordinator
    await coordinator.send_document(
        PULSE_TEXT.encode(), "monthly-pulse.yaml", caption="/survey_import"
    )
    report = await wait_text(coordinator, "New survey pulse, version 1, with 5 questions.")
    assert "Every text is there in every language." in (report.text or "")
    await coordinator.send_command("/survey_list")
    assert "pulse · v1 · 5 · Monthly pulse 🔒" in (
        (await wait_text(coordinator, "Surveys")).text or ""
    )
    await coordinator.send_command("/survey_import")
    await wait_text(coordinator, "Send the survey file (.yaml) as a document.")
    broken = PIP_TEXT.replace("kind: yesno", "kind: yes-no", 1)
    await coordinator.send_document(broken.encode(), "pip.yaml")
    problems = await wait_text(coordinator, "Nothing was imported")
    assert "Line 58, questions[0].kind: “yes-no” is not one of" in (problems.text or "")

    await schedule_now(app, coordinator, "/survey_schedule pulse twente now remind=1h close=2d")
    for i, (user, lang) in enumerate(pool.members):
        invited = await invitation(user, PULSE, lang)
        assert t(app, "Start the survey", lang) in (invited.text or "")
        await answer_pulse(
            app,
            user,
            invited,
            lang,
            "2" if i == 5 else "4",
            ["money"] if i == 5 else ["housing", "work"],
            i != 5,
        )
    await wait_text(coordinator, "is finished.")  # the broadcaster's summary
    assert pool.outsider.bot_messages() == []

    await coordinator.send_command("/survey_results", args="pulse")
    text = (await wait_text(coordinator, "Monthly pulse")).text or ""
    for line in ("Finished: 6 of 6 who got it (100%)", "4: ████████░░ 83% (5)", "2: (<5)",
                 "Housing: ████████░░ 83% (5)", "Money and benefits: (<5)", "Twente: 6 / 6 (100%)",
                 "Українська (uk): <5"):  # fmt: skip
        assert line in text.splitlines(), (line, text)

    await coordinator.send_command("/stats", args="twente")
    stats = (await coordinator.wait_for_message(lambda m: (m.text or "").startswith("Twente"))).text
    assert "Survey response rate (last 3 runs): 100%" in (stats or "")

    await coordinator.send_command("/survey_export", args="pulse")
    responses = await coordinator.wait_for_message(lambda m: m.media_kind == "document")
    totals = await coordinator.wait_for_message(lambda m: m.media_kind == "document")
    rows = export.parse(emulator.world.files.get(responses.file_id or "").data)  # type: ignore[union-attr]
    assert sorted(r["mood"] for r in rows) == ["2", "4", "4", "4", "4", "4"]
    assert sorted(r["topics"] for r in rows) == ["housing;work"] * 5 + ["money"]
    # Anonymous: each language group has 2 people, so rows keep only the region (6 people)
    # and lose their written answers, whose language would point to the group.
    assert [r["missing_help"] for r in rows] == [""] * 6
    assert [(r["region"], r["language"]) for r in rows] == [("twente", "")] * 6
    assert "6 responses are shown without language" in (responses.caption or "")
    sums = export.parse(emulator.world.files.get(totals.file_id or "").data)  # type: ignore[union-attr]
    assert {r["answer"]: r["count"] for r in sums if r["question"] == "meeting"} == {
        "yes": "5",
        "maybe": "<5",
        "no": "0",
    }

    other = pool.other  # the coordinator of another region sees nothing
    await other.send_command("/survey_results", args="pulse")
    assert (await other.wait_for_message()).text == "No results in your regions yet."
    await other.send_command("/survey_results", args="pulse twente")
    assert (await other.wait_for_message()).text == "You can see results only for your own regions."
    await other.send_command("/survey_export", args="pulse twente")
    await other.wait_for_message()
    await app.settled()
    assert all(m.file_id is None for m in other.bot_messages())
    async with app.session_factory() as session:
        responses_rows = list(await session.scalars(select(SurveyResponse)))
        exports = list(
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "survey_export"))
        )
    assert len(responses_rows) == 6 and len(exports) == 1 and exports[0].actor_id == coordinator.id
    assert all(
        r.member_id is None and r.started_at is None and r.respondent_key for r in responses_rows
    )


async def test_one_of_four_in_friesland_is_not_singled_out(
    emulator: Emulator, app: RunningBot
) -> None:
    """Regression: an anonymous export held region, language and free text of one person."""
    coordinator = emulator.create_user("CoordF", language_code="en")
    people = [emulator.create_user(f"F{i}", language_code="so") for i in range(4)]
    async with app.session_factory() as session:
        friesland = await session.scalar(select(Region).where(Region.code == "friesland"))
        assert friesland is not None
        for user in people:
            session.add(Member(telegram_id=user.id, language="so", status="active",
                               region_id=friesland.id, consent_version=NOTICE_VERSION,
                               joined_at=utcnow()))  # fmt: skip
        session.add(RoleGrant(telegram_id=coordinator.id, role="coordinator",
                              region_id=friesland.id, granted_by=ADMIN_ID, granted_at=utcnow()))  # fmt: skip
        await session.commit()
    await import_file(app, PULSE_FILE)
    await schedule_now(app, coordinator, "/survey_schedule pulse friesland now close=2d")
    invitations = [await invitation(user, PULSE, "so") for user in people]
    await answer_pulse(app, people[0], invitations[0], "so", "4", ["money"], False)
    await app.settled()

    await coordinator.send_command("/survey_results", args="pulse")
    text = (await wait_text(coordinator, "Monthly pulse")).text or ""
    # Never "<5 of 4": with a total under 5 the fraction would tell the hidden count.
    assert "Finished: fewer than 5 answers" in text.splitlines(), text
    assert "Friesland: <5" in text.splitlines(), text

    await coordinator.send_command("/survey_export", args="pulse")
    responses = await coordinator.wait_for_message(lambda m: m.file_id is not None)
    totals = await coordinator.wait_for_message(lambda m: m.file_id is not None)
    data = emulator.world.files.get(responses.file_id or "").data  # type: ignore[union-attr]
    assert export.parse(data) == []  # the one response is withheld, not coarsened
    assert export.notes(data) and "left out (1 rows)" in export.notes(data)[0]
    raw = data.decode(export.ENCODING)
    assert "friesland" not in raw and ",so," not in raw and "Een tolk" not in raw
    assert "1 response is left out" in (responses.caption or "")
    sums = export.parse(emulator.world.files.get(totals.file_id or "").data)  # type: ignore[union-attr]
    assert {r["answer"]: r["count"] for r in sums if r["question"] == "topics"}["money"] == "<5"
    assert [r for r in sums if r["count"] not in ("0", "<5")] == []


async def test_every_kind_back_skip_bad_input_and_restart(
    emulator: Emulator, app: RunningBot
) -> None:
    pool = await seed(emulator, app, ["uk", "nl"])
    (olena, uk), (daan, nl) = pool.members
    await import_file(app, PIP_FILE)
    await schedule_now(app, pool.coordinator, "/survey_schedule intake-pip twente now")
    await invitation(olena, PIP, uk)
    await olena.send_text(t(app, "Surveys", uk))
    listing = await wait_text(olena, t(app, "Open surveys:", uk))
    await olena.press(lambda b: shown(PIP.title, uk) in b["text"], listing)
    first = await question(olena, PIP, "had_intake", uk)
    assert (first.text or "").startswith("1/7")
    assert t(app, "Skip", uk) not in first.button_texts  # required
    await olena.press(t(app, "Yes", uk))
    second = await question(olena, PIP, "interpreter", uk)
    assert (second.text or "").startswith("2/7")
    await olena.press("◀️ " + t(app, "Back", uk))
    again = await question(olena, PIP, "had_intake", uk)
    assert "✅ " + t(app, "Yes", uk) in again.button_texts
    await olena.press("✅ " + t(app, "Yes", uk))
    await question(olena, PIP, "interpreter", uk)
    await olena.press(label(PIP, "interpreter", "needed", uk))
    await question(olena, PIP, "understood", uk)
    await olena.press("2")
    await question(olena, PIP, "pip_copy", uk)
    await olena.press(t(app, "Skip", uk))
    await question(olena, PIP, "conversations", uk)
    await olena.send_text("багато")
    await wait_text(
        olena,
        t(app, "That is not a number. Please type a number from {low} to {high}.", uk).format(
            low=0, high=50
        ),
    )
    await olena.send_text("99")
    await wait_text(
        olena, t(app, "Please type a number from {low} to {high}.", uk).format(low=0, high=50)
    )
    # A mistyped command is answered as unknown and is no answer; the question still waits.
    await olena.send_command("/foo")
    await wait_text(olena, t(app, "Sorry, I don't know that command.", uk))
    await olena.send_text("٣")
    sixth = await question(olena, PIP, "route_fit", uk)
    assert (sixth.text or "").startswith("6/7")

    await app.stop()
    restarted = await RunningBot.start(app.settings, migrate=False)
    try:
        await emulator.wait_until_polling()
        await olena.press(label(PIP, "route_fit", "partly", uk), sixth)
        await question(olena, PIP, "improve", uk)
        await olena.send_sticker()
        await wait_text(olena, t(restarted, "Please type your answer.", uk))
        await olena.send_text("x" * 501)
        await wait_text(olena, "500")
        await olena.send_text("Більше перекладачів")
        assert PIP.thanks is not None
        await wait_text(olena, shown(PIP.thanks, uk))
        # Skip logic: "no" leaves out the four intake questions.
        await daan.send_command("/start", args=link(await invitation(daan, PIP, nl)))
        await question(daan, PIP, "had_intake", nl)
        await daan.press(t(restarted, "No", nl))
        fit = await question(daan, PIP, "route_fit", nl)
        assert (fit.text or "").startswith("2/3")
        await daan.press(t(restarted, "Skip", nl))
        await question(daan, PIP, "improve", nl)
        await daan.press(t(restarted, "Skip", nl))
        assert PIP.thanks is not None
        await wait_text(daan, shown(PIP.thanks, nl))
        await daan.send_command("/surveys")
        await wait_text(
            daan, t(restarted, "There are no open surveys for you right now. Thank you!", nl)
        )
        await restarted.settled()
        async with restarted.session_factory() as session:
            stored = {
                (r.member_id, a.question): a.value
                for r, a in (await session.execute(
                    select(SurveyResponse, SurveyAnswer).join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
                )).all()
            }  # fmt: skip
            ids = {m.telegram_id: m.id for m in await session.scalars(select(Member))}
    finally:
        await restarted.stop()
    o, d = ids[olena.id], ids[daan.id]
    assert stored == {
        (o, "had_intake"): '"yes"', (o, "interpreter"): '"needed"', (o, "understood"): "2",
        (o, "conversations"): "3", (o, "route_fit"): '"partly"', (o, "improve"): '"Більше перекладачів"',
        (d, "had_intake"): '"no"',
    }  # fmt: skip


async def test_reminder_only_to_non_finishers_then_closed(
    emulator: Emulator, app: RunningBot
) -> None:
    pool = await seed(emulator, app, ["nl", "en", "tr"])
    (done, nl), (half, en), (silent, tr) = pool.members
    await import_file(app, PIP_FILE)
    await schedule_now(
        app, pool.coordinator, "/survey_schedule intake-pip twente now remind=1h close=1d"
    )
    await wait_text(pool.coordinator, "is finished.")  # every invitation is recorded as sent
    await done.send_command("/start", args=link(await invitation(done, PIP, nl)))
    await question(done, PIP, "had_intake", nl)
    await done.press(t(app, "No", nl))
    await question(done, PIP, "route_fit", nl)
    await done.press(label(PIP, "route_fit", "yes", nl))
    await question(done, PIP, "improve", nl)
    await done.press(t(app, "Skip", nl))
    await half.send_command("/start", args=link(await invitation(half, PIP, en)))
    await question(half, PIP, "had_intake", en)
    await half.press(t(app, "Yes", en))
    pending = await question(half, PIP, "interpreter", en)
    await app.settled()
    async with app.session_factory() as session:
        await session.execute(update(SurveyRun).values(remind_at=utcnow() - timedelta(seconds=1)))
        await session.commit()
    assert await jobs.tick(context(app)) == 1
    reminder = "⏰"
    await wait_text(half, reminder)
    await wait_text(silent, reminder)
    await app.settled()
    async with app.session_factory() as session:
        run = await session.scalar(select(SurveyRun))
        assert run is not None and run.reminder_broadcast_id is not None
        from db.models import BroadcastDelivery

        targets = set(await session.scalars(select(BroadcastDelivery.member_id).where(
            BroadcastDelivery.broadcast_id == run.reminder_broadcast_id)))  # fmt: skip
        ids = {m.telegram_id: m.id for m in await session.scalars(select(Member))}
        await session.execute(update(SurveyRun).values(close_at=utcnow() - timedelta(seconds=1)))
        await session.commit()
    assert targets == {ids[half.id], ids[silent.id]}
    assert not any(reminder in (m.text or "") for m in done.bot_messages())
    assert await jobs.tick(context(app)) == 1
    pressed = await half.press(label(PIP, "interpreter", "needed", en), pending)
    assert pressed.text == t(app, "This survey is closed. Thank you for your interest!", en)
    await half.wait_for_edit(pending, lambda m: not m.inline_keyboard)


async def test_run_due_while_down_is_sent_late(emulator: Emulator, app: RunningBot) -> None:
    pool = await seed(emulator, app, ["fa"])
    (member, fa), coordinator = pool.members[0], pool.coordinator
    await import_file(app, PULSE_FILE)
    await coordinator.send_text("/survey_schedule pulse twente 2099-01-01 10:00 close=7d")
    await wait_text(
        coordinator, "Planned #1: pulse for Twente, once. First: January 1, 10:00\u202fAM."
    )
    await coordinator.send_text("/survey_schedule pulse twente every monday 10:00 remind=off")
    weekly = await wait_text(
        coordinator, "Planned #2: pulse for Twente, every Monday at 10:00\u202fAM."
    )
    assert (weekly.text or "").endswith("\nNo reminder.\nCloses after 7 days.")
    await coordinator.send_command("/survey_schedules")
    listed = (await wait_text(coordinator, "Survey schedules:")).text or ""
    assert "#1 · pulse · Twente · once · next: January 1, 10:00\u202fAM" in listed  # Babel, en
    assert "#2 · pulse · Twente · every Monday at 10:00\u202fAM · next: " in listed
    await pool.other.send_command("/survey_cancel", args="2")
    assert (
        await pool.other.wait_for_message()
    ).text == "There is no such schedule that you can stop."
    await coordinator.send_command("/survey_cancel", args="2")
    await wait_text(coordinator, "Schedule #2 stopped.")
    await app.settled()
    async with app.session_factory() as session:  # as if the bot was off when it was due
        await session.execute(
            update(SurveyRun)
            .where(SurveyRun.schedule_id == 1)
            .values(due_at=utcnow() - timedelta(hours=2))
        )
        await session.commit()
    scheduler = Scheduler(context(app))
    scheduler.on_start("surveys", jobs.rebuild)
    await scheduler.start()
    try:
        late = await wait_text(coordinator, "It is being sent now.")
        assert "Monthly pulse" in (late.text or "") and "Twente" in (late.text or "")
        await invitation(member, PULSE, fa)
    finally:
        await scheduler.stop()
    async with app.session_factory() as session:
        runs = {r.schedule_id: r.status for r in await session.scalars(select(SurveyRun))}
    assert runs == {1: "open", 2: "cancelled"}


async def test_written_answers_are_quoted_only_with_consent(
    emulator: Emulator, app: RunningBot
) -> None:
    pool = await seed(emulator, app, ["nl", "nl"])
    (daan, nl), (sanne, _) = pool.members
    await import_file(app, PIP_FILE)
    await schedule_now(app, pool.coordinator, "/survey_schedule intake-pip twente now")
    for user, words in ((daan, "Meer tolken"), (sanne, "Mijn buurvrouw Fatima hielp")):
        invited = await invitation(user, PIP, nl)
        await user.send_command("/start", args=link(invited))
        await question(user, PIP, "had_intake", nl)
        await user.press(t(app, "No", nl))
        await question(user, PIP, "route_fit", nl)
        await user.press(label(PIP, "route_fit", "yes", nl))
        await question(user, PIP, "improve", nl)
        await user.send_text(words)
        assert PIP.thanks is not None
        await wait_text(user, shown(PIP.thanks, nl))
    # Daan allows quotes afterwards, with the button in /mydata; it covers his earlier answer.
    await daan.send_command("/mydata")
    allow = t(app, "Allow quotes of my answers", nl)
    summary = await daan.wait_for_message(lambda m: allow in m.button_texts)
    assert t(app, "Coordinators may quote your written answers: no", nl) in (summary.text or "")
    await daan.press(allow, summary)
    await wait_text(
        daan, t(app, "Saved: coordinators may quote your written answers without your name.", nl)
    )

    await pool.coordinator.send_command("/survey_export", args="intake-pip")
    responses = await pool.coordinator.wait_for_message(lambda m: m.file_id is not None)
    rows = export.parse(emulator.world.files.get(responses.file_id or "").data)  # type: ignore[union-attr]
    assert sorted(r["improve"] for r in rows) == ["", "Meer tolken"]
    assert sorted(r["route_fit"] for r in rows) == ["yes", "yes"]  # button answers all count
    assert "1 written answer is left out: the member did not allow quotes." in (
        responses.caption or ""
    )
