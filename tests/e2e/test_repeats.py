"""An update handled twice (as after a crash between handling it and marking it done) does
each of its effects once: one picker, one stored part, one offer, one follow-up, one relayed
answer, one close, one plan, one survey question and answer (bot.inbox.effects)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.surveys import jobs
from bot.surveys.definition import shown
from botapi_emulator import Emulator, SimGroup, SimUser
from db.models import (
    InboxUpdate,
    Question,
    QuestionMessage,
    SurveyAnswer,
    SurveyResponse,
    SurveySchedule,
)
from expertpool_sandbox.harness import RunningBot
from tests.e2e.conftest import broadcasting_bot
from tests.e2e.people import t, wait_text
from tests.e2e.test_questions import make_pool
from tests.e2e.test_surveys import PULSE, context, import_file, invitation, link, question, seed

PULSE_FILE = Path(__file__).resolve().parents[2] / "surveys" / "monthly-pulse.yaml"


@pytest.fixture
def settings(settings_factory: Callable[..., Settings]) -> Settings:
    return settings_factory(quiet_hours="off")  # survey invitations at any hour


@pytest.fixture
async def app(emulator: Emulator, settings: Settings) -> AsyncIterator[RunningBot]:
    async with broadcasting_bot(emulator, settings) as running:
        yield running


async def again(app: RunningBot, user: SimUser) -> None:
    """Handle `user`'s last update a second time; it did run again (its second attempt)."""
    await app.settled()
    update_id = await app.last_update(user.id)
    assert update_id is not None
    await app.redeliver(update_id)
    async with app.session_factory() as session:
        row = await session.get(InboxUpdate, update_id)
        assert row is not None and row.attempts == 2 and row.done_at is not None


def said(user: SimUser, fragment: str, chat: SimGroup | None = None) -> int:
    return sum(fragment in (m.text or "") for m in user.bot_messages(chat))


async def rows(app: RunningBot, direction: str) -> int:
    async with app.session_factory() as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(QuestionMessage)
                .where(QuestionMessage.direction == direction)
            )
            or 0
        )


async def test_a_repeated_start_shows_one_picker(emulator: Emulator, app: RunningBot) -> None:
    newcomer = emulator.create_user("Nieuw", language_code="en")
    await newcomer.send_command("/start")
    await newcomer.wait_for_message(lambda m: bool(m.button_texts))
    await again(app, newcomer)
    assert said(newcomer, "Choose your language") == 1


async def test_each_question_step_happens_once(emulator: Emulator, app: RunningBot) -> None:
    pool = await make_pool(emulator, app, "en", name="Sara")
    member, coordinator, group = pool.member, pool.coordinator, pool.group
    assert group is not None

    # A part of a question: stored and confirmed once.
    await member.send_text("/ask")
    await member.wait_for_message(lambda m: t(app, "Housing", "en") in m.button_texts)
    await member.press(t(app, "Housing", "en"))
    await member.wait_for_edit()
    await member.send_text("Where do I find a house?")
    await wait_text(member, "Added (1)")
    await again(app, member)
    assert said(member, "Added (") == 1 and await rows(app, "in") == 1

    await member.press(lambda b: b["text"].startswith("📨"))
    await wait_text(member, "Twente")
    topic = await group.wait_for_topic(lambda tp: tp.name.startswith("#"))
    thread = topic.message_thread_id
    await group.wait_for_message(lambda m: "Where do I find" in (m.text or ""), thread_id=thread)
    await app.settled()
    number = int(topic.name[1:].split()[0])

    # The coordinator's answer: relayed to the member once, stored once.
    await coordinator.send_text("Ask the municipality.", chat=group, thread_id=thread)
    answer = await member.wait_for_message(lambda m: m.text == "Ask the municipality.")
    await app.settled()
    relayed = await rows(app, "out")
    await again(app, coordinator)
    assert said(member, "Ask the municipality.") == 1 and await rows(app, "out") == relayed

    # The member's follow-up: stored, copied to the topic and confirmed once.
    await member.reply(answer, "Which office?")
    await wait_text(member, f"Added to your question #{number}")
    await app.settled()
    copies = sum("Which office?" in (m.text or "") for m in group.bot_messages(thread_id=thread))
    await again(app, member)
    assert said(member, "Added to your question") == 1 and await rows(app, "in") == 2
    assert copies == 1
    assert copies == sum(
        "Which office?" in (m.text or "") for m in group.bot_messages(thread_id=thread)
    )

    # /close: closed once, the member asked to rate once, one topic all along.
    await coordinator.send_text(f"/close {number}")
    closing = await member.wait_for_message(lambda m: bool(m.button_texts))
    await again(app, coordinator)
    assert sum(m.text == closing.text for m in member.bot_messages()) == 1
    closed, already = (
        t(app, text, "nl") for text in ("Closed.", "This question was already closed.")
    )
    assert said(coordinator, closed) == 1 and said(coordinator, already) == 0
    assert len(group.topics) == 1

    # A free message: offered as a question once, stored in one draft.
    await member.send_text("And my rent?")
    await wait_text(member, "Do you want to send this as a question")
    await again(app, member)
    assert said(member, "Do you want to send this as a question") == 1
    async with app.session_factory() as session:
        drafts = await session.scalar(
            select(func.count()).select_from(Question).where(Question.status == "draft")
        )
        assert drafts == 1
    assert await rows(app, "in") == 3

    # Another free message, its draft dropped ("No, thanks") before the message is handled a
    # second time: no second offer, and the dropped draft does not come back.
    await member.press(t(app, "No, thanks", "en"))
    await app.settled()
    await member.send_text("And my deposit?")
    await wait_text(member, "Do you want to send this as a question")
    await app.settled()
    update_id = await app.last_update(member.id)
    assert update_id is not None
    await member.press(t(app, "No, thanks", "en"))
    await app.settled()
    assert await rows(app, "in") == 2
    await app.redeliver(update_id)
    assert said(member, "Do you want to send this as a question") == 2
    async with app.session_factory() as session:
        assert not await session.scalar(
            select(func.count()).select_from(Question).where(Question.status == "draft")
        )
    assert await rows(app, "in") == 2


async def test_a_plan_and_a_survey_answer_happen_once(emulator: Emulator, app: RunningBot) -> None:
    pool = await seed(emulator, app, ["en"])
    await import_file(app, PULSE_FILE)
    coordinator = pool.coordinator
    await coordinator.send_text("/survey_schedule pulse twente now close=2d")
    await wait_text(coordinator, "Planned #")
    await again(app, coordinator)
    assert said(coordinator, "Planned #") == 1
    async with app.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(SurveySchedule)) == 1
    assert await jobs.tick(context(app)) >= 1

    user, lang = pool.members[0]
    invited = await invitation(user, PULSE, lang)
    await user.send_command("/start", args=link(invited))
    mood = await question(user, PULSE, "mood", lang)
    await again(app, user)  # opening the survey: its first question once
    assert sum(m.text == mood.text for m in user.bot_messages()) == 1

    await user.press("4")
    topics = await question(user, PULSE, "topics", lang)
    await again(app, user)  # the answer: stored once, the next question shown once
    assert sum(m.text == topics.text for m in user.bot_messages()) == 1
    async with app.session_factory() as session:
        answers = await session.scalar(select(func.count()).select_from(SurveyAnswer))
        responses = await session.scalar(select(func.count()).select_from(SurveyResponse))
        assert (answers, responses) == (1, 1)
    assert shown(PULSE.title, lang) in (invited.text or "")
