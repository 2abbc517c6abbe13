"""Question use cases: send a draft, follow up, answer, close, reopen, press a card button.

Each takes the session, a `Messenger` and the `Views` that render what it sends (handlers pass
`bot.questions.render.InboxViews`). It decides and writes through `rules`, commits where the
member or the coordinators may act on the result at once ("commit, then speak"), then tells
people through the `Inbox`. What it returns is rendered by the handler for the person who
acted. No aiogram here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.bridge import Translation, cached
from bot.config import Settings
from bot.messenger import Messenger, Undeliverable
from bot.questions import outbox, rules, volunteering
from bot.questions.relay import Inbox, Views
from bot.questions.translation import Translator
from bot.services.roles import Actor, NotAllowed
from db.models import (
    Member,
    Question,
    QuestionMessage,
    QuestionStatus,
    Region,
    VolunteerRequest,
    VolunteerRequestStatus,
)


@dataclass(frozen=True)
class Sent:
    number: int
    region_name: str | None  # None: no pool, the admins got it


async def send(
    session: AsyncSession,
    settings: Settings,
    member: Member,
    draft: Question,
) -> Sent | None:
    """Send a draft to the coordinators; None when another tap on Send is sending it already.

    The question is stored with what its coordinators are owed and committed; the outbox
    brings it to their chat (`bot.questions.outbox`), so the member never waits for a busy
    group. Raises QuestionError (e.g. "empty") when it cannot be sent.
    """
    if draft.status == QuestionStatus.DRAFT:
        await rules.check_limits(session, member, draft)  # a held message (`start_draft`)
    if not await rules.submit(session, draft):
        return None
    await outbox.queue(session, draft)
    await session.commit()  # the number is taken, whatever happens on Telegram's side
    outbox.wake()
    region = await session.get(Region, draft.region_id) if draft.region_id else None
    return Sent(draft.id, region.name if region is not None else None)


class Followed(StrEnum):
    NO_QUESTION = "no_question"  # not a reply to a message of one of the member's questions
    CLOSED = "closed"  # closed too long ago to be opened again by the member
    ADDED = "added"
    REOPENED = "reopened"


@dataclass(frozen=True)
class FollowUp:
    outcome: Followed
    number: int = 0


async def follow_up(
    session: AsyncSession,
    messenger: Messenger,
    views: Views,
    settings: Settings,
    member: Member,
    *,
    reply_to: int,
    kind: str,
    text: str | None,
    message_id: int,
) -> FollowUp:
    """A member's reply to a message of their question joins it (and opens it again if
    closed); the outbox copies it to the coordinators."""
    question = await rules.by_member_reply(session, member, reply_to)
    if question is None:
        return FollowUp(Followed.NO_QUESTION)
    reopened = question.status == QuestionStatus.CLOSED
    if reopened and not rules.member_may_reopen(question):
        return FollowUp(Followed.CLOSED, question.id)
    if reopened:
        rules.reopen(question)
        await outbox.queue(session, question, outbox.STATE)  # the topic opens before the copy
    await rules.add_incoming(session, question, kind, text, message_id)
    await outbox.queue(session, question)
    await session.commit()
    outbox.wake()
    return FollowUp(Followed.REOPENED if reopened else Followed.ADDED, question.id)


async def join_open(session: AsyncSession, member: Member, question_id: int) -> FollowUp:
    """The member's held message(s) (their draft) join one of their open questions, as a
    follow-up does; the outbox copies them to the coordinators (translated where the
    bridge translates). QuestionError("gone") when there is nothing to add or no such
    open question of theirs."""
    draft = await rules.draft_of(session, member)
    question = await session.get(Question, question_id)
    if (
        draft is None
        or question is None
        or question.member_id != member.id
        or question.status not in rules.OPEN_STATES
    ):
        raise rules.QuestionError("gone")
    for row in await rules.messages(session, draft, "in"):
        assert row.member_message_id is not None
        await rules.add_incoming(session, question, row.kind, row.text, row.member_message_id)
    await session.delete(draft)
    await outbox.queue(session, question)
    await session.commit()
    outbox.wake()
    return FollowUp(Followed.ADDED, question.id)


async def answer(
    session: AsyncSession,
    messenger: Messenger,
    views: Views,
    settings: Settings,
    question: Question,
    *,
    chat_id: int,
    message_id: int,
    author_id: int,
    kind: str,
    text: str | None,
    translator: Translator | None = None,
) -> str | None:
    """Relay a coordinator's message to the member; None when delivered, else why not
    ("blocked", "gone", "failed"). The first answer updates the cards (they offer
    "Add to FAQ" from then on)."""
    first = question.first_answer_at is None
    failure = await Inbox(messenger, session, settings, views, translator).relay_answer(
        question, chat_id, message_id, author_id, kind, text
    )
    if first and question.first_answer_at is not None:
        await outbox.queue(session, question, outbox.STATE)
    await session.commit()  # the member may reply to the answer at once
    if first and question.first_answer_at is not None:
        outbox.wake()
    return failure


async def close(
    session: AsyncSession,
    messenger: Messenger,
    views: Views,
    settings: Settings,
    actor: Actor,
    question: Question,
) -> bool:
    """Close the question and ask the member to rate the answer; False if it was closed.
    Its open volunteer translation requests end (reopening does not bring them back)."""
    if not await rules.close(session, actor, question):
        return False
    withdrawn = await volunteering.withdraw(session, [question.id], settings.default_locale)
    await outbox.queue(session, question, outbox.STATE)  # the topic closed, the cards
    await session.commit()  # the member may press the rating buttons at once
    outbox.wake()
    await volunteering.tell(messenger, views.request_withdrawn, withdrawn)
    member = await session.get(Member, question.member_id)
    if member is not None:
        text, markup = views.closed(member.language or settings.default_locale, question.id)
        try:
            await messenger.send_text(member.telegram_id, text, markup=markup)
        except Undeliverable:
            pass
    return True


async def reopen(
    session: AsyncSession,
    messenger: Messenger,
    views: Views,
    settings: Settings,
    actor: Actor,
    question: Question,
) -> bool:
    """A coordinator opens a closed question again; False if it was not closed."""
    if not await rules.staff_reopen(session, actor, question):
        return False
    await _state(session, question)
    return True


async def card_action(
    session: AsyncSession,
    messenger: Messenger,
    views: Views,
    settings: Settings,
    actor: Actor,
    question_id: int,
    action: str,
) -> None:
    """A button on a question's card: assign, urgent, close or reopen; NotAllowed otherwise."""
    question = await rules.for_staff(session, actor, question_id)
    if action == "assign":
        await rules.assign(session, actor, question)
    elif action == "urgent":
        await rules.mark_urgent(session, actor, question)
    elif action == "close":
        await close(session, messenger, views, settings, actor, question)
        return
    elif action == "reopen":
        await rules.staff_reopen(session, actor, question)
    else:
        raise NotAllowed
    await _state(session, question)


async def _state(session: AsyncSession, question: Question) -> None:
    """The topic and the cards follow the question (the outbox's "state" job)."""
    await outbox.queue(session, question, outbox.STATE)
    await session.commit()
    outbox.wake()


@dataclass(frozen=True)
class Line:
    """One message of a question in the member's /myquestions."""

    mine: bool  # the member's own message (else an answer)
    kind: str
    text: str | None
    machine: Translation | None = None  # the answer in the member's language, by a machine
    volunteer: str | None = None  # the answer in the member's language, by a volunteer


@dataclass(frozen=True)
class Listed:
    question: Question
    lines: list[Line]


async def my_questions(
    session: AsyncSession, settings: Settings, member: Member, translator: Translator | None = None
) -> list[Listed]:
    """The member's latest questions with their messages; answers in the member's language
    where a volunteer or machine translation exists, else translated now when a provider is
    configured (waiting at most the translator's short wait: the list never waits longer)."""
    questions = await rules.of_member(session, member)
    volunteered = await _volunteer_translations(session, [q.id for q in questions])
    listing: list[tuple[Question, list[tuple[QuestionMessage, str | None]]]] = []
    for question in questions:
        rows = [
            r
            for r in await rules.messages(session, question)
            if r.direction in ("in", "out") and r.kind != "header"
        ]
        found = {
            r.id: volunteered.get((r.coordinator_chat_id, r.coordinator_message_id))
            for r in rows
            if r.direction == "out" and r.kind != "volunteer"
        }
        listing.append((question, [
            (r, found.get(r.id))
            for r in rows
            if not (r.kind == "volunteer" and r.text in found.values())  # shown with its answer
        ]))  # fmt: skip
    language = member.language or settings.default_locale
    wanted = [
        row.text
        for _question, rows in listing
        for row, by_volunteer in rows
        if row.direction == "out"
        and row.kind not in ("volunteer", "template")  # a template went in its own language
        and row.text
        and not by_volunteer
    ]
    machine: dict[str, Translation] = {}
    source = settings.staff_language
    if wanted and language != source:
        machine = await cached(session, wanted, source, language)
        missing = [text for text in dict.fromkeys(wanted) if text not in machine]
        if missing and translator is not None and translator.active:
            results = await translator.translate_many(
                missing, source, language, member_id=member.id
            )
            machine |= {
                text: result
                for text, result in zip(missing, results, strict=True)
                if isinstance(result, Translation)
            }
    return [
        Listed(question, [
            Line(row.direction == "in", row.kind, row.text,
                 machine.get(row.text or "") if row.direction == "out" and not by_volunteer
                 else None,
                 by_volunteer)
            for row, by_volunteer in rows
        ])
        for question, rows in listing
    ]  # fmt: skip


async def _volunteer_translations(
    session: AsyncSession, question_ids: list[int]
) -> dict[tuple[int | None, int | None], str]:
    """Volunteers' translations of answers, by the answer's message in the coordinators' chat."""
    if not question_ids:
        return {}
    done = await session.scalars(
        select(VolunteerRequest)
        .where(
            VolunteerRequest.question_id.in_(question_ids),
            VolunteerRequest.kind == "answer",
            VolunteerRequest.status == VolunteerRequestStatus.DONE,
        )
        .order_by(VolunteerRequest.id)
    )
    return {(r.reply_chat_id, r.reply_message_id): r.translation for r in done if r.translation}
