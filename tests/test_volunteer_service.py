"""Volunteer translators' use cases against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.messenger import Markup, Reason, Undeliverable
from bot.privacy import service as privacy
from bot.questions import service as questions
from bot.questions.relay import Card
from bot.services.roles import Actor, NotAllowed
from bot.volunteers import service
from bot.volunteers.service import Asked, Handed
from db.base import utcnow
from db.models import (
    Member,
    Question,
    QuestionMessage,
    Region,
    Volunteer,
    VolunteerAttempt,
    VolunteerPair,
    VolunteerRequest,
)

SETTINGS = Settings(bot_token="1:x", _env_file=None)  # type: ignore[call-arg]
ADMIN = Actor(telegram_id=1, is_admin=True, region_ids=frozenset())
GROUP = -100


@dataclass
class Recorder:
    """A `Messenger` that remembers what it sent; chats in `blocked` refuse."""

    sent: list[tuple[int, str, int | None]] = field(default_factory=list)
    blocked: set[int] = field(default_factory=set)
    edits: list[tuple[int, int]] = field(default_factory=list)

    async def send_text(
        self,
        chat_id: int,
        text: str,
        *,
        markup: Markup | None = None,
        thread_id: int | None = None,
        reply_to: int | None = None,
    ) -> int:
        if chat_id in self.blocked:
            raise Undeliverable(Reason.BLOCKED)
        self.sent.append((chat_id, text, reply_to))
        return len(self.sent)

    async def edit_markup(
        self, chat_id: int, message_id: int, markup: Markup | None = None
    ) -> None:
        self.edits.append((chat_id, message_id))

    async def edit_text(
        self, chat_id: int, message_id: int, text: str, *, markup: object = None
    ) -> None:
        self.edits.append((chat_id, message_id))

    async def close_topic(self, chat_id: int, thread_id: int) -> None:
        pass

    async def reopen_topic(self, chat_id: int, thread_id: int) -> None:
        pass

    def to(self, chat_id: int) -> list[str]:
        return [text for chat, text, _reply in self.sent if chat == chat_id]


class Texts:
    """`service.Views` with plain texts."""

    def request(
        self, locale: str, request_id: int, source: str, target: str, text: str
    ) -> tuple[str, Markup]:
        return f"request {request_id} {source}>{target}: {text}", None

    def request_over(self, locale: str, request_id: int) -> str:
        return f"over {request_id}"

    def translation_for_staff(
        self, locale: str, number: int, source: str, target: str, text: str
    ) -> str:
        return f"staff #{number}: {text}"

    def translation_for_member(self, locale: str, number: int, text: str) -> str:
        return f"member #{number}: {text}"

    def nobody(self, locale: str, number: int) -> str:
        return f"nobody #{number}"


class Cards:
    """`bot.questions.relay.Views` for the card refreshes (no cards exist in these tests)."""

    def topic_name(self, locale: str, question: Question, member: Member) -> str:
        return "topic"

    def card(self, locale: str, card: Card) -> tuple[str, Markup]:
        return "card", None

    def follow_up_header(self, locale: str, number: int) -> str:
        return "more"

    def answer_header(
        self, locale: str, number: int, language: str | None = None, machine: bool = False
    ) -> str:
        return "answer"

    def closed(self, locale: str, number: int) -> tuple[str, Markup]:
        return "closed", None

    def request_withdrawn(self, locale: str, request_id: int) -> str:
        return f"withdrawn {request_id}"


async def _member(session: AsyncSession, telegram_id: int, language: str = "ti") -> Member:
    region = await session.scalar(select(Region).where(Region.code == "twente"))
    assert region is not None
    member = Member(
        telegram_id=telegram_id, language=language, status="active", region_id=region.id,
        display_name=f"name{telegram_id}", joined_at=utcnow(),
    )  # fmt: skip
    session.add(member)
    await session.flush()
    return member


async def _volunteer(session: AsyncSession, telegram_id: int, *pairs: tuple[str, str]) -> Member:
    member = await _member(session, telegram_id)
    volunteer = Volunteer(member_id=member.id, created_at=utcnow())
    session.add(volunteer)
    await session.flush()
    for source, target in pairs:
        session.add(VolunteerPair(volunteer_id=volunteer.id, source=source, target=target))
    await session.commit()
    return member


async def _question(session: AsyncSession, asker: Member, text: str = "ሕቶ") -> Question:
    question = Question(
        member_id=asker.id, region_id=asker.region_id, topic="housing", language="ti",
        status="open", coordinator_chat_id=GROUP, thread_id=7, sent_at=utcnow(),
    )  # fmt: skip
    session.add(question)
    await session.flush()
    session.add(QuestionMessage(question_id=question.id, direction="in", kind="text", text=text,
                                member_message_id=1, created_at=utcnow()))  # fmt: skip
    session.add(QuestionMessage(question_id=question.id, direction="copy", kind="text",
                                coordinator_chat_id=GROUP, coordinator_message_id=55,
                                created_at=utcnow()))  # fmt: skip
    await session.commit()
    return question


async def _ask(session: AsyncSession, messenger: Recorder, question: Question) -> Asked:
    return await service.ask_for_question(
        session, messenger, Texts(), Cards(), SETTINGS, ADMIN, question.id
    )


async def _holder(session: AsyncSession, question: Question) -> int | None:
    request = await session.scalar(
        select(VolunteerRequest).where(VolunteerRequest.question_id == question.id)
    )
    assert request is not None
    if request.volunteer_id is None:
        return None
    volunteer = await session.get(Volunteer, request.volunteer_id)
    assert volunteer is not None
    member = await session.get(Member, volunteer.member_id)
    assert member is not None
    return member.telegram_id


async def test_pairs_are_toggled_and_only_real_languages_offered(session: AsyncSession) -> None:
    member = await _member(session, 10)
    assert await service.toggle_pair(session, SETTINGS, member, "ti", True) == [("ti", "nl")]
    assert await service.toggle_pair(session, SETTINGS, member, "ti", False) == [
        ("ti", "nl"),
        ("nl", "ti"),
    ]
    assert await service.toggle_pair(session, SETTINGS, member, "ti", True) == [("nl", "ti")]
    for language in ("nl", "xx", ""):
        with pytest.raises(NotAllowed):
            await service.toggle_pair(session, SETTINGS, member, language, True)
    member.status = "left"
    with pytest.raises(NotAllowed):
        await service.toggle_pair(session, SETTINGS, member, "ti", True)


async def test_round_robin_never_the_asker_and_at_most_three(session: AsyncSession) -> None:
    asker = await _volunteer(session, 20, ("ti", "nl"))
    await _volunteer(session, 21, ("ti", "nl"))
    await _volunteer(session, 22, ("ti", "nl"))
    await _volunteer(session, 23, ("nl", "ti"))  # the other direction only
    messenger = Recorder()
    holders = []
    for _ in range(7):
        question = await _question(session, asker)
        outcome = await _ask(session, messenger, question)
        holders.append((outcome, await _holder(session, question)))
    assert holders == [
        (Asked.ASSIGNED, 21), (Asked.ASSIGNED, 22), (Asked.ASSIGNED, 21), (Asked.ASSIGNED, 22),
        (Asked.ASSIGNED, 21), (Asked.ASSIGNED, 22), (Asked.WAITING, None),
    ]  # fmt: skip
    assert messenger.to(20) == [] and messenger.to(23) == []
    for text in messenger.to(21) + messenger.to(22):
        assert "name20" not in text and "20" not in text.split(":")[0].split()


async def test_decline_timeout_and_nobody(session: AsyncSession) -> None:
    asker = await _member(session, 30)
    first = await _volunteer(session, 31, ("ti", "nl"))
    await _volunteer(session, 32, ("ti", "nl"))
    messenger = Recorder()
    question = await _question(session, asker)
    assert await _ask(session, messenger, question) == Asked.ASSIGNED
    assert await _holder(session, question) == 31
    assert await _ask(session, messenger, question) == Asked.ALREADY
    request = await session.scalar(select(VolunteerRequest))
    assert request is not None
    await service.decline(session, messenger, Texts(), Cards(), SETTINGS, first, request.id)
    assert await _holder(session, question) == 32
    with pytest.raises(NotAllowed):  # no longer theirs
        await service.decline(session, messenger, Texts(), Cards(), SETTINGS, first, request.id)
    # Not late yet; then late: nobody is left (31 declined, 32 timed out).
    assert await service.expire(session, messenger, Texts(), Cards(), SETTINGS) == 0
    later = utcnow() + timedelta(hours=SETTINGS.volunteer_timeout_hours + 1)
    assert await service.expire(session, messenger, Texts(), Cards(), SETTINGS, later) == 1
    assert messenger.to(32)[-1] == f"over {request.id}"
    await session.refresh(request)
    assert request.status == "nobody"
    assert messenger.to(GROUP) == [f"nobody #{question.id}"]
    outcomes = sorted(o for o in await session.scalars(select(VolunteerAttempt.outcome)))
    assert outcomes == ["declined", "timeout"]


async def test_unreachable_volunteer_is_skipped(session: AsyncSession) -> None:
    asker = await _member(session, 40)
    await _volunteer(session, 41, ("ti", "nl"))
    await _volunteer(session, 42, ("ti", "nl"))
    messenger = Recorder(blocked={41})
    question = await _question(session, asker)
    assert await _ask(session, messenger, question) == Asked.ASSIGNED
    assert await _holder(session, question) == 42


async def test_hand_in_posts_and_answers_reach_the_member(session: AsyncSession) -> None:
    asker = await _member(session, 50)
    helper = await _volunteer(session, 51, ("ti", "nl"), ("nl", "ti"))
    messenger = Recorder()
    question = await _question(session, asker, "ገዛ")
    await _ask(session, messenger, question)
    request = await service.request_replied_to(session, helper, 1)
    assert request is not None and request.kind == "question"
    assert (
        await service.hand_in(session, messenger, Texts(), Cards(), SETTINGS, helper, request, " ")
        == Handed.EMPTY
    )
    assert (
        await service.hand_in(
            session, messenger, Texts(), Cards(), SETTINGS, helper, request, "Huis"
        )
        == Handed.SENT
    )
    assert (GROUP, f"staff #{question.id}: Huis", 55) in messenger.sent
    assert (
        await service.hand_in(
            session, messenger, Texts(), Cards(), SETTINGS, helper, request, "Huis"
        )
        == Handed.CLOSED
    )

    session.add(QuestionMessage(question_id=question.id, direction="out", kind="text",
                                text="Bel de gemeente.", member_message_id=77,
                                coordinator_chat_id=GROUP, coordinator_message_id=88,
                                created_at=utcnow()))  # fmt: skip
    await session.commit()
    ask = service.ask_for_answer
    assert (
        await ask(session, messenger, Texts(), Cards(), SETTINGS, ADMIN, GROUP, 55)
        == Asked.NOT_AN_ANSWER
    )
    assert (
        await ask(session, messenger, Texts(), Cards(), SETTINGS, ADMIN, GROUP, 88)
        == Asked.ASSIGNED
    )
    answer = await service.request_replied_to(session, helper, len(messenger.sent))
    assert answer is not None and (answer.source, answer.target) == ("nl", "ti")
    await service.hand_in(
        session, messenger, Texts(), Cards(), SETTINGS, helper, answer, "ናብ ምምሕዳር"
    )
    assert (50, f"member #{question.id}: ናብ ምምሕዳር", 77) in messenger.sent

    stats = await service.stats(session, SETTINGS, [asker.region_id or 0])
    (entry,) = stats[asker.region_id or 0]
    assert (entry.language, entry.volunteers, entry.done) == ("ti", 1, 2)
    assert entry.median_time is not None

    mine = await privacy.export(session, asker, SETTINGS)
    assert [r["status"] for r in mine["texts_sent_to_a_volunteer_translator"]] == ["done", "done"]
    theirs = await privacy.export(session, helper, SETTINGS)
    assert theirs["you_as_volunteer_translator"]["pairs"] == ["ti→nl", "nl→ti"]
    assert len(theirs["you_as_volunteer_translator"]["translated"]) == 2


async def test_erase_removes_volunteer_rows_and_requests(session: AsyncSession) -> None:
    asker = await _member(session, 60)
    helper = await _volunteer(session, 61, ("ti", "nl"))
    other = await _volunteer(session, 62, ("ti", "nl"))
    messenger = Recorder()
    done = await _question(session, asker)
    await _ask(session, messenger, done)
    assert await _holder(session, done) == 61
    request = await service.request_replied_to(session, helper, 1)
    assert request is not None
    await service.hand_in(session, messenger, Texts(), Cards(), SETTINGS, helper, request, "x")
    held = await _question(session, asker)
    await _ask(session, messenger, held)
    assert await _holder(session, held) == 62

    await privacy.erase(session, other, SETTINGS)  # the holder leaves: the request waits
    await session.commit()
    assert await _holder(session, held) is None
    assert await session.scalar(select(func.count()).select_from(Volunteer)) == 1

    erased = await privacy.erase(session, helper, SETTINGS)  # their translation goes
    await session.commit()
    assert erased.copies == []
    assert await session.scalar(select(func.count()).select_from(VolunteerRequest)) == 1
    assert await session.scalar(select(func.count()).select_from(VolunteerPair)) == 0

    await privacy.erase(session, asker, SETTINGS)  # requests about their texts go
    await session.commit()
    assert await session.scalar(select(func.count()).select_from(VolunteerRequest)) == 0


async def _requests(session: AsyncSession) -> list[VolunteerRequest]:
    query = select(VolunteerRequest).order_by(VolunteerRequest.id)
    return list(await session.scalars(query.execution_options(populate_existing=True)))


async def test_closing_withdraws_held_and_waiting_requests(session: AsyncSession) -> None:
    asker = await _member(session, 70)
    helper = await _volunteer(session, 71, ("ti", "nl"))
    messenger = Recorder()
    asked = [await _question(session, asker) for _ in range(4)]
    for question in asked:
        await _ask(session, messenger, question)
    assert [await _holder(session, q) for q in asked] == [71, 71, 71, None]  # the 4th waits
    first = (await _requests(session))[0]
    message = first.volunteer_message_id
    for question in (asked[0], asked[3]):
        assert await questions.close(session, messenger, Cards(), SETTINGS, ADMIN, question)
    assert [r.status for r in await _requests(session)] == [
        "cancelled", "assigned", "assigned", "cancelled",
    ]  # fmt: skip
    assert messenger.to(71)[-1] == f"withdrawn {first.id}"
    assert (71, message) in messenger.edits  # its Decline button goes
    assert sum(text.startswith("withdrawn") for text in messenger.to(71)) == 1

    # The volunteer has room again: the waiting request of a closed question is not sent.
    told = len(messenger.to(71))
    await service.retry_waiting(session, messenger, Texts(), Cards(), SETTINGS)
    assert len(messenger.to(71)) == told
    # A late reply is not needed; reopening does not bring the request back.
    late = await service.request_replied_to(session, helper, message or 0)
    assert late is not None and late.id == first.id
    handed = await service.hand_in(
        session, messenger, Texts(), Cards(), SETTINGS, helper, late, "x"
    )
    assert handed is Handed.NOT_NEEDED
    assert await questions.reopen(session, messenger, Cards(), SETTINGS, ADMIN, asked[0])
    await session.commit()
    assert (await _requests(session))[0].status == "cancelled"
    assert messenger.to(GROUP) == []  # nothing was posted


async def test_delete_removes_the_request_from_every_volunteer_who_had_it(
    session: AsyncSession,
) -> None:
    asker = await _member(session, 80)
    declined = await _volunteer(session, 81, ("ti", "nl"))
    await _volunteer(session, 82, ("ti", "nl"))
    messenger = Recorder()
    question = await _question(session, asker)
    await _ask(session, messenger, question)
    request = (await _requests(session))[0]
    first_message = request.volunteer_message_id
    await service.decline(session, messenger, Texts(), Cards(), SETTINGS, declined, request.id)
    request = (await _requests(session))[0]
    assert await _holder(session, question) == 82
    erased = await privacy.erase(session, asker, SETTINGS)
    await session.commit()
    assert set(erased.copies) >= {(81, first_message), (82, request.volunteer_message_id)}
    assert [(w.telegram_id, w.request_id) for w in erased.withdrawn] == [(82, request.id)]
    assert erased.withdrawn[0].message_id is None  # deleted with the copies, not edited
