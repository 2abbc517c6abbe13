"""Sends that fail with 429 and 5xx: the member ends where they would without the faults,
and nothing they were shown is missing from the database.

Each test walks two people through the same steps, one of them with Telegram faults
injected into their chat (or their coordinators' group), and compares what is stored.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.questions import drain, outbox
from bot.surveys.definition import shown
from botapi_emulator import Emulator, SimUser
from db.models import Member, OutboxJob, Question, QuestionMessage, SurveyAnswer, SurveyResponse
from expertpool_sandbox.harness import RunningBot
from handlers.selfservice import help_text
from tests.e2e.conftest import broadcasting_bot
from tests.e2e.people import skip_intake, t, wait_text
from tests.e2e.test_questions import ask, make_pool
from tests.e2e.test_surveys import (
    PULSE,
    PULSE_FILE,
    import_file,
    invitation,
    label,
    link,
    schedule_now,
)
from tests.e2e.test_surveys import question as survey_question
from tests.e2e.test_surveys import seed as survey_seed


@pytest.fixture
def settings(settings_factory: Callable[..., Settings]) -> Settings:
    return settings_factory(quiet_hours="off")


@pytest.fixture
async def app(emulator: Emulator, settings: Settings) -> AsyncIterator[RunningBot]:
    async with broadcasting_bot(emulator, settings) as running:
        yield running


async def stored_member(app: RunningBot, user: SimUser) -> dict[str, object]:
    await app.settled()
    async with app.session_factory() as session:
        member = await session.scalar(select(Member).where(Member.telegram_id == user.id))
        assert member is not None, "no member row stored"
        return {
            "language": member.language,
            "status": member.status,
            "region_id": member.region_id,
            "consent_version": member.consent_version,
            "onboarding_step": member.onboarding_step,
        }


async def onboard_turkish(app: RunningBot, user: SimUser) -> None:
    await user.send_command("/start")
    picker = await user.wait_for_message()
    await user.press("Türkçe")
    await wait_text(user, t(app, "Do you agree?", "tr"))
    assert picker.text == t(app, "Language: {language}", "tr").format(language="Türkçe")
    await user.press("✅ " + t(app, "I agree", "tr"))
    await user.wait_for_message(lambda m: t(app, "No", "tr") in m.button_texts)
    await user.press(t(app, "No", "tr"))  # the optional quote consent
    await wait_text(user, t(app, "Which regional pool do you want to join?", "tr"))
    await user.press("Twente")
    await skip_intake(app, user, "tr")
    await user.wait_for_message(lambda m: bool(user.reply_keyboard) and not m.inline_keyboard)
    await user.send_command("/help")
    await wait_text(user, "/ask")


async def test_onboarding_with_500_and_429_ends_as_without(
    emulator: Emulator, app: RunningBot
) -> None:
    calm = emulator.create_user("Ayşe", language_code="tr")
    await onboard_turkish(app, calm)

    stormy = emulator.create_user("Emre", language_code="tr")
    faults = emulator.faults
    # The press on "Türkçe": the edit fails with 500, the consent notice with a 429.
    faults.fail_next("editMessageText", 500, chat_id=stormy.id)
    faults.fail_next("sendMessage", 429, chat_id=stormy.id, retry_after=1)
    faults.fail_next("answerCallbackQuery", 502, count=2)
    faults.fail_next("sendMessage", 500, chat_id=stormy.id, count=2)
    await onboard_turkish(app, stormy)
    assert len(emulator.fault_log) == 6

    assert await stored_member(app, stormy) == await stored_member(app, calm)


async def test_a_send_that_keeps_failing_shows_nothing_that_was_not_stored(
    emulator: Emulator, app: RunningBot
) -> None:
    """The issue's defect: the chat showed "Dil: Türkçe" but no member row was stored."""
    emre = emulator.create_user("Emre", language_code="tr")
    await emre.send_command("/start")
    picker = await emre.wait_for_message()
    # Longer than an update may wait: the consent notice is not sent at all.
    emulator.faults.fail_next("sendMessage", 429, chat_id=emre.id, retry_after=60)
    result = await emre.press("Türkçe")
    assert result.answered  # no spinning button
    await app.settled()
    assert picker.text == t(app, "Language: {language}", "tr").format(language="Türkçe")
    assert (await stored_member(app, emre))["language"] == "tr"  # what was shown is stored
    await emre.send_command("/help")  # in Turkish: the language was stored
    with app.i18n.context(), app.i18n.use_locale("tr"):
        assert (await emre.wait_for_message()).text == help_text()
    await emre.send_command("/start")  # and the member goes on where they were
    await wait_text(emre, t(app, "Do you agree?", "tr"))


async def topic_transcript(app: RunningBot, question_id: int) -> list[tuple[str, str]]:
    await app.settled()
    async with app.session_factory() as session:
        rows = await session.scalars(
            select(QuestionMessage)
            .where(QuestionMessage.question_id == question_id)
            .order_by(QuestionMessage.id)
        )
        return [(row.direction, row.kind) for row in rows]


async def test_a_question_through_429_and_500_reaches_the_topic_late_never_partly(
    emulator: Emulator, app: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The group's pace is Telegram's 20 a minute, ten times faster here: the order and the
    # waiting are the same, the test waits 1.5 s less per message.
    monkeypatch.setattr(drain, "GROUP_RATE", drain.GROUP_RATE * 10)
    pool = await make_pool(emulator, app, "nl")
    assert pool.group is not None
    member, group = pool.member, pool.group
    await ask(app, member, "nl", "Housing", "Eerste vraag")
    await wait_text(member, "Twente")
    await app.settled()

    faults = emulator.faults
    faults.fail_next("createForumTopic", 500)
    faults.fail_next("sendMessage", 429, chat_id=group.id, retry_after=2)
    faults.fail_next("copyMessage", 502, chat_id=group.id)
    faults.fail_next("sendMessage", 500, chat_id=member.id)  # the member's confirmation
    await ask(app, member, "nl", "Work", "Tweede vraag", "Nog een deel")
    # The member hears at once, while the group still waits out its 429.
    confirmation = await wait_text(member, "Twente")
    number = int((confirmation.text or "").split("#")[1].split()[0])
    topic = await group.wait_for_topic(lambda tp: tp.name.startswith(f"#{number} "))
    assert not [m for m in group.bot_messages() if m.thread_id == topic.message_thread_id][1:]
    card = await group.wait_for_message(
        lambda m: bool(m.inline_keyboard), thread_id=topic.message_thread_id, timeout=10
    )
    # After a 429 the group is paced (at 20 a minute: one message every 3 seconds).
    first = await group.wait_for_message(thread_id=topic.message_thread_id, timeout=15)
    second = await group.wait_for_message(thread_id=topic.message_thread_id, timeout=15)
    assert (first.text, second.text) == ("Tweede vraag", "Nog een deel")
    assert card.message_id < first.message_id < second.message_id
    # Same record as the question without faults, nothing twice, nothing left owed.
    await app.settled()
    async with app.session_factory() as session:
        ids = list(await session.scalars(select(Question.id).order_by(Question.id)))
        owed = await session.scalar(select(func.count()).select_from(OutboxJob))
    assert ids == [ids[0], number] and owed == 0
    transcript = await topic_transcript(app, number)
    assert transcript == [("in", "text"), ("in", "text"), ("card", "card"),
                          ("copy", "text"), ("copy", "text")]  # fmt: skip
    assert len([m for m in group.bot_messages() if m.thread_id == topic.message_thread_id]) == 3
    assert len(emulator.fault_log) == 4

    # A follow-up goes the same way, after the question, in order.
    faults.fail_next("copyMessage", 429, chat_id=group.id, retry_after=1)
    own = [m for m in member.messages() if m.text == "Nog een deel"][-1]
    await member.reply(own, "Nog iets")
    follow = await group.wait_for_message(thread_id=topic.message_thread_id, timeout=15)
    assert follow.text == "Nog iets"
    assert (await topic_transcript(app, number))[-1] == ("copy", "text")

    # A job done twice (a restart after sending, before marking it done) sends nothing new.
    async with app.session_factory() as session:
        again = await session.get(Question, number)
        assert again is not None
        await outbox.queue(session, again)
        await session.commit()
    outbox.wake()
    await app.settled()
    assert len([m for m in group.bot_messages() if m.thread_id == topic.message_thread_id]) == 4


async def survey_states(app: RunningBot) -> list[list[tuple[str, str]]]:
    """Every response's answers (the pulse is anonymous: responses name no member)."""
    await app.settled()
    async with app.session_factory() as session:
        states = []
        for response in await session.scalars(select(SurveyResponse).order_by(SurveyResponse.id)):
            assert response.finished
            answers = await session.scalars(
                select(SurveyAnswer)
                .where(SurveyAnswer.response_id == response.id)
                .order_by(SurveyAnswer.question)
            )
            states.append([(a.question, a.value) for a in answers])
        return states


async def answer_mood_and_stop(app: RunningBot, user: SimUser, lang: str) -> None:
    invited = await invitation(user, PULSE, lang)
    await user.send_command("/start", args=link(invited))
    await survey_question(user, PULSE, "mood", lang)
    await user.press("4")
    topics = await survey_question(user, PULSE, "topics", lang)
    await user.press(label(PULSE, "topics", "housing", lang), topics)
    await user.wait_for_edit(
        topics, lambda m: "✅ " + label(PULSE, "topics", "housing", lang) in m.button_texts
    )
    await user.press(t(app, "Done", lang), topics)
    await survey_question(user, PULSE, "help", lang)
    await user.press(t(app, "Yes", lang))
    await survey_question(user, PULSE, "meeting", lang)
    await user.press(label(PULSE, "meeting", "yes", lang))
    assert PULSE.thanks is not None
    await wait_text(user, shown(PULSE.thanks, lang))


async def test_survey_answers_through_faults_are_stored_as_without(
    emulator: Emulator, app: RunningBot
) -> None:
    pool = await survey_seed(emulator, app, ["nl", "nl"])
    (calm, nl), (stormy, _nl) = pool.members
    await import_file(app, PULSE_FILE)
    await schedule_now(app, pool.coordinator, "/survey_schedule pulse twente now")
    await answer_mood_and_stop(app, calm, nl)

    faults = emulator.faults
    faults.fail_next("editMessageText", 500, chat_id=stormy.id, count=2)
    faults.fail_next("sendMessage", 429, chat_id=stormy.id, retry_after=1)
    faults.fail_next("editMessageReplyMarkup", 503, chat_id=stormy.id)
    faults.fail_next("sendMessage", 502, chat_id=stormy.id)
    await answer_mood_and_stop(app, stormy, nl)
    assert len([f for f in emulator.fault_log if f.chat_id == stormy.id]) >= 4
    calm_state, stormy_state = await survey_states(app)
    assert stormy_state == calm_state and len(calm_state) == 4


async def test_a_member_who_blocked_the_bot_is_unreachable_until_they_write_again(
    emulator: Emulator, app: RunningBot
) -> None:
    pool = await make_pool(emulator, app, "nl", linked=False)
    member = pool.member
    # They write, then block the bot before the answer comes.
    emulator.faults.fail_next(
        "sendMessage", 403, "Forbidden: bot was blocked by the user", chat_id=member.id
    )
    await member.send_command("/help")
    await emulator.wait_for_fault("sendMessage", chat_id=member.id)
    assert (await stored_member(app, member))["status"] == "unreachable"
    await member.send_command("/help")
    await wait_text(member, "/ask")
    assert (await stored_member(app, member))["status"] == "active"
