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

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.messenger import Messenger, Undeliverable
from bot.questions import outbox, rules
from bot.questions.relay import Inbox, Views
from bot.questions.translation import Translator
from bot.services.roles import Actor, NotAllowed
from db.models import Member, Question, QuestionStatus, Region


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
    await rules.add_incoming(session, question, kind, text, message_id)
    await outbox.queue(session, question)
    await session.commit()
    outbox.wake()
    if reopened:
        await Inbox(messenger, session, settings, views).set_topic_open(question, True)
    return FollowUp(Followed.REOPENED if reopened else Followed.ADDED, question.id)


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
    ("blocked", "gone", "failed")."""
    failure = await Inbox(messenger, session, settings, views, translator).relay_answer(
        question, chat_id, message_id, author_id, kind, text
    )
    await session.commit()  # the member may reply to the answer at once
    return failure


async def close(
    session: AsyncSession,
    messenger: Messenger,
    views: Views,
    settings: Settings,
    actor: Actor,
    question: Question,
) -> bool:
    """Close the question and ask the member to rate the answer; False if it was closed."""
    if not await rules.close(session, actor, question):
        return False
    await session.commit()  # the member may press the rating buttons at once
    inbox = Inbox(messenger, session, settings, views)
    await inbox.set_topic_open(question, False)
    member = await session.get(Member, question.member_id)
    if member is not None:
        text, markup = views.closed(member.language or settings.default_locale, question.id)
        try:
            await messenger.send_text(member.telegram_id, text, markup=markup)
        except Undeliverable:
            pass
    await inbox.refresh_cards(question)
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
    inbox = Inbox(messenger, session, settings, views)
    await inbox.set_topic_open(question, True)
    await inbox.refresh_cards(question)
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
    inbox = Inbox(messenger, session, settings, views)
    if action == "assign":
        await rules.assign(session, actor, question)
    elif action == "urgent":
        await rules.mark_urgent(session, actor, question)
    elif action == "close":
        await close(session, messenger, views, settings, actor, question)
        return
    elif action == "reopen":
        if await rules.staff_reopen(session, actor, question):
            await inbox.set_topic_open(question, True)
    else:
        raise NotAllowed
    await inbox.refresh_cards(question)
