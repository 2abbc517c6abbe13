"""Pool meetings over the emulator: planning (guided and one line), invitations in each
member's language through the broadcaster, answers with needs and calendar files, waitlist
and promotion, coordinators' list and CSV, change and cancel, check-in, reminders."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

from bot.broadcast import EngineOptions
from bot.config import Settings
from bot.meetings import jobs, texts, views
from bot.members.consent import notice_version
from bot.scheduler import JobContext
from botapi_emulator import Emulator, SimUser
from botapi_emulator.view import SimMessage
from db.base import utcnow
from db.models import AuditEntry, Meeting, MeetingReply, Member, Region, RoleGrant
from expertpool_sandbox.harness import RunningBot
from tests.e2e.conftest import ADMIN_ID, broadcasting_bot
from tests.e2e.people import t, wait_text

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def settings(settings_factory: Callable[..., Settings]) -> Settings:
    return settings_factory(quiet_hours="off")


@pytest.fixture
async def app(emulator: Emulator, settings: Settings) -> AsyncIterator[RunningBot]:
    async with broadcasting_bot(emulator, settings) as running:
        yield running


@dataclass
class Pool:
    coordinator: SimUser  # of Twente
    other: SimUser  # coordinator of Zwolle
    amina: SimUser  # ar
    tesfay: SimUser  # ti
    daan: SimUser  # nl
    far: SimUser  # a member in Zwolle


async def seed(emulator: Emulator, app: RunningBot) -> Pool:
    coordinator = emulator.create_user("CoordA", language_code="en")
    other = emulator.create_user("CoordB", language_code="en")
    people = [("Amina", "ar", "أمينة"), ("Tesfay", "ti", "ተስፋይ"), ("Daan", "nl", "Daan")]
    users = [emulator.create_user(first, language_code=lang) for first, lang, _ in people]
    far = emulator.create_user("Far", language_code="en")
    async with app.session_factory() as session:
        regions = {r.code: r for r in await session.scalars(select(Region))}
        rows = [(u, lang, name, "twente") for u, (_, lang, name) in zip(users, people, strict=True)]
        rows.append((far, "en", "Far", "zwolle"))
        for user, lang, name, code in rows:
            session.add(Member(telegram_id=user.id, language=lang, status="active", display_name=name,
                               region_id=regions[code].id, consent_version=notice_version(),
                               joined_at=utcnow()))  # fmt: skip
        for user, code in ((coordinator, "twente"), (other, "zwolle")):
            session.add(RoleGrant(telegram_id=user.id, role="coordinator", region_id=regions[code].id,
                                  granted_by=ADMIN_ID, granted_at=utcnow()))  # fmt: skip
        await session.commit()
    return Pool(coordinator, other, *users, far)


def local(days: int, clock: str = "19:00") -> str:
    return f"{(utcnow().astimezone(AMSTERDAM) + timedelta(days=days)).date().isoformat()} {clock}"


def ics_of(emulator: Emulator, message: SimMessage) -> Calendar:
    stored = emulator.world.files.get(message.file_id or "")
    assert stored is not None
    return Calendar.from_ical(stored.data)


async def calendar_file(user: SimUser) -> SimMessage:
    return await user.wait_for_message(lambda m: m.media_kind == "document")


async def needs_question(user: SimUser) -> SimMessage:
    return await user.wait_for_message(lambda m: any("✔️" in b for b in m.button_texts))


async def invitation(app: RunningBot, user: SimUser, lang: str) -> SimMessage:
    return await wait_text(user, t(app, texts.INVITED, lang))


async def meeting_row(app: RunningBot) -> Meeting:
    await app.settled()
    async with app.session_factory() as session:
        found = await session.scalar(select(Meeting).order_by(Meeting.id.desc()).limit(1))
        assert found is not None
        return found


async def replies(app: RunningBot, meeting_id: int) -> dict[int, MeetingReply]:
    await app.settled()
    async with app.session_factory() as session:
        rows = (
            await session.execute(
                select(Member.telegram_id, MeetingReply)
                .join(Member, Member.id == MeetingReply.member_id)
                .where(MeetingReply.meeting_id == meeting_id)
            )
        ).all()
    return {telegram_id: reply for telegram_id, reply in rows}


async def test_guided_flow_invites_each_language_and_fills_places_from_the_waitlist(
    emulator: Emulator, app: RunningBot
) -> None:
    pool = await seed(emulator, app)
    coordinator = pool.coordinator
    await coordinator.send_command("/meeting_new")
    await wait_text(coordinator, "2026-12-15 19:00")  # one region: straight to the date
    await coordinator.send_text("tomorrow evening")
    await wait_text(coordinator, "2026-12-15 19:00.")
    await coordinator.send_sticker()
    await wait_text(coordinator, "/meeting_new")
    await coordinator.send_text(local(10))
    await wait_text(coordinator, "Where?")
    await coordinator.send_text("Bibliotheek Enschede, Pijpenstraat 15")
    await wait_text(coordinator, "title")
    await coordinator.send_text("Gesprek met de gemeente over de Brede Intake")
    await wait_text(coordinator, "description")
    await coordinator.send_text("Wat ging goed, wat kan beter?")
    await wait_text(coordinator, "How many places")
    await coordinator.send_text("many")
    await wait_text(coordinator, "Please write a number")
    await coordinator.send_text("2")
    await wait_text(coordinator, "Which needs")
    await coordinator.press("➡️ Next")
    await wait_text(coordinator, "Until when")
    await coordinator.press("Until the start")
    preview = await wait_text(coordinator, "Preview in English")
    assert "3 members of Twente" in preview.text
    await coordinator.press("ar", preview)
    edited = await coordinator.wait_for_edit(preview)
    assert t(app, texts.INVITED, "ar") in (edited.text or "")
    await coordinator.press("✅ Send invitations")
    await wait_text(coordinator, "is planned")
    meeting = await meeting_row(app)
    assert meeting.capacity == 2 and meeting.needs == "interpreter,childcare,travel,access"

    invites = {}
    for user, lang in ((pool.amina, "ar"), (pool.tesfay, "ti"), (pool.daan, "nl")):
        invites[user.id] = await invitation(app, user, lang)
        assert "Gesprek met de gemeente" in invites[user.id].text
        assert invites[user.id].button_texts[0] == "✅ " + t(app, "Yes", lang)
    assert not [m for m in pool.far.bot_messages() if m.inline_keyboard]

    # Amina: Yes, her own language pre-selected as interpreter, two children, travel costs.
    await pool.amina.press("✅ " + t(app, "Yes", "ar"), invites[pool.amina.id])
    needs = await wait_text(
        pool.amina, t(app, "What do you need to take part? Tap what applies, then “Done”.", "ar")
    )
    interpreter = next(b for b in needs.button_texts if "🗣" in b)
    assert interpreter.startswith("✅") and "العربية" in interpreter
    await pool.amina.press(lambda b: "👶" in b["text"], needs)
    await pool.amina.wait_for_edit(needs)
    await pool.amina.press("2", needs)
    await pool.amina.wait_for_edit(needs)
    await pool.amina.press(lambda b: "🚌" in b["text"], needs)
    await pool.amina.wait_for_edit(needs)
    await pool.amina.press(lambda b: "📝" in b["text"], needs)
    await wait_text(pool.amina, "300")
    await pool.amina.send_text("x" * 301)
    await wait_text(pool.amina, "300")
    await pool.amina.send_text("Ik kom met de bus")
    saved = await wait_text(pool.amina, t(app, "Note saved.", "ar"))
    await pool.amina.press("✔️ " + t(app, "Done", "ar"), saved)
    ics = ics_of(emulator, await calendar_file(pool.amina))
    (event,) = ics.walk("VEVENT")
    assert ics["METHOD"] == "REQUEST" and event["SEQUENCE"] == 0
    assert event.decoded("DTSTART").astimezone(AMSTERDAM).hour == 19

    await pool.tesfay.press("✅ " + t(app, "Yes", "ti"), invites[pool.tesfay.id])
    await wait_text(pool.tesfay, t(app, "✅ You are registered. See you there!", "ti"))
    await pool.daan.press("✅ " + t(app, "Yes", "nl"), invites[pool.daan.id])
    await wait_text(pool.daan, "1")  # number 1 on the waitlist
    stored = await replies(app, meeting.id)
    assert stored[pool.amina.id].interpreter == "ar" and stored[pool.amina.id].children == 2
    assert stored[pool.amina.id].travel and stored[pool.amina.id].note == "Ik kom met de bus"
    assert stored[pool.daan.id].waitlisted and not stored[pool.tesfay.id].waitlisted

    # Amina cannot come after all: Daan moves up and is told, with the calendar file.
    await pool.amina.press("❌ " + t(app, "No", "ar"), invites[pool.amina.id])
    await wait_text(pool.daan, t(app, views.PROMOTED, "nl"))
    assert ics_of(emulator, await calendar_file(pool.daan)).walk("VEVENT")[0]["UID"] == event["UID"]
    stored = await replies(app, meeting.id)
    assert stored[pool.amina.id].answer == "no" and not stored[pool.daan.id].waitlisted

    # A member of another region with forged data, a coordinator of another region: nothing.
    forged = texts.callback("r", meeting.id, "yes")
    anything = invites[pool.amina.id]
    result = await pool.far.press_callback_data(forged, anything)
    assert result.show_alert and pool.far.id not in await replies(app, meeting.id)
    await pool.other.send_command("/meetings")
    await wait_text(pool.other, "No meetings in your regions yet.")
    result = await pool.other.press_callback_data(texts.callback("L", meeting.id), anything)
    assert result.text == "There is no such meeting that you can see."


async def test_one_line_form_list_csv_change_cancel_and_check_in(
    emulator: Emulator, app: RunningBot
) -> None:
    pool = await seed(emulator, app)
    coordinator = pool.coordinator
    await coordinator.send_command("/meeting_new", args=f"zwolle {local(5)} Stadhuis | Test")
    await wait_text(coordinator, "You can plan meetings only for your own regions.")
    await coordinator.send_command("/meeting_new", args=f"twente {local(5)} Stadhuis")
    await wait_text(coordinator, "/meeting_new REGION")
    await coordinator.send_command(
        "/meeting_new",
        args=f"twente {local(5)} Bibliotheek Enschede | Gesprek met de gemeente over de Brede Intake",
    )
    await wait_text(coordinator, "Preview in English")
    await coordinator.press("✅ Send invitations")
    await wait_text(coordinator, "is planned")
    meeting = await meeting_row(app)
    invites = {}
    for user, lang in ((pool.amina, "ar"), (pool.tesfay, "ti")):
        invites[user.id] = await invitation(app, user, lang)
        await user.press("✅ " + t(app, "Yes", lang), invites[user.id])
        needs = await needs_question(user)
        await user.press("✔️ " + t(app, "Done", lang), needs)
        await calendar_file(user)
    await pool.daan.press("🤔 " + t(app, "Maybe", "nl"), await invitation(app, pool.daan, "nl"))
    await needs_question(pool.daan)

    await coordinator.send_command("/meetings")
    card = await wait_text(coordinator, "no answer")
    assert "yes 2 · maybe 1 · no 0 · waitlist 0 · no answer 0" in card.text
    assert "interpreter: ar 1, ti 1" in card.text
    await coordinator.press("👥 Attendees", card)
    listing = await wait_text(coordinator, "Answers for meeting")
    assert "أمينة" in listing.text and "ተስፋይ" in listing.text
    await coordinator.press("📄 CSV", card)
    csv = await coordinator.wait_for_message(lambda m: m.media_kind == "document")
    stored = emulator.world.files.get(csv.file_id or "")
    assert stored is not None and stored.data.startswith(b"\xef\xbb\xbf")
    assert "أمينة" in stored.data.decode("utf-8-sig")
    await app.settled()
    async with app.session_factory() as session:
        actions = set(await session.scalars(select(AuditEntry.action)))
    assert {"meeting_new", "meeting_attendees", "meeting_export"} <= actions

    # Change the time: Yes and Maybe get the new calendar file, SEQUENCE raised.
    await coordinator.press("✏️ Change time or place", card)
    await wait_text(coordinator, "new place")
    await coordinator.send_text(local(6, "18:30"))
    await wait_text(coordinator, "3 members who said Yes or Maybe")
    for user in (pool.amina, pool.tesfay, pool.daan):
        (event,) = ics_of(emulator, await calendar_file(user)).walk("VEVENT")
        assert event["SEQUENCE"] == 1
        start = event.decoded("DTSTART").astimezone(AMSTERDAM)
        assert (start.hour, start.minute) == (18, 30)

    # Check-in on the day.
    await coordinator.press("☑️ Check-in", card)
    check = await wait_text(coordinator, "Check-in for meeting")
    await coordinator.press("▫️ أمينة", check)
    await coordinator.wait_for_edit(check)
    assert (await replies(app, meeting.id))[pool.amina.id].attended is True
    await coordinator.send_command("/attended", args=str(meeting.id))
    again = await wait_text(coordinator, "Check-in for meeting")
    assert "✅ أمينة" in again.button_texts
    await coordinator.press("▫️ Daan", again)
    await coordinator.wait_for_edit(again)
    assert (await replies(app, meeting.id))[pool.daan.id].attended is True
    await pool.other.send_command("/attended", args=str(meeting.id))
    await wait_text(pool.other, "There is no such meeting that you can see.")

    # Cancel: told with METHOD:CANCEL; old buttons answer politely.
    await coordinator.press("❌ Cancel meeting", card)
    confirm = await wait_text(coordinator, "Everyone who said Yes or Maybe is told.")
    await coordinator.press("Yes, cancel the meeting", confirm)
    await wait_text(coordinator, "is cancelled. 3 members are told.")
    cancelled = ics_of(emulator, await calendar_file(pool.daan))
    assert cancelled["METHOD"] == "CANCEL" and cancelled.walk("VEVENT")[0]["SEQUENCE"] == 2
    result = await pool.tesfay.press("✅ " + t(app, "Yes", "ti"), invites[pool.tesfay.id])
    assert result.text == t(app, "This meeting was cancelled.", "ti")


class Clock:
    """The broadcaster's wall clock, moved by the test."""

    def __init__(self) -> None:
        self.moment: datetime | None = None

    def __call__(self) -> datetime:
        return self.moment or utcnow()


def context(running: RunningBot) -> JobContext:
    return JobContext(running.bot, running.session_factory, running.settings, running.i18n)


async def test_reminders_at_the_right_times_across_a_restart_and_summer_time(
    emulator: Emulator, settings: Settings
) -> None:
    clock = Clock()
    options = EngineOptions(clock=clock, poll_interval=0.05, progress_interval=60)
    app = await RunningBot.start(settings, broadcaster=options)
    await emulator.wait_until_polling()
    try:
        pool = await seed(emulator, app)
        # Sunday 31 October 2027, 19:00: the clocks went back that night.
        await pool.coordinator.send_command(
            "/meeting_new", args="twente 2027-10-31 19:00 Stadhuis Enschede | Najaarsoverleg"
        )
        await wait_text(pool.coordinator, "Preview in English")
        await pool.coordinator.press("✅ Send invitations")
        await pool.amina.press("✅ " + t(app, "Yes", "ar"), await invitation(app, pool.amina, "ar"))
        await needs_question(pool.amina)
        await pool.daan.press("❌ " + t(app, "No", "nl"), await invitation(app, pool.daan, "nl"))
        await wait_text(
            pool.daan,
            t(app, "Thank you for letting us know. We noted that you will not come.", "nl"),
        )
        early = datetime(2027, 10, 29, 17, 0, tzinfo=UTC)  # Friday 19:00 summer time
        late = datetime(2027, 10, 31, 15, 0, tzinfo=UTC)  # Sunday 16:00 winter time
        await app.settled()
        assert await jobs.tick(context(app), early - timedelta(minutes=1)) == 0
        assert await jobs.next_event(context(app), early - timedelta(days=1)) == early
        clock.moment = early
        assert await jobs.tick(context(app), early) == 1
        reminder = t(app, texts.REMINDER, "ar")
        await wait_text(pool.amina, reminder)
        assert await jobs.tick(context(app), early + timedelta(minutes=1)) == 0
    finally:
        await app.stop()

    clock.moment = late + timedelta(minutes=30)  # the bot was down when the late one fell due
    restarted = await RunningBot.start(settings, broadcaster=options)
    try:
        await emulator.wait_until_polling()
        assert await jobs.next_event(context(restarted), early) == late
        assert await jobs.tick(context(restarted), clock.moment) == 1
        await wait_text(pool.amina, reminder)
        assert not [m for m in pool.daan.bot_messages() if "⏰" in (m.text or "")]
        assert await jobs.tick(context(restarted), late + timedelta(hours=1)) == 0
    finally:
        await restarted.stop()


async def test_a_reminder_missed_while_down_is_not_sent_after_the_start(
    emulator: Emulator, app: RunningBot
) -> None:
    pool = await seed(emulator, app)
    await pool.coordinator.send_command(
        "/meeting_new", args=f"twente {local(3)} Stadhuis | Overleg"
    )
    await wait_text(pool.coordinator, "Preview in English")
    await pool.coordinator.press("✅ Send invitations")
    await pool.tesfay.press("✅ " + t(app, "Yes", "ti"), await invitation(app, pool.tesfay, "ti"))
    await needs_question(pool.tesfay)
    meeting = await meeting_row(app)
    assert await jobs.tick(context(app), meeting.starts_at + timedelta(minutes=5)) == 0
    async with app.session_factory() as session:
        row = await session.get(Meeting, meeting.id)
        assert row is not None and row.early_reminded_at and row.late_reminded_at


async def test_members_change_their_answer_deadline_mydata_delete_and_stats(
    emulator: Emulator, app: RunningBot
) -> None:
    pool = await seed(emulator, app)
    await pool.coordinator.send_command(
        "/meeting_new", args=f"twente {local(4)} Stadhuis | Overleg PIP"
    )
    await wait_text(pool.coordinator, "Preview in English")
    await pool.coordinator.press("✅ Send invitations")
    meeting = await meeting_row(app)
    await pool.daan.press("🤔 " + t(app, "Maybe", "nl"), await invitation(app, pool.daan, "nl"))
    await needs_question(pool.daan)
    amina_invite = await invitation(app, pool.amina, "ar")

    # /meetings: Daan sees his answer and changes it to Yes, then his needs.
    await pool.daan.send_command("/meetings")
    mine = await wait_text(pool.daan, "Overleg PIP")
    assert t(app, "Your answer: {answer}", "nl").format(answer=t(app, "Maybe", "nl")) in mine.text
    await pool.daan.press("✅ " + t(app, "Yes", "nl"), mine)
    await wait_text(pool.daan, t(app, "✅ You are registered. See you there!", "nl"))
    needs = await needs_question(pool.daan)
    interpreter = next(b for b in needs.button_texts if "🗣" in b)
    assert interpreter.startswith("▫️")  # Dutch: no interpreter pre-selected
    await pool.daan.press(lambda b: "♿" in b["text"], needs)
    await pool.daan.wait_for_edit(needs)
    await pool.daan.send_command("/meetings")
    mine = await wait_text(pool.daan, "Overleg PIP")
    await pool.daan.press("🧾 " + t(app, "My needs", "nl"), mine)
    again = await needs_question(pool.daan)
    assert next(b for b in again.button_texts if "♿" in b).startswith("✅")
    stored = await replies(app, meeting.id)
    assert stored[pool.daan.id].answer == "yes" and stored[pool.daan.id].access

    # After the deadline a Yes is refused politely; a No still frees the place.
    async with app.session_factory() as session:
        row = await session.get(Meeting, meeting.id)
        assert row is not None
        row.rsvp_until = utcnow() - timedelta(minutes=1)
        await session.commit()
    late = await pool.amina.press_callback_data(
        texts.callback("r", meeting.id, "yes"), amina_invite
    )
    closed = t(app, "Sorry, answers for this meeting closed on {moment}.", "ar").split("{")[0]
    assert late.show_alert and (late.text or "").startswith(closed)
    assert pool.amina.id not in await replies(app, meeting.id)

    # /mydata lists the answer; after the meeting, check-in shows in /stats.
    await pool.daan.send_command("/mydata")
    await wait_text(
        pool.daan,
        t(app, "Your answers to meetings (with needs and attendance): {count}", "nl").format(
            count=1
        ),
    )
    await pool.coordinator.send_command("/meetings")
    card = await wait_text(pool.coordinator, "no answer")
    await pool.coordinator.press("☑️ Check-in", card)
    check = await wait_text(pool.coordinator, "Check-in for meeting")
    await pool.coordinator.press("▫️ Daan", check)
    await pool.coordinator.wait_for_edit(check)
    async with app.session_factory() as session:
        row = await session.get(Meeting, meeting.id)
        assert row is not None
        row.starts_at = utcnow() - timedelta(hours=1)
        await session.commit()
    await pool.coordinator.send_command("/stats")
    stats = await wait_text(pool.coordinator, "Meetings: who was there")
    assert "present 1 of 1 who said yes" in stats.text and "Daan 1" in stats.text
    await pool.other.send_command("/stats")
    other = await wait_text(pool.other, "Zwolle")
    assert "Meetings: who was there" not in other.text

    # /delete removes the answers with the member.
    await pool.daan.send_command("/delete")
    confirm = await pool.daan.wait_for_message(lambda m: bool(m.inline_keyboard))
    await pool.daan.press(t(app, "Yes, delete everything", "nl"), confirm)
    await wait_text(
        pool.daan,
        t(
            app,
            "Done. We deleted everything we stored about you: your profile, your answers, your questions and your consents.",
            "nl",
        )[:20],
    )
    assert pool.daan.id not in await replies(app, meeting.id)


async def test_the_leaders_scheduler_sends_a_reminder_that_fell_due_while_down(
    emulator: Emulator, app: RunningBot
) -> None:
    from bot.features import leader_services

    pool = await seed(emulator, app)
    soon = (utcnow() + timedelta(hours=2)).astimezone(AMSTERDAM)  # late reminder: 3 h before
    await pool.coordinator.send_command(
        "/meeting_new", args=f"twente {soon:%Y-%m-%d %H:%M} Stadhuis | Spoedoverleg"
    )
    await wait_text(pool.coordinator, "Preview in English")
    await pool.coordinator.press("✅ Send invitations")
    await pool.tesfay.press("✅ " + t(app, "Yes", "ti"), await invitation(app, pool.tesfay, "ti"))
    await needs_question(pool.tesfay)
    await app.settled()
    _services, scheduler = leader_services(app.bot, app.session_factory, app.settings, app.i18n)
    await scheduler.start()
    try:
        await wait_text(pool.tesfay, t(app, texts.REMINDER, "ti"))
        assert scheduler.has_job(jobs.TICK_ID)
    finally:
        await scheduler.stop()
    meeting = await meeting_row(app)
    assert meeting.early_reminded_at is not None and meeting.late_reminded_at is not None
    reminders = [m for m in pool.tesfay.bot_messages() if "⏰" in (m.text or "")]
    assert len(reminders) == 1  # the early one is not sent as well


async def test_title_and_description_get_machine_drafts_where_a_provider_has_the_language(
    emulator: Emulator, settings_factory: Callable[..., Settings]
) -> None:
    from tests.translation_servers import DeepLServer

    async with DeepLServer() as deepl:
        settings = settings_factory(
            quiet_hours="off", translation_provider="deepl", translation_timeout=3.0,
            deepl_api_url=deepl.url, deepl_api_key=deepl.key,
        )  # fmt: skip
        async with broadcasting_bot(emulator, settings) as app:
            pool = await seed(emulator, app)
            await pool.coordinator.send_command(
                "/meeting_new", args=f"twente {local(7)} Bibliotheek | Gesprek over de PIP"
            )
            preview = await wait_text(pool.coordinator, "Preview in English")
            assert "[en] " in preview.text and "3 members" in preview.text  # English: a draft
            await pool.coordinator.press("✅ Send invitations", preview)
            arabic = await invitation(app, pool.amina, "ar")
            assert "[ar] " in arabic.text and "DeepL" in arabic.text
            tigrinya = await invitation(app, pool.tesfay, "ti")  # no provider for ti
            assert "Gesprek over de PIP" in tigrinya.text
            label = t(app, texts.STAFF_TEXT, "ti").split("{")[0]
            assert label in tigrinya.text
            meeting = await meeting_row(app)
            assert set(json.loads(meeting.texts)) >= {"ar", "en", "fa", "tr", "uk"}
            assert "ti" not in json.loads(meeting.texts)
