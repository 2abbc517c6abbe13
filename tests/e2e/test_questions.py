"""Questions from members to their region's coordinators, over the emulator."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy import func, select, update

from bot.callbacks import QuestionActionCallback, TemplateAction, TemplateCallback
from bot.i18n import language_name_in
from bot.members.consent import NOTICE_VERSION
from bot.questions import jobs
from bot.scheduler import JobContext
from botapi_emulator import Emulator, SimGroup, SimUser
from db.base import utcnow
from db.models import Member, Question, QuestionMessage, Region, RoleGrant
from expertpool_sandbox.harness import RunningBot
from tests.e2e.conftest import ADMIN_ID
from tests.e2e.people import t, wait_text


@dataclass
class Pool:
    member: SimUser
    coordinator: SimUser
    other_coordinator: SimUser
    group: SimGroup | None


async def make_pool(
    emulator: Emulator,
    app: RunningBot,
    language: str = "ti",
    *,
    linked: bool = True,
    name: str = "Yonas",
) -> Pool:
    member = emulator.create_user(name, language_code=language)
    coordinator = emulator.create_user("Coordinator", language_code="nl")
    other = emulator.create_user("Other", language_code="nl")
    group = (
        emulator.create_group("Twente coördinatoren", forum=True, admins=[coordinator])
        if linked
        else None
    )
    async with app.session_factory() as session:
        twente = await session.scalar(select(Region).where(Region.code == "twente"))
        zwolle = await session.scalar(select(Region).where(Region.code == "zwolle"))
        assert twente is not None and zwolle is not None
        session.add(Member(telegram_id=member.id, language=language, status="active", region_id=twente.id,
                           display_name=name, consent_version=NOTICE_VERSION, joined_at=utcnow()))  # fmt: skip
        session.add(
            RoleGrant(
                telegram_id=coordinator.id,
                role="coordinator",
                region_id=twente.id,
                granted_by=0,
                granted_at=utcnow(),
            )
        )
        session.add(
            RoleGrant(
                telegram_id=other.id,
                role="coordinator",
                region_id=zwolle.id,
                granted_by=0,
                granted_at=utcnow(),
            )
        )
        await session.commit()
    if group is not None:
        await coordinator.send_text("/region_link twente", chat=group)
        linked_reply = await group.wait_for_message()
        assert "Twente" in (linked_reply.text or ""), linked_reply.text
    return Pool(member, coordinator, other, group)


async def ask(
    app: RunningBot, user: SimUser, language: str, topic_msgid: str, *contents: str
) -> None:
    await user.send_text("/ask")
    await user.wait_for_message(lambda m: t(app, topic_msgid, language) in m.button_texts)
    await user.press(t(app, topic_msgid, language))
    await user.wait_for_edit()
    for text in contents:
        await user.send_text(text)
        await user.wait_for_message(lambda m: "📨" in " ".join(m.button_texts))
    await user.press(lambda b: b["text"].startswith("📨"))


async def test_question_round_trip_in_a_forum_topic(emulator: Emulator, app: RunningBot) -> None:
    pool = await make_pool(emulator, app, "ti")
    assert pool.group is not None
    yonas, coordinator, group = pool.member, pool.coordinator, pool.group
    await yonas.send_text("/ask")
    await yonas.wait_for_message(lambda m: bool(m.button_texts))
    await yonas.press(t(app, "Housing", "ti"))
    await yonas.wait_for_edit()
    await yonas.send_voice(duration=4)
    await yonas.wait_for_message()
    await yonas.send_text("ገዛ <b>&</b> ክረክብ ደልየ")
    await yonas.wait_for_message()
    await yonas.press(lambda b: b["text"].startswith("📨"))
    confirmation = await wait_text(yonas, "Twente")
    assert "#" in (confirmation.text or "")

    topic = await group.wait_for_topic(lambda tp: tp.name.startswith("#"))
    assert " · ti · Yonas" in topic.name and "Wonen" in topic.name
    card = await group.wait_for_message(
        lambda m: "Yonas" in (m.text or ""), thread_id=topic.message_thread_id
    )
    assert "Twente" in (card.text or "")
    number = int(topic.name[1:].split()[0])
    assert card.callback_data == [
        *(
            QuestionActionCallback(question_id=number, action=a).pack()
            for a in ("assign", "close", "urgent", "volunteer")
        ),
        TemplateCallback(action=TemplateAction.LIST, q=number).pack(),
    ]
    voice = await group.wait_for_message(
        lambda m: m.media_kind == "voice", thread_id=topic.message_thread_id
    )
    copied = await group.wait_for_message(
        lambda m: "ክረክብ" in (m.text or ""), thread_id=topic.message_thread_id
    )
    assert copied.text == "ገዛ <b>&</b> ክረክብ ደልየ"  # literal, not parsed as HTML
    assert voice

    # Coordinator answers with text and a photo; an internal note stays internal.
    answer = await coordinator.send_text(
        "Je kunt bij de gemeente <b> een urgentie aanvragen & wachten.",
        chat=group,
        thread_id=topic.message_thread_id,
    )
    header = await yonas.wait_for_message(lambda m: m.text is not None and m.text.startswith("💬"))
    # The answer is in Dutch, not in the member's Tigrinya: the header says so.
    assert header.text == "💬 " + t(app, "Answer to your question #{number}", "ti").format(
        number=(confirmation.text or "").split("#")[1].split()[0]
    ) + " " + t(app, "(in {language})", "ti").format(language=language_name_in("nl", "ti"))
    relayed = await yonas.wait_for_message()
    assert relayed.text == "Je kunt bij de gemeente <b> een urgentie aanvragen & wachten."
    await app.settled()
    assert [r["emoji"] for r in answer.reactions] == ["👌"]
    await coordinator.send_text(
        "!intern: eerst checken bij Vluchtelingenwerk",
        chat=group,
        thread_id=topic.message_thread_id,
    )
    await coordinator.send_photo(
        caption="Dit formulier", chat=group, thread_id=topic.message_thread_id
    )
    await yonas.wait_for_message(lambda m: m.text is not None and m.text.startswith("💬"))
    photo = await yonas.wait_for_message()
    assert photo.media_kind == "photo" and photo.caption == "Dit formulier"
    await app.settled()
    assert not any("intern" in (m.text or "") for m in yonas.bot_messages())

    # Follow-up by replying: lands in the same topic.
    await yonas.reply(relayed, "ኣመስግነኩም! ክንደይ ግዜ ይወስድ?")
    await wait_text(yonas, "#")
    follow = await group.wait_for_message(
        lambda m: "ክንደይ" in (m.text or ""), thread_id=topic.message_thread_id
    )
    assert follow.thread_id == topic.message_thread_id

    # Close → satisfaction asked in Tigrinya and stored.
    await coordinator.press(lambda b: b["callback_data"].endswith(":close"), card)
    ask_rating = await yonas.wait_for_message(lambda m: "👍" in m.button_texts)
    await yonas.press("👍", ask_rating)
    await app.settled()
    async with app.session_factory() as session:
        question = await session.scalar(select(Question))
        assert question is not None
        assert (question.status, question.satisfaction, question.topic) == (
            "closed",
            "up",
            "housing",
        )
        notes = await session.scalar(
            select(func.count())
            .select_from(QuestionMessage)
            .where(QuestionMessage.direction == "note")
        )
        assert notes == 1
    assert group.topics[topic.message_thread_id].closed


async def test_fallback_without_group_and_reply_command(
    emulator: Emulator, app: RunningBot
) -> None:
    pool = await make_pool(emulator, app, "ar", linked=False, name="Amina")
    await ask(app, pool.member, "ar", "Money and benefits", "هل أحصل على بدل الإيجار؟")
    await wait_text(pool.member, "Twente")
    card = await pool.coordinator.wait_for_message(lambda m: "Amina" in (m.text or ""))
    copy = await pool.coordinator.wait_for_message(lambda m: "بدل الإيجار" in (m.text or ""))
    number = int((card.text or "").split("#")[1].split("<")[0].split()[0])
    # Reply to the copy …
    await pool.coordinator.reply(copy, "Ja, via de Belastingdienst.")
    await pool.member.wait_for_message(lambda m: (m.text or "").startswith("💬"))
    assert (await pool.member.wait_for_message()).text == "Ja, via de Belastingdienst."
    # … or /reply with the number.
    await pool.coordinator.send_text(f"/reply {number} Kijk ook op toeslagen.nl")
    await pool.member.wait_for_message(lambda m: (m.text or "").startswith("💬"))
    assert (await pool.member.wait_for_message()).text == "Kijk ook op toeslagen.nl"
    # The other region's coordinator cannot answer, close or read it.
    await pool.other_coordinator.send_text(f"/reply {number} hacked")
    refused = await pool.other_coordinator.wait_for_message()
    assert "hacked" not in (refused.text or "") and "Amina" not in (refused.text or "")
    await pool.other_coordinator.send_text("/questions")
    listing = await pool.other_coordinator.wait_for_message()
    assert f"#{number}" not in (listing.text or "")
    host = await pool.other_coordinator.send_text("/help")
    await pool.other_coordinator.wait_for_message()
    for action in ("close", "assign", "urgent"):
        forged = await pool.other_coordinator.press_callback_data(
            QuestionActionCallback(question_id=number, action=action).pack(),
            pool.other_coordinator.last_bot_message() or host,
        )
        assert forged.text == t(app, "This button no longer works. Send /start to continue.", "nl")
    await app.settled()
    async with app.session_factory() as session:
        question = await session.get(Question, number)
        assert (
            question is not None and question.status == "answered" and question.assignee_id is None
        )
    assert not any("hacked" in (m.text or "") for m in pool.member.bot_messages())


async def test_concurrent_messages_make_one_question_and_one_topic(
    emulator: Emulator, app: RunningBot
) -> None:
    pool = await make_pool(emulator, app, "uk", name="Olena")
    assert pool.group is not None
    await pool.member.send_text("/ask")
    await pool.member.wait_for_message()
    await pool.member.press(t(app, "Work", "uk"))
    await pool.member.wait_for_edit()
    await asyncio.gather(*(pool.member.send_text(f"частина {i}") for i in range(5)))
    controls = await pool.member.wait_for_message(lambda m: "(5)" in (m.text or ""))
    send = next(d for d in controls.callback_data if d.endswith("send"))
    await asyncio.gather(*(pool.member.press_callback_data(send, controls) for _ in range(3)))
    await wait_text(pool.member, "Twente")
    await app.settled()
    assert len([tp for tp in pool.group.topics.values() if tp.name.startswith("#")]) == 1
    async with app.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(Question)) == 1
        assert (
            await session.scalar(
                select(func.count())
                .select_from(QuestionMessage)
                .where(QuestionMessage.direction == "copy")
            )
            == 5
        )


async def test_blocked_member_is_reported_to_the_coordinator(
    emulator: Emulator, app: RunningBot
) -> None:
    pool = await make_pool(emulator, app, "so", name="Hodan")
    assert pool.group is not None
    await ask(app, pool.member, "so", "Health", "Dhakhtar ma heli karaa?")
    topic = await pool.group.wait_for_topic(lambda tp: tp.name.startswith("#"))
    await pool.group.wait_for_message(
        lambda m: "Dhakhtar" in (m.text or ""), thread_id=topic.message_thread_id
    )
    pool.member.block_bot()
    await pool.coordinator.send_text(
        "Bel de huisarts.", chat=pool.group, thread_id=topic.message_thread_id
    )
    said = await pool.group.wait_for_message(
        lambda m: "blocked" in (m.text or "") or "geblokkeerd" in (m.text or ""),
        thread_id=topic.message_thread_id,
    )
    assert said.text
    await app.settled()
    async with app.session_factory() as session:
        member = await session.scalar(select(Member).where(Member.telegram_id == pool.member.id))
        assert member is not None and member.status == "unreachable"


async def test_free_text_is_offered_as_a_question(emulator: Emulator, app: RunningBot) -> None:
    pool = await make_pool(emulator, app, "tr", name="Ali")
    await pool.member.send_text("Çocuğum için okul nasıl bulurum?")
    offer = await pool.member.wait_for_message(lambda m: len(m.button_texts) > 3)
    await pool.member.press(t(app, "Education", "tr"), offer)
    await wait_text(pool.member, "Twente")
    topic = (
        await pool.group.wait_for_topic(lambda tp: tp.name.startswith("#")) if pool.group else None
    )
    assert topic is not None and "Onderwijs" in topic.name or topic is not None
    # "No, thanks" sends nothing.
    await pool.member.send_text("Gerek yok")
    second = await pool.member.wait_for_message(
        lambda m: t(app, "No, thanks", "tr") in m.button_texts
    )
    await pool.member.press(t(app, "No, thanks", "tr"), second)
    await pool.member.wait_for_message()
    await app.settled()
    async with app.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(Question)) == 1


async def test_member_questions_and_limits(emulator: Emulator, app: RunningBot) -> None:
    pool = await make_pool(emulator, app, "en", linked=False, name="Lina")
    for i in range(5):
        await ask(app, pool.member, "en", "Other", f"question {i} <i>&</i>")
        await wait_text(pool.member, "was sent")
    await pool.member.send_text("/ask")
    refused = await pool.member.wait_for_message()
    await pool.member.press("Work", refused)
    alert = pool.member.callback_answers[-1]
    assert "5 open questions" in alert.get("text", "")
    await pool.member.send_text("/myquestions")
    mine = await pool.member.wait_for_message(lambda m: "#" in (m.text or ""))
    assert "question 4 <i>&</i>" in (mine.text or "")  # shown literally


async def test_overdue_questions_are_announced_again(emulator: Emulator, app: RunningBot) -> None:
    pool = await make_pool(emulator, app, "fa", name="Sara")
    assert pool.group is not None
    await ask(app, pool.member, "fa", "Family", "سوال")
    topic = await pool.group.wait_for_topic(lambda tp: tp.name.startswith("#"))
    await app.settled()
    async with app.session_factory() as session:
        await session.execute(update(Question).values(sent_at=utcnow().replace(year=2020)))
        await session.commit()
    ctx = JobContext(app.bot, app.session_factory, app.settings, app.i18n)
    assert await jobs.remind_overdue(ctx) == 1
    reminder = await pool.group.wait_for_message(
        lambda m: "⏰" in (m.text or ""), thread_id=topic.message_thread_id
    )
    assert reminder.text
    assert await jobs.remind_overdue(ctx) == 0  # once per period, not every run


async def test_region_link_explains_missing_rights(emulator: Emulator, app: RunningBot) -> None:
    admin = emulator.create_user("Admin", language_code="en", user_id=ADMIN_ID)
    group = emulator.create_group("No rights", forum=False, admins=[admin], bot_is_admin=False)
    await admin.send_text("/region_link twente", chat=group)
    reply = (await group.wait_for_message()).text or ""
    assert "Topics" in reply and "admin" in reply


async def test_stats_count_questions_and_satisfaction(emulator: Emulator, app: RunningBot) -> None:
    pool = await make_pool(emulator, app, "en", linked=False, name="Lina")
    await ask(app, pool.member, "en", "Work", "Where do I find work?")
    copy = await pool.coordinator.wait_for_message(lambda m: "find work" in (m.text or ""))
    await pool.coordinator.reply(copy, "At the UWV.")
    await pool.member.wait_for_message(lambda m: (m.text or "") == "At the UWV.")
    await pool.coordinator.send_text("/close 1")
    rating = await pool.member.wait_for_message(lambda m: "👍" in m.button_texts)
    answer = await pool.member.press("👎", rating)
    assert answer.text == t(app, "Thank you for your feedback!", "en")
    await ask(app, pool.member, "en", "Health", "And a doctor?")
    await wait_text(pool.member, "was sent")
    await app.settled()
    await pool.coordinator.send_text("/stats twente")
    stats = await pool.coordinator.wait_for_message(lambda m: (m.text or "").startswith("Twente ·"))
    expected = t(
        app,
        "Questions: {asked} · new: {new} · answered, waiting for the member: {answered} · "
        "closed: {closed}",
        "nl",
    )
    assert expected.format(asked=2, new=1, answered=0, closed=1) in (stats.text or "")
    assert t(app, "Helpful answers: {share}", "nl").format(share="0%") in (stats.text or "")


async def test_commands_are_never_question_content(emulator: Emulator, app: RunningBot) -> None:
    """Issue 21: with a draft open (a photo offered as a question), `/foo` got "Added (2)" and
    was posted into the topic after Send."""
    pool = await make_pool(emulator, app, "ti", name="Sanne")
    assert pool.group is not None
    sanne = pool.member
    unknown = t(app, "Sorry, I don't know that command.", "ti")
    await sanne.send_photo(caption="Deze brief")
    offer = await sanne.wait_for_message(lambda m: t(app, "Housing", "ti") in m.button_texts)
    for command in ("/foo", "/foo bar", "/approve 1", "/reply 1 hoi"):
        await sanne.send_text(command)
        said = await sanne.wait_for_message()
        assert (said.text or "").startswith(unknown), (command, said.text)
    await sanne.press(t(app, "Housing", "ti"), offer)
    await wait_text(sanne, "Twente")
    topic = await pool.group.wait_for_topic(lambda tp: tp.name.startswith("#"))
    await pool.group.wait_for_message(
        lambda m: m.media_kind == "photo", thread_id=topic.message_thread_id
    )
    await app.settled()
    assert not any("/foo" in (m.text or "") for m in pool.group.messages())
    async with app.session_factory() as session:
        rows = list(await session.scalars(select(QuestionMessage.kind).where(
            QuestionMessage.direction == "in")))  # fmt: skip
    assert rows == ["photo"]

    # A reply to the question's confirmation or to a translation request: still a command.
    from tests.e2e.test_volunteers import add_volunteer, press_ask, request_of

    selam = await add_volunteer(emulator, app, "Selam", [("ti", "nl"), ("nl", "ti")])
    card = await pool.group.wait_for_message(
        lambda m: bool(m.inline_keyboard), thread_id=topic.message_thread_id
    )
    await pool.coordinator.send_text("Kijk op de site.", chat=pool.group,
                                      thread_id=topic.message_thread_id)  # fmt: skip
    answer = await sanne.wait_for_message(lambda m: "Kijk op de site." in (m.text or ""))
    sanne.skip_pending()
    await sanne.reply(answer, "/foo")
    said = await sanne.wait_for_message()
    assert (said.text or "").startswith(unknown)
    await press_ask(pool.coordinator, card)
    await selam.wait_for_message(lambda m: any(d.startswith("vreq:") for d in m.callback_data))
    request = request_of(selam)
    assert request is not None
    selam.skip_pending()
    await selam.reply(request, "/foo")
    said = await selam.wait_for_message()
    assert (said.text or "").startswith(unknown)
    await app.settled()
    async with app.session_factory() as session:
        texts = list(await session.scalars(select(QuestionMessage.text)))
    assert "/foo" not in texts


async def test_an_afterthought_joins_the_open_question(emulator: Emulator, app: RunningBot) -> None:
    """Issue 21: after "Your question #1 was sent", the next message could only become a new
    question or be dropped. Now "Add to question #N" comes first, newest first."""
    pool = await make_pool(emulator, app, "so", name="Hodan")
    assert pool.group is not None
    hodan, group = pool.member, pool.group
    await ask(app, hodan, "so", "Housing", "Guri ma heli karaa?")
    await wait_text(hodan, "Twente")
    first = await group.wait_for_topic(lambda tp: tp.name.startswith("#1 "))
    await ask(app, hodan, "so", "Work", "Shaqo ma jirtaa?")
    await wait_text(hodan, "Twente")
    await group.wait_for_topic(lambda tp: tp.name.startswith("#2 "))

    await hodan.send_text("Waxaan leeyahay laba carruur ah")
    offer = await hodan.wait_for_message(lambda m: bool(m.inline_keyboard))
    add = t(app, "Add to question #{number}", "so")
    assert offer.button_texts == [
        add.format(number=2), add.format(number=1),
        t(app, "New question", "so"), t(app, "No, thanks", "so"),
    ]  # fmt: skip
    await hodan.press(add.format(number=1), offer)
    joined = await hodan.wait_for_edit(offer)
    assert joined.text == t(app, "Added to your question #{number}.", "so").format(number=1)
    await group.wait_for_message(
        lambda m: "laba carruur" in (m.text or ""), thread_id=first.message_thread_id
    )
    # "New question" still works: the topic picker, then it is sent as a third question.
    await hodan.send_text("Iskuul ma jiraa?")
    offer = await hodan.wait_for_message(lambda m: bool(m.inline_keyboard))
    await hodan.press(t(app, "New question", "so"), offer)
    await hodan.wait_for_edit(offer, lambda m: t(app, "Education", "so") in m.button_texts)
    await hodan.press(t(app, "Education", "so"), offer)
    await wait_text(hodan, "Twente")
    await app.settled()
    async with app.session_factory() as session:
        rows = [
            (q, text)
            for q, text in await session.execute(
                select(QuestionMessage.question_id, QuestionMessage.text)
                .where(QuestionMessage.direction == "in")
                .order_by(QuestionMessage.id)
            )
        ]
        third = rows[-1][0]
        assert third not in (1, 2) and rows == [
            (1, "Guri ma heli karaa?"), (2, "Shaqo ma jirtaa?"),
            (1, "Waxaan leeyahay laba carruur ah"), (third, "Iskuul ma jiraa?"),
        ]  # fmt: skip
        assert await session.scalar(select(func.count()).where(Question.status == "draft")) == 0

        # At the limit of open questions: no new question, but it may still join one.
        member = await session.scalar(select(Member).where(Member.telegram_id == hodan.id))
        assert member is not None
        for _ in range(2):
            session.add(Question(member_id=member.id, region_id=member.region_id, topic="other",
                                 language="so", status="open", sent_at=utcnow()))  # fmt: skip
        await session.commit()
        numbers = sorted(await session.scalars(select(Question.id)), reverse=True)
    await hodan.send_text("Mid kale")
    offer = await hodan.wait_for_message(lambda m: bool(m.inline_keyboard))
    limit = app.i18n.gettext(
        "You have {count} open question. Please wait for the answer first.",
        "You have {count} open questions. Please wait for the answers first.",
        5,
        locale="so",
    ).format(count=5)
    assert (offer.text or "").startswith(limit + "\n\n")
    assert offer.button_texts == [
        *(add.format(number=n) for n in numbers),
        t(app, "No, thanks", "so"),
    ]
    await hodan.press(add.format(number=2), offer)
    await hodan.wait_for_edit(offer)
    await app.settled()
    async with app.session_factory() as session:
        texts = list(await session.scalars(
            select(QuestionMessage.text).where(QuestionMessage.question_id == 2,
                                               QuestionMessage.direction == "in").order_by(QuestionMessage.id)))  # fmt: skip
    assert texts[-1] == "Mid kale"

    # Question #1 closed while its button was on screen: the message stays held, and the
    # choices are shown again without it.
    await hodan.send_text("Hal kale")
    offer = await hodan.wait_for_message(lambda m: bool(m.inline_keyboard))
    async with app.session_factory() as session:
        await session.execute(
            update(Question).where(Question.id == 1).values(status="closed", closed_at=utcnow())
        )
        await session.commit()
    pressed = await hodan.press(add.format(number=1), offer)
    assert pressed.text == t(app, "This button is from an earlier step.", "so")
    fresh = await hodan.wait_for_edit(offer)
    assert add.format(number=1) not in fresh.button_texts
    assert add.format(number=2) in fresh.button_texts
    assert t(app, "New question", "so") in fresh.button_texts  # four open now: one more allowed


async def test_commands_in_a_topic_are_never_relayed(emulator: Emulator, app: RunningBot) -> None:
    """A command typed in a question's topic went to the member as an answer. Now /close and
    /reopen act on the topic's question and other commands are explained, never relayed."""
    pool = await make_pool(emulator, app, "ti", name="Amanuel")
    assert pool.group is not None
    member, coordinator, group = pool.member, pool.coordinator, pool.group
    await ask(app, member, "ti", "Work", "ስራሕ ክረክብ ደልየ")
    await wait_text(member, "Twente")
    topic = await group.wait_for_topic(lambda tp: tp.name.startswith("#"))
    thread = topic.message_thread_id
    await app.settled()
    member.skip_pending()

    for command in ("/foo", "/close 3", "/help"):
        sent = await coordinator.send_text(command, chat=group, thread_id=thread)
        said = await group.wait_for_message(
            lambda m, sent=sent: m.reply_to_message_id == sent.message_id, thread_id=thread
        )
        assert (said.text or "").startswith("Commando's worden niet naar het lid gestuurd")
    await coordinator.send_text("/close", chat=group, thread_id=thread)
    await group.wait_for_message(lambda m: m.text == "Gesloten.", thread_id=thread)
    await member.wait_for_message(lambda m: "👍" in m.button_texts)
    await app.settled()
    assert group.topics[thread].closed
    await coordinator.send_text("/reopen", chat=group, thread_id=thread)
    await group.wait_for_message(lambda m: m.text == "Weer geopend.", thread_id=thread)
    await app.settled()
    assert not group.topics[thread].closed
    assert not any((m.text or "").startswith("/") for m in member.bot_messages())
    async with app.session_factory() as session:
        question = await session.scalar(select(Question))
        assert question is not None and question.status != "closed"
        texts = list(await session.scalars(select(QuestionMessage.text)))
    assert not any((text or "").startswith("/") for text in texts)
