"""Announcements over the emulator: /broadcast, the engine delivering them, /broadcasts."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.broadcast import EngineOptions, service
from bot.broadcast.audience import Audience
from bot.broadcast.content import HEADER, Content
from bot.config import Settings
from bot.i18n import language_name
from botapi_emulator import Emulator, SimUser
from botapi_emulator.view import SimMessage
from db.base import utcnow
from db.models import Broadcast, Region, RoleGrant
from expertpool_sandbox.harness import RunningBot
from tests.e2e.conftest import ADMIN_ID
from tests.e2e.people import onboard, t, wait_text
from tests.e2e.staff import seed

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


class Clock:
    def __init__(self) -> None:
        self.moment = datetime(2026, 6, 1, 12, 0, tzinfo=AMSTERDAM)

    def __call__(self) -> datetime:
        return self.moment


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def app(
    emulator: Emulator, settings_factory: Callable[..., Settings], clock: Clock
) -> AsyncIterator[RunningBot]:
    settings = settings_factory(quiet_hours="21:00-09:00", broadcast_paid=True, broadcast_rate=200)
    options = EngineOptions(
        clock=clock, progress_interval=0.1, poll_interval=0.5, check_interval=0.02,
        chat_interval=0.05, retry_base=0.01,
    )  # fmt: skip
    running = await RunningBot.start(settings, broadcaster=options)
    await emulator.wait_until_polling()
    yield running
    await running.stop()


async def coordinator_of(app: RunningBot, emulator: Emulator, code: str) -> SimUser:
    user = emulator.create_user(f"Coordinator {code}", language_code="en")
    async with app.session_factory() as session:
        region = await session.scalar(select(Region.id).where(Region.code == code))
        session.add(
            RoleGrant(telegram_id=user.id, role="coordinator", region_id=region,
                      granted_by=ADMIN_ID, granted_at=utcnow())
        )  # fmt: skip
        await session.commit()
    return user


def header(app: RunningBot, locale: str) -> str:
    return t(app, HEADER, locale)


async def test_broadcast_commands_are_unknown_to_members(
    emulator: Emulator, app: RunningBot
) -> None:
    people = await seed(emulator, app)
    for command in ("/broadcast", "/broadcasts"):
        await people.member.send_command(command)
        await wait_text(people.member, t(app, "Sorry, I don't know that command.", "en"))
    # A forged button from the flow is a dead button for them too.
    await people.member.send_command("/help")
    help_message = await people.member.wait_for_message()
    answer = await people.member.press_callback_data("bc:stop:1", help_message)
    assert "no longer works" in (answer.text or "")


async def test_coordinator_of_another_region_learns_nothing(
    emulator: Emulator, app: RunningBot
) -> None:
    people = await seed(emulator, app)
    zwolle = people.coordinator_b
    await zwolle.send_command("/broadcast")
    menu = await wait_text(zwolle, "Who should get this announcement?")
    assert menu.button_texts == ["Zwolle", "Next", "Cancel"]  # no Twente, no "All pools"
    forged = await zwolle.press_callback_data(f"bc:region:{people.region_a}", menu)
    assert "no longer works" in (forged.text or "") and "Twente" not in (forged.text or "")
    await zwolle.press("Zwolle", menu)
    await zwolle.wait_for_edit(menu, lambda m: "✅ Zwolle" in m.button_texts)
    await zwolle.press("Next", menu)
    await zwolle.wait_for_edit(menu, lambda m: "Now send the announcement" in (m.text or ""))
    await zwolle.send_text("Meeting on Friday")
    language = await wait_text(zwolle, "Which language is this version in?")
    await zwolle.press("One version for everyone", language)
    preview = await zwolle.wait_for_edit(language, lambda m: "Recipients" in (m.text or ""))
    assert "Recipients: 1 (1 ar)" in (preview.text or "") and "Twente" not in (preview.text or "")

    # Twente's own broadcast: invisible and not cancellable from Zwolle.
    async with app.session_factory() as session:
        twente = await service.create(
            session, app.settings, actor=people.coordinator_a.id,
            audience=Audience((people.region_a,)), versions={"*": Content("text", "Hi", 2)},
            now=utcnow(), locale="en",
        )  # fmt: skip
        await session.commit()
    await zwolle.send_command("/broadcasts")
    assert (await zwolle.wait_for_message()).text == "No broadcasts yet."
    refused = await zwolle.press_callback_data(f"bc:stop:{twente.id}", preview)
    assert "no longer works" in (refused.text or "")


async def test_announcement_in_two_languages(emulator: Emulator, app: RunningBot) -> None:
    amina = emulator.create_user("Amina", language_code="ar")
    daan = emulator.create_user("Daan", language_code="nl")
    tesfay = emulator.create_user("Tesfay", language_code="ti")
    elsewhere = emulator.create_user("Sanne", language_code="nl")
    for user, language in ((amina, "ar"), (daan, "nl"), (tesfay, "ti")):
        await onboard(app, user, language, language_name(language), "Twente")
    await onboard(app, elsewhere, "nl", "Nederlands", "Zwolle")
    twente = await coordinator_of(app, emulator, "twente")

    await twente.send_command("/broadcast")
    menu = await wait_text(twente, "Who should get this announcement?")
    await twente.press("Twente", menu)
    await twente.wait_for_edit(menu, lambda m: "✅ Twente" in m.button_texts)
    await twente.press("Next", menu)
    await twente.wait_for_edit(menu, lambda m: "Pools: Twente" in (m.text or ""))
    await twente.send_text("Bijeenkomst maandag 19:00", entities=[
        {"type": "bold", "offset": 0, "length": 11}])  # fmt: skip
    question = await wait_text(twente, "Which language is this version in?")
    await twente.press("Nederlands", question)
    preview = await twente.wait_for_edit(question, lambda m: "Recipients" in (m.text or ""))
    assert "Recipients: 3 (1 ar, 1 nl, 1 ti)" in (preview.text or "")
    assert "1 × Arabic: no version in this language, so they get the Dutch version." in (
        preview.text or ""
    )
    await twente.press("Add a language", preview)
    await twente.wait_for_edit(preview, lambda m: "Now send the announcement" in (m.text or ""))
    await twente.send_text("اجتماع يوم الاثنين 19:00")
    question = await wait_text(twente, "Which language is this version in?")
    assert "Nederlands" not in question.button_texts
    await twente.press("العربية", question)
    preview = await twente.wait_for_edit(question, lambda m: "Versions" in (m.text or ""))
    assert "Arabic:" not in (preview.text or "") and "1 × Tigrinya" in (preview.text or "")
    await twente.press("✅ Send", preview)

    await wait_text(twente, "Broadcast #1 is finished.")
    assert (
        await amina.wait_for_message()
    ).text == f"{header(app, 'ar')}\n\nاجتماع يوم الاثنين 19:00"
    dutch = await daan.wait_for_message()
    assert dutch.text == f"{header(app, 'nl')}\n\nBijeenkomst maandag 19:00"
    assert dutch["entities"][0]["type"] == "bold"
    assert (
        await tesfay.wait_for_message()
    ).text == f"{header(app, 'ti')}\n\nBijeenkomst maandag 19:00"
    # The preview became the progress message: queued, then the final counts.
    shown = [v.get("text") for v in preview.edit_history] + [preview.text]
    assert any("Broadcast #1 to 3 members is queued" in (t or "") for t in shown)
    assert preview.text == "Broadcast #1: sent 3 of 3 · unreachable: 0"
    assert elsewhere.bot_messages()[-1].text != dutch.text  # other pools get nothing


async def test_quiet_hours_then_cancel_from_the_list(
    emulator: Emulator, app: RunningBot, clock: Clock
) -> None:
    people = await seed(emulator, app)
    admin = people.admin
    clock.moment = datetime(2026, 6, 1, 23, 0, tzinfo=AMSTERDAM)
    await admin.send_command("/broadcast")
    menu = await wait_text(admin, "Who should get this announcement?")
    await admin.press("All pools", menu)
    await admin.wait_for_edit(menu, lambda m: "✅ All pools" in m.button_texts)
    await admin.press("Next", menu)
    await admin.wait_for_edit(menu, lambda m: "Pools: all pools" in (m.text or ""))
    await admin.send_photo(caption="New poster")
    question = await wait_text(admin, "Which language is this version in?")
    await admin.press("One version for everyone", question)
    preview = await admin.wait_for_edit(question, lambda m: "Recipients: 3" in (m.text or ""))
    assert "It is quiet time now: sending starts at 9:00" in (preview.text or "")
    await admin.press("✅ Send", preview)
    await admin.wait_for_edit(
        preview, lambda m: "waits for the quiet hours to end" in (m.text or "")
    )

    await admin.send_command("/broadcasts")
    listing = await wait_text(admin, "Recent broadcasts:")
    assert "#1 · " in (listing.text or "") and "· waiting · sent 0 of 3" in (listing.text or "")
    await admin.press("Cancel #1", listing)
    await admin.wait_for_edit(listing, lambda m: "· cancelled ·" in (m.text or ""))
    summary = await wait_text(admin, "Broadcast #1 was cancelled.")
    assert "Skipped (paused, left or cancelled): 3" in (summary.text or "")
    clock.moment = datetime(2026, 6, 2, 9, 30, tzinfo=AMSTERDAM)
    assert app.broadcaster is not None
    app.broadcaster.wake()
    await admin.send_command("/broadcasts")
    await wait_text(admin, "· cancelled · sent 0 of 3")
    assert people.member.bot_messages() == []


async def test_commands_while_composing_are_never_the_announcement(
    emulator: Emulator, app: RunningBot
) -> None:
    people = await seed(emulator, app)
    twente = people.coordinator_a

    async def compose() -> SimMessage:
        await twente.send_command("/broadcast")
        menu = await wait_text(twente, "Who should get this announcement?")
        await twente.press("Twente", menu)
        await twente.wait_for_edit(menu, lambda m: "✅ Twente" in m.button_texts)
        await twente.press("Next", menu)
        return await twente.wait_for_edit(
            menu, lambda m: "Now send the announcement" in (m.text or "")
        )

    await compose()
    # An unknown command (a typo): the unknown-command reply; the draft waits on.
    await twente.send_command("/foo")
    await wait_text(twente, "Sorry, I don't know that command.")
    await twente.send_text("Meeting on Friday")
    question = await wait_text(twente, "Which language is this version in?")
    # Another feature's command ends the draft, says so, and runs.
    await twente.send_command("/myquestions")
    await wait_text(twente, "Cancelled. Nothing was sent.")
    await wait_text(twente, "You have not asked any questions yet.")
    forgotten = await twente.press_callback_data("bc:lang:*", question)
    assert "no longer works" in (forgotten.text or "")

    await compose()
    await twente.send_command("/help")
    await wait_text(twente, "Cancelled. Nothing was sent.")
    await wait_text(twente, "What you can do as coordinator:")
    await twente.send_text("Meeting on Friday")  # no draft: not taken as an announcement
    await wait_text(twente, "I did not understand that.")

    # From the preview, /start goes back to the menu and the draft's Send is dead.
    await compose()
    await twente.send_text("Meeting on Friday")
    question = await wait_text(twente, "Which language is this version in?")
    await twente.press("One version for everyone", question)
    preview = await twente.wait_for_edit(question, lambda m: "Recipients" in (m.text or ""))
    await twente.send_command("/start")
    await wait_text(twente, "Cancelled. Nothing was sent.")
    dead = await twente.press("✅ Send", preview)
    assert "no longer works" in (dead.text or "")
    async with app.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(Broadcast)) == 0
    assert people.member.bot_messages() == []
