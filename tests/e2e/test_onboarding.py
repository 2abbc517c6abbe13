"""The newcomer's first five minutes, driven over HTTP through the emulator."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy import func, select, update

from bot.config import SUPPORTED_LOCALES
from bot.i18n import format_day
from bot.members.consent import NOTICE_VERSION
from botapi_emulator import Emulator
from db.models import Consent, Member, MemberStatus, OutboundCopy, ProfileAnswer, Region
from expertpool_sandbox.harness import RunningBot
from tests.e2e.conftest import ADMIN_ID
from tests.e2e.people import onboard, skip_intake, start_and_consent, t, wait_text

MemberRow = Callable[[int], Awaitable[Member | None]]


async def _set_mode(app: RunningBot, code: str, mode: str) -> None:
    await app.settled()
    async with app.session_factory() as session:
        await session.execute(
            update(Region).where(Region.code == code).values(membership_mode=mode)
        )
        await session.commit()


async def test_full_onboarding_in_arabic(
    emulator: Emulator, app: RunningBot, member_row: MemberRow
) -> None:
    amina = emulator.create_user("Amina", language_code="ar")
    await start_and_consent(app, amina, "ar", "العربية")
    await amina.press("Twente")
    question = await amina.wait_for_message(lambda m: "منذ متى تعيشون في هولندا؟" in (m.text or ""))
    await amina.press("من سنة إلى 3 سنوات", question)
    await amina.wait_for_message(lambda m: "inburgering" in (m.text or ""))
    await amina.press("مسار B1")
    topics = await amina.wait_for_message(lambda m: "ما المواضيع المهمة لكم؟" in (m.text or ""))
    await amina.press("السكن", topics)
    await amina.wait_for_edit(topics, lambda m: "✅ السكن" in m.button_texts)
    await amina.press("العمل", topics)
    await amina.wait_for_edit(topics, lambda m: "✅ العمل" in m.button_texts)
    await amina.press(t(app, "Done", "ar"), topics)
    await amina.wait_for_message(lambda m: "كيف تريدون أن تشاركوا؟" in (m.text or ""))
    await amina.press(t(app, "Skip", "ar"))
    await amina.wait_for_message(lambda m: "ما الاسم" in (m.text or ""))
    await amina.send_text("أمينة <b>&</b>")
    await amina.wait_for_message(lambda m: "كمتطوعين" in (m.text or ""))
    await amina.press("لا، شكرًا")
    welcome = await wait_text(amina, "Twente")
    assert welcome.text and welcome.text.startswith(
        t(
            app,
            "Welcome to the expert pool {region}! You will get short surveys and news from the coordinators here. Use the menu below.",
            "ar",
        )[:10]
    )
    assert t(app, "My pool", "ar") in sum(amina.reply_keyboard, [])
    # Coordinators write Dutch (the staff language): the welcome says so, in Arabic words.
    assert (welcome.text or "").endswith(
        " " + t(app, "Coordinators answer in {language}.", "ar").format(language="الهولندية")
    )

    member = await member_row(amina.id)
    assert member is not None
    assert (member.language, member.status, member.display_name) == (
        "ar",
        MemberStatus.ACTIVE,
        "أمينة <b>&</b>",
    )
    assert member.consent_version == NOTICE_VERSION
    await app.settled()
    async with app.session_factory() as session:
        answers = {
            a.question: a.value
            for a in await session.scalars(
                select(ProfileAnswer).where(ProfileAnswer.member_id == member.id)
            )
        }
        region = await session.get(Region, member.region_id)
    assert answers == {
        "since": '"y1_3"',
        "route": '"b1"',
        "topics": '["work", "housing"]',
        "volunteer": '"no"',
    }
    assert region is not None and region.code == "twente"

    await amina.press_keyboard(t(app, "My pool", "ar"))
    pool = await wait_text(amina, "Twente")
    assert t(app, "active", "ar") in (pool.text or "")


async def test_full_onboarding_in_dutch_by_municipality(
    emulator: Emulator, app: RunningBot, member_row: MemberRow
) -> None:
    daan = emulator.create_user("Daan", language_code="nl")
    await start_and_consent(app, daan, "nl", "Nederlands")
    await daan.press("Weet ik niet / anders")
    await wait_text(daan, "In welke gemeente")
    # A command is not a municipality's name: the unknown-command reply, the step stays.
    await daan.send_text("/foo")
    said = await daan.wait_for_message()
    assert (said.text or "").startswith(t(app, "Sorry, I don't know that command.", "nl"))
    await daan.send_text("súdwest fryslan")
    found = await wait_text(daan, "Súdwest-Fryslân")
    assert "Friesland" in (found.text or "")
    await skip_intake(app, daan, "nl")
    welcome = await wait_text(daan, "Welkom bij")
    assert "Coördinatoren antwoorden" not in (welcome.text or "")  # Dutch already
    member = await member_row(daan.id)
    assert member is not None and member.status == MemberStatus.ACTIVE
    assert member.municipality_id is not None and member.display_name is None


async def test_declining_consent_stores_only_what_is_needed(
    emulator: Emulator, app: RunningBot, member_row: MemberRow
) -> None:
    sara = emulator.create_user("Sara", language_code="fa")
    await sara.send_command("/start")
    await sara.wait_for_message()
    await sara.press(lambda b: b["text"].startswith("فارسی"))
    await sara.wait_for_message(lambda m: t(app, "Do you agree?", "fa") in (m.text or ""))
    await sara.press(t(app, "Not now", "fa"))
    said = await sara.wait_for_message()
    assert "/start" in (said.text or "") and "/delete" in (said.text or "")
    member = await member_row(sara.id)
    assert member is not None
    assert (member.language, member.status, member.consent_version, member.region_id) == (
        "fa",
        "onboarding",
        None,
        None,
    )
    await app.settled()
    async with app.session_factory() as session:  # the refusal is recorded, nothing else
        decisions = list(await session.scalars(select(Consent)))
    assert [(c.purpose, c.granted, c.notice_version) for c in decisions] == [
        ("membership", False, NOTICE_VERSION)
    ]
    # Next time they are asked again, in their language.
    await sara.send_command("/start")
    await sara.wait_for_message(lambda m: t(app, "Do you agree?", "fa") in (m.text or ""))


async def test_unknown_municipality_notifies_coordinators(
    emulator: Emulator, app: RunningBot, member_row: MemberRow
) -> None:
    admin = emulator.create_user("Coordinator", language_code="nl", user_id=ADMIN_ID)
    yonas = emulator.create_user("Yonas", language_code="ti")
    await start_and_consent(app, yonas, "ti", "ትግርኛ")
    await yonas.press(t(app, "I don't know / other", "ti"))
    await yonas.wait_for_message()
    await yonas.send_text("Atlantis <script>")
    said = await yonas.wait_for_message()
    assert "Atlantis <script>" in (said.text or "")  # shown literally, escaped on the wire
    await skip_intake(app, yonas, "ti")
    done = await yonas.wait_for_message(lambda m: not m.button_texts)
    assert done.text
    note = await admin.wait_for_message(lambda m: "Atlantis" in (m.text or ""))
    assert "Atlantis <script>" in (note.text or "")
    assert "Gemeente niet gevonden" in (note.text or "")
    member = await member_row(yonas.id)
    assert member is not None
    assert (member.status, member.region_id, member.municipality_text) == (
        "pending",
        None,
        "Atlantis <script>",
    )


async def test_approval_path(emulator: Emulator, app: RunningBot, member_row: MemberRow) -> None:
    await _set_mode(app, "zwolle", "approval")
    admin = emulator.create_user("Coordinator", language_code="nl", user_id=ADMIN_ID)
    intruder = emulator.create_user("Intruder", language_code="en")
    ali = emulator.create_user("Ali", language_code="tr")
    closing = await onboard(app, ali, "tr", "Türkçe", "Zwolle")
    assert "Zwolle" in (closing.text or "")
    member = await member_row(ali.id)
    assert member is not None and member.status == MemberStatus.PENDING

    card = await admin.wait_for_message(lambda m: "✅ Goedkeuren" in m.button_texts)
    assert "Zwolle" in (card.text or "")
    # Someone else pressing (forging) the same button changes nothing and learns nothing.
    approve_data = card.callback_data[0]
    forged = await intruder.press_callback_data(approve_data, card)
    assert forged.answer is not None and "Zwolle" not in (forged.text or "")
    assert (await member_row(ali.id)).status == MemberStatus.PENDING  # type: ignore[union-attr]

    await admin.press("✅ Goedkeuren", card)
    good = await wait_text(ali, "Zwolle")
    assert good.text == t(
        app, "Good news: you are now a member of the pool {region}!", "tr"
    ).format(region="Zwolle")
    edited = await admin.wait_for_edit(card)
    assert "Goedgekeurd door Coordinator" in (edited.text or "")
    assert (await member_row(ali.id)).status == MemberStatus.ACTIVE  # type: ignore[union-attr]
    # A second press of the old button is answered politely.
    again = await admin.press_callback_data(approve_data, card)
    assert again.text == t(app, "This request was already handled.", "nl")


async def test_restart_in_the_middle_of_onboarding(
    emulator: Emulator, app: RunningBot, member_row: MemberRow
) -> None:
    olena = emulator.create_user("Olena", language_code="uk")
    await start_and_consent(app, olena, "uk", "Українська")
    await olena.press("Rotterdam")
    await olena.wait_for_message(lambda m: "Відколи ви живете" in (m.text or ""))
    await olena.press("Менше 1 року")
    await olena.wait_for_message(lambda m: "Який шлях інтеграції" in (m.text or ""))

    await app.stop()
    restarted = await RunningBot.start(app.settings, migrate=False)
    try:
        await emulator.wait_until_polling()
        await olena.send_command("/start")
        await olena.wait_for_message(
            lambda m: t(restarted, "Welcome back! Let's go on where you stopped.", "uk") == m.text
        )
        await olena.wait_for_message(lambda m: "Який шлях інтеграції" in (m.text or ""))
        await olena.press("Не знаю")
        for _ in range(4):
            await olena.wait_for_message(lambda m: t(restarted, "Skip", "uk") in m.button_texts)
            await olena.press(t(restarted, "Skip", "uk"))
        await wait_text(olena, "Rotterdam")
    finally:
        await restarted.stop()
    member = await member_row(olena.id)
    assert member is not None and member.status == MemberStatus.ACTIVE


async def test_unexpected_input_at_each_step(
    emulator: Emulator, app: RunningBot, member_row: MemberRow
) -> None:
    hodan = emulator.create_user("Hodan", language_code="so")
    await hodan.send_sticker()
    await hodan.wait_for_message()  # not a member yet: a hint, never silence
    await hodan.send_command("/start")
    picker = await hodan.wait_for_message()
    await hodan.send_text("Somali please")
    await hodan.wait_for_message()
    await hodan.press("Soomaali", picker)
    await hodan.wait_for_message(lambda m: t(app, "Do you agree?", "so") in (m.text or ""))
    consent_message = hodan.last_bot_message()
    # Text where buttons are expected: a short reminder, not the whole notice again.
    reminder = "Please answer with the buttons under the privacy notice: “I agree” or “Not now”."
    for wrong in ("haa", "ok"):
        await hodan.send_text(wrong)
        said = await hodan.wait_for_message()
        assert said.text == t(app, reminder, "so") and not said.inline_keyboard
    await hodan.press("✅ " + t(app, "I agree", "so"), consent_message)
    quotes = await hodan.wait_for_message(lambda m: t(app, "No", "so") in m.button_texts)
    await hodan.press(t(app, "No", "so"), quotes)
    regions = await hodan.wait_for_message(lambda m: "Twente" in m.button_texts)
    # The consent buttons again (old step), or forged: a polite answer, nothing changes.
    stale = t(app, "This button is from an earlier step. Nothing was changed.", "so")
    for data in (
        f"consent:{NOTICE_VERSION}:1:0",
        f"consent:{NOTICE_VERSION}:0:0",
        f"consent:{NOTICE_VERSION}:1:1",
        f"consent:{NOTICE_VERSION + 1}:0:1",
    ):
        again = await hodan.press_callback_data(data, consent_message)
        assert again.text == stale, data
    member = await member_row(hodan.id)
    assert member is not None and member.consent_version == NOTICE_VERSION
    assert member.onboarding_step == "region"
    await hodan.send_photo(caption="region?")
    await wait_text(hodan, t(app, "Please use the buttons.", "so"))
    await hodan.press("Alkmaar", regions)
    await hodan.wait_for_message(lambda m: "Goormaad" in (m.text or ""))
    # Forged and stale intake data: refused, and the current question is shown again.
    forged = await hodan.press_callback_data("intake:route:pick:b1", regions)
    assert forged.text == t(app, "This button is from an earlier step.", "so")
    await hodan.wait_for_message(lambda m: "Goormaad" in (m.text or ""))
    garbage = await hodan.press_callback_data("intake:x", regions)
    assert garbage.answer is not None
    await hodan.send_voice()
    await wait_text(hodan, t(app, "Please use the buttons.", "so"))
    await hodan.wait_for_message(lambda m: "Goormaad" in (m.text or ""))
    hodan.skip_pending()
    for next_question in ("Waddadee", "Mawduucyadee", "Sidee", "Magacee"):
        await hodan.press(t(app, "Skip", "so"))
        await hodan.wait_for_message(lambda m, q=next_question: q in (m.text or ""))
    await hodan.send_sticker()
    await wait_text(hodan, t(app, "Please type a name, or press Skip.", "so"))
    await hodan.send_text("x" * 65)
    await wait_text(hodan, "64")
    await hodan.send_text("Hodan")
    await hodan.wait_for_message(lambda m: "turjubaan" in (m.text or ""))
    await hodan.press(t(app, "Skip", "so"))
    await wait_text(hodan, "Alkmaar")
    member = await member_row(hodan.id)
    assert member is not None and (member.status, member.display_name) == ("active", "Hodan")


async def test_old_language_picker_and_unknown_language(
    emulator: Emulator, app: RunningBot
) -> None:
    user = emulator.create_user("Test", language_code="en")
    await user.send_command("/start")
    picker = await user.wait_for_message()
    forged = await user.press_callback_data("lang:de", picker)
    assert forged.answer is not None and forged.answer.get("show_alert")


async def test_mydata_matches_the_database(
    emulator: Emulator, app: RunningBot, member_row: MemberRow
) -> None:
    from tests.e2e.people import document_json

    admin = emulator.create_user("Coordinator", language_code="nl", user_id=ADMIN_ID)
    await _set_mode(app, "twente", "approval")
    user = emulator.create_user("Ahmad", language_code="ar")
    await onboard(app, user, "ar", "العربية", "Twente")
    await admin.wait_for_message(lambda m: "Twente" in (m.text or ""))
    await user.send_command("/mydata")
    summary = await user.wait_for_message()
    assert "Twente" in (summary.text or "")
    doc = await user.wait_for_message(lambda m: m.media_kind == "document")
    data = document_json(emulator, doc)
    member = await member_row(user.id)
    assert member is not None
    await app.settled()
    async with app.session_factory() as session:
        consents = list(
            await session.scalars(select(Consent).where(Consent.member_id == member.id))
        )
        copies = list(
            await session.scalars(select(OutboundCopy).where(OutboundCopy.member_id == member.id))
        )
    assert data["member"] == {
        "telegram_id": user.id,
        "language": "ar",
        "status": "pending",
        "display_name": None,
        "region": "Twente",
        "municipality": None,
        "joined_at": None,
        "created_at": member.created_at.isoformat(),
        "last_seen_at": member.last_seen_at.isoformat() if member.last_seen_at else None,
    }
    assert (
        [(c["purpose"], c["granted"], c["notice_version"]) for c in data["consents"]]
        == [(c.purpose, c.granted, c.notice_version) for c in consents]
        == [("membership", True, NOTICE_VERSION), ("quotes", False, NOTICE_VERSION)]
    )
    assert data["profile"] == {}
    assert len(data["messages_about_you_in_coordinator_chats"]) == len(copies) == 1


async def test_delete_erases_everything_and_coordinator_copies(
    emulator: Emulator, app: RunningBot, member_row: MemberRow
) -> None:
    admin = emulator.create_user("Coordinator", language_code="nl", user_id=ADMIN_ID)
    await _set_mode(app, "friesland", "approval")
    user = emulator.create_user("Mehmet", language_code="tr")
    await start_and_consent(app, user, "tr", "Türkçe")
    await user.press("Friesland")
    await user.wait_for_message(lambda m: t(app, "Skip", "tr") in m.button_texts)
    await user.press(lambda b: b["text"] == "5 yıldan fazla")
    for _ in range(3):
        await user.wait_for_message(lambda m: t(app, "Skip", "tr") in m.button_texts)
        await user.press(t(app, "Skip", "tr"))
    await user.wait_for_message(lambda m: t(app, "Skip", "tr") in m.button_texts)
    await user.send_text("Mehmet")
    await user.wait_for_message(lambda m: "çevirmen" in (m.text or ""))
    await user.press(t(app, "Skip", "tr"))
    card = await admin.wait_for_message(lambda m: "Mehmet" in (m.text or ""))
    member = await member_row(user.id)
    assert member is not None

    await user.send_command("/delete")
    await user.wait_for_message(lambda m: len(m.button_texts) == 2)
    await user.press(t(app, "Yes, delete everything", "tr"))
    done = await user.wait_for_message(lambda m: "/start" in (m.text or ""))
    assert "1" in (done.text or "")
    assert card.deleted
    assert await member_row(user.id) is None
    await app.settled()
    async with app.session_factory() as session:
        for model in (Consent, ProfileAnswer, OutboundCopy):
            count = await session.scalar(
                select(func.count()).select_from(model).where(model.member_id == member.id)
            )
            assert count == 0, model.__name__
        assert (
            await session.scalar(
                select(func.count()).select_from(Member).where(Member.telegram_id == user.id)
            )
            == 0
        )


async def test_pause_and_resume(emulator: Emulator, app: RunningBot, member_row: MemberRow) -> None:
    from bot.services import members

    user = emulator.create_user("Fatima", language_code="nl")
    closing = await onboard(app, user, "nl", "Nederlands", "Alkmaar")
    assert "Welkom bij" in (closing.text or "")
    await user.send_command("/pause")
    await wait_text(user, "/resume")
    await app.settled()
    async with app.session_factory() as session:
        assert user.id not in [m.telegram_id for m in await members.broadcast_recipients(session)]
    await user.send_command("/pause")
    await user.wait_for_message()
    await user.send_command("/resume")
    await wait_text(user, t(app, "Welcome back! You will get surveys and news again.", "nl"))
    await app.settled()
    async with app.session_factory() as session:
        assert user.id in [m.telegram_id for m in await members.broadcast_recipients(session)]


async def test_move_to_another_region(
    emulator: Emulator, app: RunningBot, member_row: MemberRow
) -> None:
    admin = emulator.create_user("Coordinator", language_code="en", user_id=ADMIN_ID)
    user = emulator.create_user("Lina", language_code="en")
    closing = await onboard(app, user, "en", "English", "Alkmaar")
    assert "Welcome to" in (closing.text or "")
    # The date as English writes it (Babel), not a Dutch dd-mm-yyyy for everyone.
    row = await member_row(user.id)
    assert row is not None and row.joined_at is not None
    await user.press_keyboard(t(app, "My pool", "en"))
    pool = await wait_text(user, "Member since:")
    assert f"Member since: {format_day(row.joined_at, 'en', app.settings.tz)}" in (pool.text or "")
    await user.send_command("/region")
    choice = await user.wait_for_message()
    assert "Alkmaar" not in choice.button_texts
    old_data = choice.callback_data[0]
    await user.press("Rotterdam", choice)
    await wait_text(user, "You are now in the pool Rotterdam.")
    note = await admin.wait_for_message(lambda m: "Rotterdam" in (m.text or ""))
    assert "Alkmaar" in (note.text or "")
    again = await user.press_callback_data(old_data, choice)
    assert again.answer is not None


async def test_before_a_language_is_chosen_the_picker_comes_again(
    emulator: Emulator, app: RunningBot, member_row: MemberRow
) -> None:
    """Issue 21: nonsense, a photo or a voice note before the language got "use the menu
    below", and there is no menu yet."""
    hodan = emulator.create_user("Hodan", language_code="so")
    everywhere = [t(app, "Please choose your language first.", code) for code in SUPPORTED_LOCALES]
    for send in (
        lambda: hodan.send_text("asdf"),
        lambda: hodan.send_photo(),
        lambda: hodan.send_voice(),
        lambda: hodan.send_sticker(),
    ):
        await send()
        picker = await hodan.wait_for_message()
        lines = (picker.text or "").split("\n")
        assert lines[0] == everywhere[SUPPORTED_LOCALES.index("so")]
        assert sorted(lines) == sorted(everywhere)
        assert picker.button_texts[0] == "Soomaali" and "Nederlands" in picker.button_texts
    await hodan.press("Soomaali", picker)
    await hodan.wait_for_message(lambda m: t(app, "Do you agree?", "so") in (m.text or ""))
    member = await member_row(hodan.id)
    assert member is not None and member.language == "so"
