"""Consent over the emulator: a newer notice asks again, "Not now" withdraws, quotes are a
separate choice, and /mydata counts every copy of the member's data in coordinator chats."""

from __future__ import annotations

from sqlalchemy import select, update

from bot.members.consent import NOTICE_VERSION
from bot.services import members
from botapi_emulator import Emulator
from db.base import utcnow
from db.models import Consent, Member, ProfileAnswer
from expertpool_sandbox.harness import RunningBot
from tests.e2e.people import document_json, start_and_consent, t, wait_text
from tests.e2e.staff import seed
from tests.e2e.test_questions import ask, make_pool

NOTICE_CHANGED = "Our privacy notice has changed. Please read it and tell us if you agree."
REMINDER = (
    "Please first answer the question about the privacy notice above: press “I agree” "
    "or “Not now”. Send /privacy to see the notice again."
)
STALE = "This button is from an earlier step. Nothing was changed."
QUOTES_QUESTION = (
    "One more choice, and it is optional: may coordinators quote your written survey "
    "answers, without your name, in reports to the municipality? You can change this "
    "at any time with /privacy."
)


async def _row(app: RunningBot, telegram_id: int) -> Member:
    await app.settled()
    async with app.session_factory() as session:
        found = await session.scalar(select(Member).where(Member.telegram_id == telegram_id))
    assert found is not None
    return found


async def _reachable(app: RunningBot, telegram_id: int) -> bool:
    await app.settled()
    async with app.session_factory() as session:
        return telegram_id in [m.telegram_id for m in await members.broadcast_recipients(session)]


async def test_reconsent_after_a_new_notice_end_to_end(emulator: Emulator, app: RunningBot) -> None:
    agree = "✅ " + t(app, "I agree", "ar")
    pool = await make_pool(emulator, app, "ar", name="Amal")
    amal, coordinator, group = pool.member, pool.coordinator, pool.group
    assert group is not None
    await ask(app, amal, "ar", "Housing", "أبحث عن بيت")
    await wait_text(amal, "Twente")
    topic = await group.wait_for_topic(lambda tp: tp.name.startswith("#"))
    # Amal agreed to the notice before this version, and stored an intake answer.
    async with app.session_factory() as session:
        member = await session.scalar(select(Member).where(Member.telegram_id == amal.id))
        assert member is not None
        session.add(Consent(member_id=member.id, purpose="membership", granted=True,
                            notice_version=NOTICE_VERSION - 1, given_at=member.created_at))  # fmt: skip
        session.add(ProfileAnswer(member_id=member.id, question="since", value='"y1_3"',
                                  answered_at=member.created_at))  # fmt: skip
        await session.execute(
            update(Member).where(Member.id == member.id).values(consent_version=NOTICE_VERSION - 1)
        )
        await session.commit()
    assert not await _reachable(app, amal.id)  # no broadcasts or surveys until they agree

    # The next interaction shows the new notice; further wrong input gets a short reminder.
    await amal.send_text("مرحبا")
    notice = await wait_text(amal, t(app, NOTICE_CHANGED, "ar"))
    assert t(app, "I agree", "ar") in " ".join(notice.button_texts)
    await amal.send_text("مرحبا مرة أخرى")
    reminder = await amal.wait_for_message()
    assert reminder.text == t(app, REMINDER, "ar") and not reminder.inline_keyboard
    # A survey or other button: a polite alert, no second notice (one is waiting).
    pressed = await amal.press_callback_data("svs:1", notice)
    assert pressed.answer is not None and pressed.answer.get("show_alert")

    # Still allowed: the answer to the open question, /myquestions, /mydata, /privacy.
    await coordinator.send_text(
        "Kijk op de website van de gemeente.", chat=group, thread_id=topic.message_thread_id
    )
    await amal.wait_for_message(lambda m: m.text is not None and m.text.startswith("💬"))
    await wait_text(amal, "Kijk op de website van de gemeente.")
    await amal.send_command("/myquestions")
    await wait_text(amal, "Kijk op de website van de gemeente.")
    await amal.send_command("/mydata")
    summary = await wait_text(amal, t(app, "Consent to the privacy notice: no", "ar"))
    document = await amal.wait_for_message(lambda m: m.media_kind == "document")
    data = document_json(emulator, document)
    # Every copy of Amal's data in the coordinators' chats is counted, as in the file.
    copies = data["messages_about_you_in_coordinator_chats"]
    assert {c["purpose"] for c in copies} >= {"question_card", "copy_of_your_message"}
    counted = app.i18n.gettext(
        "{count} message about you was posted in the coordinators' chats (question cards, "
        "copies of your messages, notices).",
        "{count} messages about you were posted in the coordinators' chats (question cards, "
        "copies of your messages, notices).",
        len(copies),
        locale="ar",
    )
    assert counted.format(count=len(copies)) in (summary.text or "")
    await amal.send_command("/privacy")
    again = await amal.wait_for_message(lambda m: agree in m.button_texts)

    # "Not now" withdraws the old consent; data stays; an earlier "I agree" is stale.
    await amal.press(t(app, "Not now", "ar"), again)
    withdrawn = "Okay. You have withdrawn your consent. You get no surveys or news now. "
    await wait_text(amal, t(app, withdrawn + "We keep your data until you delete it with "
                                 "/delete. Send /start when you want to agree again.", "ar"))  # fmt: skip
    stale = await amal.press_callback_data(notice.callback_data[0], notice)
    assert stale.text == t(app, STALE, "ar")
    member = await _row(app, amal.id)
    assert member.consent_version is None and not await _reachable(app, amal.id)
    async with app.session_factory() as session:
        decisions = list(await session.scalars(
            select(Consent).where(Consent.member_id == member.id).order_by(Consent.id)))  # fmt: skip
        kept = list(await session.scalars(
            select(ProfileAnswer).where(ProfileAnswer.member_id == member.id)))  # fmt: skip
    assert [(c.notice_version, c.granted, c.withdrawn_at is not None) for c in decisions] == [
        (NOTICE_VERSION - 1, True, True),
        (NOTICE_VERSION, False, False),
    ]
    assert [a.value for a in kept] == ['"y1_3"']  # nothing stored is lost

    # The next interaction asks again with fresh buttons; agreeing brings the quote question.
    await amal.send_command("/start")
    fresh = await amal.wait_for_message(lambda m: agree in m.button_texts)
    await amal.press(agree, fresh)
    await wait_text(amal, t(app, "Thank you! Your choice is saved.", "ar"))
    quotes = await wait_text(amal, t(app, QUOTES_QUESTION, "ar"))
    await amal.press(t(app, "Yes", "ar"), quotes)
    await wait_text(
        amal, t(app, "Saved: coordinators may quote your written answers without your name.", "ar")
    )
    member = await _row(app, amal.id)
    assert (member.consent_version, member.quote_consent_version) == (NOTICE_VERSION,) * 2
    assert await _reachable(app, amal.id)

    # Changeable later in /privacy: one button.
    await amal.send_command("/privacy")
    menu = await amal.wait_for_message(
        lambda m: t(app, "Stop quotes of my answers", "ar") in m.button_texts
    )
    await amal.press(t(app, "Stop quotes of my answers", "ar"), menu)
    await wait_text(amal, t(app, "Saved: coordinators will not quote your written answers.", "ar"))
    member = await _row(app, amal.id)
    assert member.quote_consent_version is None and member.consent_version == NOTICE_VERSION
    # The quote buttons of the first question are still valid choices, not a step: a press
    # sets the choice again; a forged version is refused.
    forged = await amal.press_callback_data(f"quotes:{NOTICE_VERSION - 1}:1", quotes)
    assert forged.text == t(app, STALE, "ar")


async def test_a_new_notice_while_signing_up_stops_the_old_region_picker(
    emulator: Emulator, app: RunningBot
) -> None:
    agree = "✅ " + t(app, "I agree", "tr")
    ayse = emulator.create_user("Ayşe", language_code="tr")
    await start_and_consent(app, ayse, "tr", "Türkçe")
    picker = ayse.last_bot_message()
    # The notice changes (e.g. a new translation service) while Ayşe is choosing her pool.
    async with app.session_factory() as session:
        await session.execute(
            update(Member)
            .where(Member.telegram_id == ayse.id)
            .values(consent_version=NOTICE_VERSION - 1)
        )
        await session.commit()
    stale = await ayse.press("Twente", picker)
    assert stale.text == t(app, STALE, "tr")
    member = await _row(app, ayse.id)
    assert (member.onboarding_step, member.region_id) == ("region", None)
    # Anything she sends now shows the new notice; once she agrees she goes on where she was.
    await ayse.send_text("Twente")
    notice = await ayse.wait_for_message(lambda m: agree in m.button_texts)
    await ayse.send_text("Twente!")
    reminder = await ayse.wait_for_message()
    assert not reminder.inline_keyboard and "/privacy" not in (reminder.text or "")
    await ayse.press(agree, notice)
    fresh = await ayse.wait_for_message(lambda m: "Twente" in m.button_texts)
    await ayse.press("Twente", fresh)
    await ayse.wait_for_message(lambda m: t(app, "Skip", "tr") in m.button_texts)
    member = await _row(app, ayse.id)
    assert (member.consent_version, member.onboarding_step) == (NOTICE_VERSION, "intake:since")


async def test_staff_commands_pass_the_consent_question(
    emulator: Emulator, app: RunningBot
) -> None:
    """A member who must agree to a new notice and sends a staff command gets the answer to
    any command they may not use, not the notice; a coordinator who is a member too keeps
    their tools."""
    people = await seed(emulator, app)
    async with app.session_factory() as session:
        session.add(Member(telegram_id=people.coordinator_a.id, language="en", status="active",
                           region_id=people.region_a, consent_version=NOTICE_VERSION - 1,
                           joined_at=utcnow()))  # fmt: skip
        await session.execute(
            update(Member)
            .where(Member.telegram_id == people.member.id)
            .values(consent_version=NOTICE_VERSION - 1)
        )
        await session.commit()

    plain = people.member
    await plain.send_command("/approve", args=str(people.pending_a))
    said = await plain.wait_for_message()
    assert (said.text or "").startswith("Sorry, I don't know that command."), said.text
    await plain.send_text("hello")
    await wait_text(plain, NOTICE_CHANGED)  # member business still waits for the answer

    coordinator = people.coordinator_a
    await coordinator.send_command("/approve", args=str(people.pending_a))
    assert (await coordinator.wait_for_message()).text == "Approved."
    await coordinator.send_command("/pause")
    await wait_text(coordinator, NOTICE_CHANGED)
