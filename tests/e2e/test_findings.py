"""You said, we did, over the emulator: a coordinator writes a closed run's findings and the
municipality's response (machine drafts through the stand-in DeepL, checked before sending);
invited members get them in their language with the run's chart (sendPhoto), react 👍/👎
(shown in /stats through the small-group rule) and read /results; the response goes to the
whole region. Another region's coordinator sees and sends nothing; a deleted member gets
nothing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.broadcast import EngineOptions
from bot.config import Settings
from bot.findings import views
from bot.members.consent import notice_version
from bot.services.roles import Actor
from bot.surveys import library
from botapi_emulator import Emulator, SimUser
from botapi_emulator.view import SimMessage
from db.base import utcnow
from db.models import (
    AuditEntry,
    Broadcast,
    BroadcastDelivery,
    FindingReaction,
    Member,
    Region,
    RoleGrant,
    SurveyAnswer,
    SurveyResponse,
    SurveyRun,
)
from expertpool_sandbox.harness import RunningBot
from tests.e2e.conftest import ADMIN_ID
from tests.e2e.people import t, wait_text
from tests.translation_servers import DeepLServer

PULSE = (Path(__file__).resolve().parents[2] / "surveys" / "monthly-pulse.yaml").read_text(
    encoding="utf-8"
)
SAID = "Many of you wait too long for a KNM class."
DID = "The municipality adds two KNM classes in January."


@pytest.fixture
async def app(
    emulator: Emulator, settings_factory: Callable[..., Settings], deepl: DeepLServer
) -> AsyncIterator[RunningBot]:
    settings = settings_factory(
        quiet_hours="off", translation_provider="deepl", translation_timeout=3.0,
        deepl_api_url=deepl.url, deepl_api_key=deepl.key, staff_language="en",
    )  # fmt: skip
    running = await RunningBot.start(settings, broadcaster=EngineOptions(poll_interval=0.05))
    await emulator.wait_until_polling()
    yield running
    await running.stop()


@dataclass
class Pool:
    coordinator: SimUser  # of Twente
    other: SimUser  # coordinator of Zwolle
    invited: dict[str, SimUser]  # language -> a Twente member the survey reached
    newcomer: SimUser  # joined Twente after the survey (en)
    leaver: SimUser  # invited, then deleted their data (nl)
    far: SimUser  # a member in Zwolle
    run_id: int


async def seed(emulator: Emulator, app: RunningBot) -> Pool:
    """A closed pulse run in Twente: its invitation reached four members, twelve answered
    (moods 4 ×7, 5 ×3, 2 ×2) in three languages; answers in Zwolle belong to another run."""
    coordinator = emulator.create_user("CoordA", language_code="en")
    other = emulator.create_user("CoordB", language_code="en")
    invited = {
        lang: emulator.create_user(f"M-{lang}", language_code=lang) for lang in ("ar", "ti", "nl")
    }
    newcomer, leaver = (
        emulator.create_user("New"),
        emulator.create_user("Leaver", language_code="nl"),
    )
    far = emulator.create_user("Far", language_code="en")
    now = utcnow()
    async with app.session_factory() as session:
        regions = {r.code: r for r in await session.scalars(select(Region))}
        imported = await library.import_text(
            session, Actor(ADMIN_ID, True, frozenset()), PULSE, now - timedelta(days=20)
        )
        people = [(u, lang, "twente") for lang, u in invited.items()]
        people += [(newcomer, "en", "twente"), (leaver, "nl", "twente"), (far, "en", "zwolle")]
        members = {}
        for user, lang, code in people:
            members[user.id] = Member(telegram_id=user.id, language=lang, status="active",
                                      region_id=regions[code].id, consent_version=notice_version(),
                                      joined_at=now - timedelta(days=30))  # fmt: skip
            session.add(members[user.id])
        for user, code in ((coordinator, "twente"), (other, "zwolle")):
            session.add(RoleGrant(telegram_id=user.id, role="coordinator", region_id=regions[code].id,
                                  granted_by=ADMIN_ID, granted_at=now))  # fmt: skip
        invitation = Broadcast(kind="survey", status="done", locale="en", total=4, due_at=now,
                               created_at=now)  # fmt: skip
        session.add(invitation)
        await session.flush()
        for user in [*invited.values(), leaver]:
            session.add(BroadcastDelivery(broadcast_id=invitation.id, member_id=members[user.id].id,
                                          state="sent"))  # fmt: skip
        run = SurveyRun(survey_id=imported.survey.id, region_id=regions["twente"].id,
                        status="closed", due_at=now - timedelta(days=14), close_at=now,
                        broadcast_id=invitation.id, locale="en")  # fmt: skip
        elsewhere = SurveyRun(survey_id=imported.survey.id, region_id=regions["zwolle"].id,
                              status="closed", due_at=now - timedelta(days=14), close_at=now,
                              locale="en")  # fmt: skip
        session.add_all([run, elsewhere])
        await session.flush()
        moods = [4] * 7 + [5] * 3 + [2] * 2
        languages = ["ar", "ti", "nl"] * 4
        for number, (mood, lang) in enumerate(zip(moods, languages, strict=True)):
            response = SurveyResponse(run_id=run.id, respondent_key=f"k{number}", language=lang,
                                      region_id=run.region_id, finished=True)  # fmt: skip
            session.add(response)
            await session.flush()
            session.add(
                SurveyAnswer(response_id=response.id, question="mood", value=json.dumps(mood))
            )
        for number in range(3):
            response = SurveyResponse(run_id=elsewhere.id, respondent_key=f"z{number}", language="en",
                                      region_id=elsewhere.region_id, finished=True)  # fmt: skip
            session.add(response)
            await session.flush()
            session.add(SurveyAnswer(response_id=response.id, question="mood", value="1"))
        await session.commit()
        run_id = run.id
    return Pool(coordinator, other, invited, newcomer, leaver, far, run_id)


async def photo(user: SimUser, fragment: str) -> SimMessage:
    return await user.wait_for_message(
        lambda m: m.media_kind == "photo" and fragment in (m.caption or "")
    )


def png(emulator: Emulator, message: SimMessage) -> bytes:
    stored = emulator.world.files.get(message.file_id or "")
    assert stored is not None
    return bytes(stored.data)


async def write(coordinator: SimUser, button: str, text: str) -> SimMessage:
    await coordinator.press(button)
    await wait_text(coordinator, "at most 700)")
    await coordinator.send_text("x" * 701)
    await wait_text(coordinator, "That is too long. Please write it shorter.")
    await coordinator.send_text(text)
    await coordinator.wait_for_message(lambda m: m.media_kind == "photo")  # the chart going out
    preview = await wait_text(coordinator, "Preview in English.")
    assert "[ar]" not in (preview.text or "") and text in (preview.text or "")
    return preview


async def test_findings_and_response_reach_the_pool_with_the_chart(
    emulator: Emulator, app: RunningBot
) -> None:
    pool = await seed(emulator, app)
    coordinator, ar = pool.coordinator, pool.invited["ar"]

    # The leaver deletes their data before anything is sent.
    await pool.leaver.send_command("/delete")
    await pool.leaver.wait_for_message(lambda m: len(m.button_texts) == 2)
    await pool.leaver.press(t(app, "Yes, delete everything", "nl"))
    await pool.leaver.wait_for_message(lambda m: "/start" in (m.text or ""))

    # The guided flow: the run list, the run's card, the findings with machine drafts.
    await coordinator.send_command("/findings")
    listing = await wait_text(coordinator, "Choose a survey run")
    assert len(listing.inline_keyboard) == 1  # Zwolle's run is not listed
    await coordinator.press(lambda b: b["text"].startswith(f"Survey run #{pool.run_id}:"), listing)
    card = await wait_text(coordinator, "Findings: not written yet")
    assert "12 answers" in (card.text or "") and "Chart: How was this month for you?" in (
        card.text or ""
    )
    preview = await write(coordinator, "✏️ Findings", SAID)
    assert "You said:" in (preview.text or "")

    # A draft language previewed, then sending refused until the drafts are checked.
    await coordinator.press("🌐 Arabic", preview)
    edited = await coordinator.wait_for_edit(preview, lambda m: "[ar]" in (m.text or ""))
    assert "Machine draft (DeepL), not checked yet." in (edited.text or "")
    refused = await coordinator.press("📤 Send to those invited", edited)
    assert refused.show_alert and refused.text == "Please check the machine drafts first."
    await coordinator.press("✅ Machine drafts checked", edited)
    checked = await coordinator.wait_for_edit(
        edited, lambda m: "✅ Machine drafts checked" not in m.button_texts
    )

    # The chart can follow another closed question; four presses go round to the first.
    await coordinator.send_command("/findings", args=str(pool.run_id))
    card = await wait_text(coordinator, "Findings: ready to send")
    for question in ("What took most", "Did you", "Will you", "How was this month"):
        await coordinator.press("📊 Another question for the chart", card)
        card = await coordinator.wait_for_edit(card, lambda m, q=question: q in (m.text or ""))
        await coordinator.wait_for_message(lambda m: m.media_kind == "photo")

    # The other region's coordinator: no run, no card, no sending with a forged button.
    await pool.other.send_command("/findings")
    theirs = await wait_text(pool.other, "Choose a survey run")
    assert all(f"#{pool.run_id}:" not in b for b in theirs.button_texts)  # only Zwolle's run
    await pool.other.send_command("/findings", args=str(pool.run_id))
    note = await wait_text(pool.other, "No such survey run in your regions.")
    send_data = next(d for d in checked.callback_data if d.startswith("fnd:s:"))
    forged = await pool.other.press_callback_data(send_data, note)
    assert forged.show_alert and "no longer works" in (forged.text or "")

    await coordinator.press("📤 Send to those invited", checked)
    await wait_text(coordinator, "On its way to 3 members")

    # Each invited member: the chart as a photo, the text in their language, 👍/👎.
    got = await photo(ar, t(app, "You said:", "ar"))
    assert "[ar]" in (got.caption or "") and got.button_texts == ["👍", "👎"]
    assert png(emulator, got).startswith(b"\x89PNG")
    await photo(pool.invited["nl"], t(app, "You said:", "nl"))
    await photo(pool.invited["ti"], t(app, "You said:", "ti"))

    # 👍, changed to 👎, then 👍 again: one reaction, the latest; a forged one is refused.
    thumbs = [d for d in got.callback_data]
    for data in (thumbs[0], thumbs[1], thumbs[0]):
        pressed = await ar.press_callback_data(data, got)
        assert pressed.text == t(app, "Thank you! Your answer is saved.", "ar")
    await pool.far.send_command("/help")
    helped = await pool.far.wait_for_message()
    forged = await pool.far.press_callback_data(thumbs[0], helped)
    assert forged.show_alert
    await app.settled()
    async with app.session_factory() as session:
        reactions = list(await session.scalars(select(FindingReaction)))
    assert [r.value for r in reactions] == ["up"]
    await coordinator.send_command("/stats")
    stats = await wait_text(coordinator, "You said, we did: was it useful?")
    assert "Twente: 👍 <5 · 👎 0" in (stats.text or "")  # one reaction: a small group

    # The municipality's response, to the whole region this time.
    await coordinator.send_command("/findings", args=str(pool.run_id))
    card = await wait_text(coordinator, "Findings: sent")
    preview = await write(coordinator, "✏️ Municipality response", DID)
    assert SAID in (preview.text or "") and "We did:" in (preview.text or "")
    await coordinator.press("✅ Machine drafts checked", preview)
    checked = await coordinator.wait_for_edit(
        preview, lambda m: "✅ Machine drafts checked" not in m.button_texts
    )
    await coordinator.press("📤 Send to the whole region", checked)
    await wait_text(coordinator, "On its way to 4 members")
    response = await photo(pool.newcomer, "We did:")
    assert SAID in (response.caption or "") and DID in (response.caption or "")
    await photo(ar, t(app, "We did:", "ar"))

    # /results: the run, its headline numbers (small groups hidden) and what was done.
    await ar.send_command("/results")
    results = await wait_text(ar, t(app, "What the pool said, and what was done", "ar"))
    text = results.text or ""
    assert "[ar]" in text and t(app, "We did:", "ar") in text
    assert "(7)" in text and "(3)" not in text and "(2)" not in text and "<5" in text

    # Nothing reached the member who deleted their data, nor the other region.
    await app.settled()
    assert not [m for m in pool.leaver.bot_messages() if m.media_kind == "photo"]
    assert not [m for m in pool.far.bot_messages() if m.media_kind == "photo"]
    async with app.session_factory() as session:
        actions = list(await session.scalars(select(AuditEntry.action)))
    assert {"findings_write", "findings_review", "findings_send"} <= set(actions)
    assert views.FindingCB.unpack(thumbs[0]).a == "u"
