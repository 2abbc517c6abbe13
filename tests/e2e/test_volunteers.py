"""Volunteer translators from the pools, over the emulator: members volunteer, coordinators ask,
volunteers translate or decline, the text (and only the text) travels."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from bot.callbacks import QuestionActionCallback
from bot.members.consent import NOTICE_VERSION
from bot.scheduler import JobContext
from bot.volunteers import jobs
from bot.volunteers.views import (
    RequestAction,
    VolunteerAction,
    VolunteerCallback,
    VolunteerRequestCallback,
)
from botapi_emulator import Emulator, SimGroup, SimUser
from botapi_emulator.view import SimMessage
from db.base import utcnow
from db.models import Member, Region, Volunteer, VolunteerPair, VolunteerRequest
from expertpool_sandbox.harness import RunningBot
from tests.e2e.people import document_json, start_and_consent, t, wait_text
from tests.e2e.test_questions import ask, make_pool

ASK_BUTTON = "volunteer"


async def add_volunteer(
    emulator: Emulator,
    app: RunningBot,
    name: str,
    pairs: list[tuple[str, str]],
    *,
    language: str = "ti",
    user: SimUser | None = None,
) -> SimUser:
    """A member of Twente who volunteers for `pairs` (or makes `user`, already a member, one)."""
    async with app.session_factory() as session:
        if user is None:
            user = emulator.create_user(name, language_code=language)
            twente = await session.scalar(select(Region).where(Region.code == "twente"))
            assert twente is not None
            member = Member(
                telegram_id=user.id, language=language, status="active", region_id=twente.id,
                display_name=name, consent_version=NOTICE_VERSION, joined_at=utcnow(),
            )  # fmt: skip
            session.add(member)
            await session.flush()
        else:
            member = await session.scalar(select(Member).where(Member.telegram_id == user.id))
            assert member is not None
        volunteer = Volunteer(member_id=member.id, created_at=utcnow())
        session.add(volunteer)
        await session.flush()
        for source, target in pairs:
            session.add(VolunteerPair(volunteer_id=volunteer.id, source=source, target=target))
        await session.commit()
    return user


async def question_in_topic(
    app: RunningBot, asker: SimUser, group: SimGroup, text: str
) -> tuple[SimMessage, SimMessage]:
    """Ask a Tigrinya question; returns its card and its copy in the new topic."""
    await ask(app, asker, "ti", "Housing", text)
    topic = await group.wait_for_topic(
        lambda tp: tp.name.startswith("#") and tp.message_thread_id not in seen(group)
    )
    card = await group.wait_for_message(
        lambda m: bool(m.inline_keyboard), thread_id=topic.message_thread_id
    )
    copy = await group.wait_for_message(
        lambda m: text in (m.text or ""), thread_id=topic.message_thread_id
    )
    return card, copy


def seen(group: SimGroup) -> set[int]:
    """Topics whose card a test already took (so the next question finds its own topic)."""
    return getattr(group, "_taken_topics", set())


def take(group: SimGroup, card: SimMessage) -> None:
    taken = seen(group)
    assert card.thread_id is not None
    taken.add(card.thread_id)
    group._taken_topics = taken  # type: ignore[attr-defined]


async def press_ask(coordinator: SimUser, card: SimMessage) -> str | None:
    result = await coordinator.press(lambda b: b["callback_data"].endswith(":" + ASK_BUTTON), card)
    return result.text


def request_of(user: SimUser) -> SimMessage | None:
    """The newest translation request in the volunteer's chat (it has a Decline button)."""
    return next(
        (
            m
            for m in reversed(user.bot_messages())
            if any(d.startswith("vreq:") for d in m.callback_data)
        ),
        None,
    )


def everything_said_to(user: SimUser) -> str:
    """Every text the bot ever showed the user, with every earlier version of edited ones."""
    texts = []
    for message in user.bot_messages():
        texts.append(message.text or message.caption or "")
        texts += [str(old) for old in message.edit_history]
        texts += message.button_texts
    return "\n".join(texts)


def assert_nothing_about(volunteer: SimUser, asker: SimUser, name: str) -> None:
    said = everything_said_to(volunteer)
    assert said, "the volunteer got nothing at all"
    for secret in (name, str(asker.id), "Twente", asker.first_name):
        assert secret not in said, f"{secret!r} reached the volunteer"


async def card_shows(group: SimGroup, card: SimMessage, fragment: str) -> None:
    if fragment in (card.text or ""):
        return
    await group.wait_for_edit(card, lambda m: fragment in (m.text or ""))


async def test_volunteering_with_the_command(emulator: Emulator, app: RunningBot) -> None:
    pool = await make_pool(emulator, app, "ti", name="Selam", linked=False)
    selam = pool.member
    await selam.send_text("/volunteer")
    choice = await selam.wait_for_message(lambda m: "ትግርኛ → Nederlands" in m.button_texts)
    assert (choice.text or "").startswith(
        "🤝 " + t(app, "Thank you for helping other members!", "ti")
    )
    await selam.press("ትግርኛ → Nederlands", choice)
    await selam.wait_for_edit(choice, lambda m: "✅ ትግርኛ → Nederlands" in m.button_texts)
    await selam.press("Nederlands → ትግርኛ", choice)
    await selam.wait_for_edit(choice, lambda m: "✅ Nederlands → ትግርኛ" in m.button_texts)
    # Another language: Arabic, one direction.
    await selam.press("🌐 " + t(app, "Another language", "ti"), choice)
    await selam.wait_for_edit(choice, lambda m: "العربية" in m.button_texts)
    assert "Nederlands" not in choice.button_texts  # the staff language is not offered
    await selam.press("العربية", choice)
    await selam.wait_for_edit(choice, lambda m: "العربية → Nederlands" in m.button_texts)
    await selam.press("العربية → Nederlands", choice)
    await selam.wait_for_edit(choice, lambda m: "✅ العربية → Nederlands" in m.button_texts)
    await selam.press(t(app, "Done", "ti"), choice)
    await selam.wait_for_edit(choice, lambda m: not m.inline_keyboard)
    assert choice.text == t(
        app, "Saved. Thank you! You get a message here when someone needs a translation.", "ti"
    )
    await app.settled()
    async with app.session_factory() as session:
        pairs = {(p.source, p.target) for p in await session.scalars(select(VolunteerPair))}
    assert pairs == {("ti", "nl"), ("nl", "ti"), ("ar", "nl")}

    # The current pairs are shown again; stopping removes them.
    await selam.send_text("/volunteer")
    again = await selam.wait_for_message(lambda m: "✅ ትግርኛ → Nederlands" in m.button_texts)
    assert "العربية → Nederlands" in (again.text or "")
    # Forged and old buttons get a polite answer.
    for forged in (
        VolunteerCallback(action=VolunteerAction.TOGGLE, lang="nl", to_staff=True).pack(),
        VolunteerCallback(action=VolunteerAction.LANGUAGE, lang="xx").pack(),
        "vol:nonsense",
    ):
        answer = await selam.press_callback_data(forged, again)
        assert answer.text, forged
    await selam.press(t(app, "Stop volunteering", "ti"), again)
    await selam.wait_for_edit(again, lambda m: "/volunteer" in (m.text or ""))
    await app.settled()
    async with app.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(VolunteerPair)) == 0

    # Without a forum topic (cards in the coordinator's private chat) and nobody for the pair
    # (Selam stopped, and is the asker anyway): the coordinator is told at once.
    await ask(app, selam, "ti", "Housing", "ገዛ")
    card = await pool.coordinator.wait_for_message(lambda m: "Selam" in (m.text or ""))
    told = await press_ask(pool.coordinator, card)
    assert told == t(app, "No volunteer is available for this language.", "nl")
    nobody = await pool.coordinator.wait_for_message(lambda m: (m.text or "").startswith("🤝"))
    assert "#" in (nobody.text or "")
    await pool.coordinator.wait_for_edit(
        card, lambda m: t(app, "no volunteer available", "nl") in (m.text or "")
    )

    # Not a member: told how to join.
    stranger = emulator.create_user("Stranger", language_code="en")
    await stranger.send_text("/volunteer")
    refused = await stranger.wait_for_message()
    assert refused.text == t(
        app, "Only members of a pool can help as volunteer translators. Send /start to join.", "en"
    )


async def test_volunteering_from_the_intake(emulator: Emulator, app: RunningBot) -> None:
    hagos = emulator.create_user("Hagos", language_code="ti")
    await start_and_consent(app, hagos, "ti", "ትግርኛ")
    await hagos.press("Twente")
    for _ in range(4):
        await hagos.wait_for_message(lambda m: t(app, "Skip", "ti") in m.button_texts)
        await hagos.press(t(app, "Skip", "ti"))
    await hagos.wait_for_message(lambda m: "ስም" in (m.text or ""))
    await hagos.send_text("Hagos")
    offer = await hagos.wait_for_message(lambda m: "ተርጓሚ" in (m.text or ""))
    await hagos.press("እወ፣ ክሕግዝ እደሊ", offer)
    await wait_text(hagos, "Twente")  # the welcome first, then the choice
    choice = await hagos.wait_for_message(lambda m: "ትግርኛ → Nederlands" in m.button_texts)
    await hagos.press("ትግርኛ → Nederlands", choice)
    await hagos.wait_for_edit(choice, lambda m: "✅ ትግርኛ → Nederlands" in m.button_texts)
    await app.settled()
    async with app.session_factory() as session:
        pairs = [(p.source, p.target) for p in await session.scalars(select(VolunteerPair))]
    assert pairs == [("ti", "nl")]


async def test_question_translated_by_a_volunteer_appears_in_the_topic(
    emulator: Emulator, app: RunningBot
) -> None:
    pool = await make_pool(emulator, app, "ti", name="Yonas")
    assert pool.group is not None
    yonas, coordinator, group = pool.member, pool.coordinator, pool.group
    selam = await add_volunteer(emulator, app, "Selam", [("ti", "nl"), ("nl", "ti")])
    card, copy = await question_in_topic(app, yonas, group, "ገዛ ክረክብ ደልየ")
    assert "/translate" in (card.text or "")
    told = await press_ask(coordinator, card)
    assert told == t(app, "A volunteer was asked to translate.", "nl")
    request = await selam.wait_for_message(lambda m: "ገዛ ክረክብ ደልየ" in (m.text or ""))
    assert t(app, "Decline", "ti") in request.button_texts
    await card_shows(group, card, t(app, "with a volunteer", "nl"))

    await selam.reply(request, "Ik wil een huis vinden")
    thanks = await selam.wait_for_message(lambda m: m.reply_to_message_id is not None)
    assert thanks.text == t(app, "Thank you! Your translation was sent.", "ti")
    posted = await group.wait_for_message(
        lambda m: "Ik wil een huis vinden" in (m.text or ""), thread_id=card.thread_id
    )
    label = t(app, "Volunteer translation ({source} → {target}) for question #{number}:", "nl")
    number = int((card.text or "").split("#")[1].split("<")[0].split()[0])
    assert posted.text == "🤝 " + label.format(source="ti", target="nl", number=number) + (
        "\nIk wil een huis vinden"
    )
    assert posted.reply_to_message_id == copy.message_id
    await card_shows(group, card, t(app, "translated", "nl"))
    assert_nothing_about(selam, yonas, "Yonas")

    # A late second reply to the same request: closed, kindly.
    await selam.reply(request, "Nog een keer")
    late = await selam.wait_for_message(lambda m: m.reply_to_message_id is not None)
    assert late.text == t(
        app, "This translation request is closed already. Thank you anyway!", "ti"
    )

    # /stats counts the volunteer per language; /mydata tells both sides.
    await coordinator.send_text("/stats twente")
    stats = await coordinator.wait_for_message(lambda m: (m.text or "").startswith("Twente ·"))
    assert "ትግርኛ: 1 vrijwilliger · 1 vertaling klaar · mediane tijd" in (stats.text or "")
    await yonas.send_text("/mydata")
    summary = await wait_text(yonas, t(app, "This is everything we store about you:", "ti"))
    assert t(app, "Your texts sent to a volunteer translator: {count}", "ti").format(count=1) in (
        summary.text or ""
    )
    document = await yonas.wait_for_message(lambda m: m.media_kind == "document")
    sent = document_json(emulator, document)["texts_sent_to_a_volunteer_translator"]
    assert [(s["from"], s["to"], s["status"]) for s in sent] == [("ti", "nl", "done")]
    assert "Selam" not in str(sent) and str(selam.id) not in str(sent)
    await selam.send_text("/mydata")
    mine = await wait_text(selam, t(app, "This is everything we store about you:", "ti"))
    assert "ti→nl, nl→ti" in (mine.text or "")
    helper = await selam.wait_for_message(lambda m: m.media_kind == "document")
    translated = document_json(emulator, helper)["you_as_volunteer_translator"]["translated"]
    assert [r["translation"] for r in translated] == ["Ik wil een huis vinden"]


async def test_answer_translated_by_a_volunteer_reaches_the_member(
    emulator: Emulator, app: RunningBot
) -> None:
    pool = await make_pool(emulator, app, "ti", name="Yonas")
    assert pool.group is not None
    yonas, coordinator, group = pool.member, pool.coordinator, pool.group
    selam = await add_volunteer(emulator, app, "Selam", [("nl", "ti")])
    card, _copy = await question_in_topic(app, yonas, group, "ሓኪም ከመይ ይረክብ?")
    answer = await coordinator.send_text(
        "Bel de huisarts <b>&</b> maak een afspraak.", chat=group, thread_id=card.thread_id
    )
    relayed = await yonas.wait_for_message(lambda m: "huisarts" in (m.text or ""))
    # /translate not in reply to an answer: explained.
    await coordinator.send_text("/translate", chat=group, thread_id=card.thread_id)
    explained = await group.wait_for_message(
        lambda m: "/translate" in (m.text or "") and m.reply_to_message_id is not None,
        thread_id=card.thread_id,
    )
    assert explained.text == t(
        app,
        "Reply /translate to an answer you sent to the member, to have it translated by a volunteer.",
        "nl",
    )
    await coordinator.reply(answer, "/translate")
    await group.wait_for_message(
        lambda m: m.text == t(app, "A volunteer was asked to translate.", "nl"),
        thread_id=card.thread_id,
    )
    request = await selam.wait_for_message(lambda m: "huisarts" in (m.text or ""))
    assert "<b>&amp;</b>" not in (request.text or "")  # the text is shown literally
    assert "Bel de huisarts <b>&</b> maak een afspraak." in (request.text or "")
    await card_shows(group, card, t(app, "Volunteer translation of an answer: {status}", "nl")[:20])
    await selam.reply(request, "ናብ ሓኪም ስድራ ደውሉ <i>&</i>")
    translated = await yonas.wait_for_message(lambda m: "ናብ ሓኪም" in (m.text or ""))
    head = t(app, "Volunteer translation of the answer to your question #{number}:", "ti")
    number = int((card.text or "").split("#")[1].split("<")[0].split()[0])
    assert translated.text == "🤝 " + head.format(number=number) + "\n\nናብ ሓኪም ስድራ ደውሉ <i>&</i>"
    assert translated.reply_to_message_id == relayed.message_id
    posted = await group.wait_for_message(
        lambda m: "ናብ ሓኪም" in (m.text or ""), thread_id=card.thread_id
    )
    assert posted.reply_to_message_id == answer.message_id
    assert_nothing_about(selam, yonas, "Yonas")
    # The member may reply to the translation: it joins the question.
    await yonas.reply(translated, "የቐንየለይ")
    await group.wait_for_message(lambda m: "የቐንየለይ" in (m.text or ""), thread_id=card.thread_id)

    # /myquestions shows the answer in the volunteer's translation, labelled, original kept.
    await yonas.send_text("/myquestions")
    listed = await yonas.wait_for_message(lambda m: (m.text or "").startswith("#"))
    lines = (listed.text or "").split("\n")
    at = lines.index("🤝 " + t(app, "Volunteer translation. The original text:", "ti"))
    assert lines[at - 1] == t(app, "Answer", "ti") + ": ናብ ሓኪም ስድራ ደውሉ <i>&</i>"
    assert lines[at + 1] == "Bel de huisarts <b>&</b> maak een afspraak."
    assert sum("ናብ ሓኪም" in line for line in lines) == 1  # not listed a second time


async def test_decline_moves_on_and_nobody_left_is_told(
    emulator: Emulator, app: RunningBot
) -> None:
    pool = await make_pool(emulator, app, "ti", name="Yonas")
    assert pool.group is not None
    yonas, coordinator, group = pool.member, pool.coordinator, pool.group
    first = await add_volunteer(emulator, app, "Abeba", [("ti", "nl")])
    second = await add_volunteer(emulator, app, "Berhe", [("ti", "nl")])
    await add_volunteer(emulator, app, "", [("ti", "nl")], user=yonas)  # never asked: the asker
    card, _copy = await question_in_topic(app, yonas, group, "ቤት ትምህርቲ ኣበይ ኣሎ?")
    await press_ask(coordinator, card)
    request = await first.wait_for_message(lambda m: "ቤት ትምህርቲ" in (m.text or ""))
    decline_data = request.callback_data[0]
    declined = await first.press(t(app, "Decline", "ti"), request)
    assert declined.text == t(app, "Okay. We will ask someone else.", "ti")
    await first.wait_for_edit(request, lambda m: not m.inline_keyboard)
    # The old button again: politely refused.
    assert (
        decline_data
        == VolunteerRequestCallback(
            request_id=int(decline_data.split(":")[1]), action=RequestAction.DECLINE
        ).pack()
    )
    old = await first.press_callback_data(decline_data, request)
    assert old.text == t(app, "This button no longer works. Send /start to continue.", "ti")
    moved = await second.wait_for_message(lambda m: "ቤት ትምህርቲ" in (m.text or ""))
    await second.press(t(app, "Decline", "ti"), moved)
    nobody = await group.wait_for_message(
        lambda m: (m.text or "").startswith("🤝") and "#" in (m.text or ""),
        thread_id=card.thread_id,
    )
    number = int((card.text or "").split("#")[1].split("<")[0].split()[0])
    assert nobody.text == "🤝 " + t(
        app,
        "No volunteer is available to translate for question #{number}. Please try again later.",
        "nl",
    ).format(number=number)
    await card_shows(group, card, t(app, "no volunteer available", "nl"))
    await app.settled()
    assert request_of(yonas) is None  # the asker never got their own text to translate
    for volunteer in (first, second):
        assert_nothing_about(volunteer, yonas, "Yonas")
    # Asking again starts over with everyone of the pair.
    again = await press_ask(coordinator, card)
    assert again == t(app, "A volunteer was asked to translate.", "nl")
    # Another region's coordinator cannot ask; forged data is refused.
    host = await pool.other_coordinator.send_text("/help")
    await pool.other_coordinator.wait_for_message()
    forged = await pool.other_coordinator.press_callback_data(
        QuestionActionCallback(question_id=number, action=ASK_BUTTON).pack(), host
    )
    assert forged.text == t(app, "This button no longer works. Send /start to continue.", "nl")


async def test_at_most_three_open_requests_per_volunteer(
    emulator: Emulator, app: RunningBot
) -> None:
    pool = await make_pool(emulator, app, "ti", name="Yonas")
    assert pool.group is not None
    yonas, coordinator, group = pool.member, pool.coordinator, pool.group
    selam = await add_volunteer(emulator, app, "Selam", [("ti", "nl")])
    cards = []
    for i in range(4):
        card, _copy = await question_in_topic(app, yonas, group, f"ሕቶ ቁጽሪ {i}")
        take(group, card)
        cards.append(card)
    for card in cards[:3]:
        assert await press_ask(coordinator, card) == t(
            app, "A volunteer was asked to translate.", "nl"
        )
    busy = await press_ask(coordinator, cards[3])
    assert busy == t(
        app,
        "All volunteers for this language are busy. The request waits for a free volunteer.",
        "nl",
    )
    await card_shows(group, cards[3], t(app, "waiting for a free volunteer", "nl"))
    await app.settled()
    requests = [m for m in selam.bot_messages() if any("vreq:" in d for d in m.callback_data)]
    assert len(requests) == 3
    # One done: the waiting request comes to the volunteer.
    await selam.reply(requests[0], "Vraag nummer 0")
    await selam.wait_for_message(lambda m: "ሕቶ ቁጽሪ 3" in (m.text or ""))
    await card_shows(group, cards[3], t(app, "with a volunteer", "nl"))


async def test_timeout_moves_the_request_to_the_next_volunteer(
    emulator: Emulator, app: RunningBot
) -> None:
    pool = await make_pool(emulator, app, "ti", name="Yonas")
    assert pool.group is not None
    yonas, coordinator, group = pool.member, pool.coordinator, pool.group
    first = await add_volunteer(emulator, app, "Abeba", [("ti", "nl")])
    second = await add_volunteer(emulator, app, "Berhe", [("ti", "nl")])
    card, _copy = await question_in_topic(app, yonas, group, "ስራሕ ኣበይ ይርከብ?")
    await press_ask(coordinator, card)
    request = await first.wait_for_message(lambda m: "ስራሕ" in (m.text or ""))
    ctx = JobContext(app.bot, app.session_factory, app.settings, app.i18n)
    assert await jobs.move_overdue(ctx) == 0  # not late yet
    await app.settled()
    async with app.session_factory() as session:
        await session.execute(
            update(VolunteerRequest).values(
                assigned_at=utcnow() - timedelta(hours=app.settings.volunteer_timeout_hours + 1)
            )
        )
        await session.commit()
    assert await jobs.move_overdue(ctx) == 1
    over = await first.wait_for_message(lambda m: (m.text or "").startswith("⌛"))
    assert over.text
    await first.wait_for_edit(request, lambda m: not m.inline_keyboard)
    await second.wait_for_message(lambda m: "ስራሕ" in (m.text or ""))
    await card_shows(group, card, t(app, "with a volunteer", "nl"))
    # The first volunteer answers too late: thanked, not posted.
    await first.reply(request, "Te laat")
    late = await first.wait_for_message(lambda m: m.reply_to_message_id is not None)
    assert late.text == t(
        app, "This translation request is closed already. Thank you anyway!", "ti"
    )
    await app.settled()
    assert not any("Te laat" in (m.text or "") for m in group.bot_messages())
    for volunteer in (first, second):
        assert_nothing_about(volunteer, yonas, "Yonas")


async def test_delete_erases_volunteers_and_requests(emulator: Emulator, app: RunningBot) -> None:
    pool = await make_pool(emulator, app, "ti", name="Yonas")
    assert pool.group is not None
    yonas, coordinator, group = pool.member, pool.coordinator, pool.group
    selam = await add_volunteer(emulator, app, "Selam", [("ti", "nl")])
    abeba = await add_volunteer(emulator, app, "Abeba", [("ti", "nl")])
    card, _copy = await question_in_topic(app, yonas, group, "ገዛ ክረክብ ደልየ")
    take(group, card)
    await press_ask(coordinator, card)
    done = await selam.wait_for_message(lambda m: "ገዛ" in (m.text or ""))
    await selam.reply(done, "Ik zoek een huis")
    await group.wait_for_message(lambda m: "Ik zoek een huis" in (m.text or ""))
    second, _copy = await question_in_topic(app, yonas, group, "ስራሕ ደልየ")
    await press_ask(coordinator, second)
    held = await abeba.wait_for_message(lambda m: "ስራሕ ደልየ" in (m.text or ""))

    # The volunteer deletes their data: their rows and translations go.
    await selam.send_command("/delete")
    await selam.wait_for_message(lambda m: len(m.button_texts) == 2)
    await selam.press(t(app, "Yes, delete everything", "ti"))
    await selam.wait_for_message(lambda m: "/start" in (m.text or ""))
    await app.settled()
    async with app.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(Volunteer)) == 1
        assert await session.scalar(select(func.count()).select_from(VolunteerRequest)) == 1

    # The asker deletes their data: requests about their texts go, and the request message too;
    # the volunteer holding one is told by its number that it is no longer needed.
    number = await request_number(app)
    await yonas.send_command("/delete")
    await yonas.wait_for_message(lambda m: len(m.button_texts) == 2)
    await yonas.press(t(app, "Yes, delete everything", "ti"))
    await yonas.wait_for_message(lambda m: "/start" in (m.text or ""))
    await app.settled()
    async with app.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(VolunteerRequest)) == 0
        assert await session.scalar(select(func.count()).select_from(Volunteer)) == 1
    assert held.deleted or "ስራሕ ደልየ" not in (held.text or "")
    notice = t(app, "Translation request {number} is no longer needed. Thank you anyway!", "ti")
    await abeba.wait_for_message(lambda m: m.text == "🤝 " + notice.format(number=number))
    assert_nothing_about(abeba, yonas, "Yonas")


async def request_number(app: RunningBot) -> int:
    async with app.session_factory() as session:
        number = await session.scalar(select(func.max(VolunteerRequest.id)))
    assert number is not None
    return number


async def test_closing_withdraws_the_request_and_a_late_reply_is_thanked(
    emulator: Emulator, app: RunningBot
) -> None:
    pool = await make_pool(emulator, app, "ti", name="Yonas")
    assert pool.group is not None
    yonas, coordinator, group = pool.member, pool.coordinator, pool.group
    selam = await add_volunteer(emulator, app, "Selam", [("ti", "nl")])
    card, _copy = await question_in_topic(app, yonas, group, "ገዛ ክረክብ ደልየ")
    await press_ask(coordinator, card)
    request = await selam.wait_for_message(lambda m: "ገዛ ክረክብ ደልየ" in (m.text or ""))
    number = await request_number(app)
    answer = await coordinator.send_text("Bel de gemeente.", chat=group, thread_id=card.thread_id)
    await yonas.wait_for_message(lambda m: m.text == "Bel de gemeente.")

    # Closing: the volunteer is told in their language, by the request's number only.
    await coordinator.press(lambda b: b["callback_data"].endswith(":close"), card)
    notice = t(app, "Translation request {number} is no longer needed. Thank you anyway!", "ti")
    told = await selam.wait_for_message(lambda m: m.text == "🤝 " + notice.format(number=number))
    assert told.reply_markup is None
    await app.settled()
    assert not request.callback_data  # its Decline button is gone
    await card_shows(group, card, t(app, "no longer needed", "nl"))
    async with app.session_factory() as session:
        stored = await session.scalar(select(VolunteerRequest.status))
    assert stored == "cancelled"

    # A closed question's answer cannot be sent to a volunteer.
    await coordinator.reply(answer, "/translate")
    refused = t(app, "This question is closed. Reopen it to ask a volunteer to translate.", "nl")
    await group.wait_for_message(lambda m: m.text == refused, thread_id=card.thread_id)

    # A late reply is thanked and goes nowhere.
    posted = len(group.messages(thread_id=card.thread_id))
    await selam.reply(request, "Ik wil een huis vinden")
    late = await selam.wait_for_message(lambda m: m.reply_to_message_id is not None)
    assert late.text == notice.format(number=number)
    await app.settled()
    assert len(group.messages(thread_id=card.thread_id)) == posted
    assert not any("Ik wil een huis" in (m.text or "") for m in yonas.bot_messages())

    # Reopening does not bring the request back; a new ask makes a new one.
    await coordinator.press(lambda b: b["callback_data"].endswith(":reopen"), card)
    await app.settled()
    assert t(app, "Closed.", "nl") not in (card.text or "")
    async with app.session_factory() as session:
        assert list(await session.scalars(select(VolunteerRequest.status))) == ["cancelled"]
    assert request_of(selam) is None
    await press_ask(coordinator, card)
    again = await selam.wait_for_message(
        lambda m: any(d.startswith("vreq:") for d in m.callback_data)
    )
    assert again.message_id != request.message_id
    assert await request_number(app) == number + 1
    assert_nothing_about(selam, yonas, "Yonas")
