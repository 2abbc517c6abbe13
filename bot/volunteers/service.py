"""Volunteer translators ("language buddies") from the pools.

Members choose the directions they can translate (their language ↔ STAFF_LANGUAGE). A
coordinator asks for a translation of a question or of an answer; the request goes, as text
only, to one available volunteer of the pair: round-robin, at most `MAX_OPEN` open requests
each, never the asker. A declined or timed-out request moves to the next volunteer; when
nobody is left the coordinators are told. The translation is posted where the coordinators
are and, for answers, sent to the member.

Use cases decide, write, commit, then speak through a `Messenger`; texts come from `Views`
(implemented in `bot.volunteers.views`). No aiogram here.
"""

from __future__ import annotations

import logging
import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import SUPPORTED_LOCALES, Settings
from bot.messenger import Markup, Messenger, Undeliverable
from bot.questions import rules
from bot.questions.relay import Inbox
from bot.questions.relay import Views as InboxViews
from bot.questions.volunteering import Withdrawn, holders
from bot.services import members
from bot.services.roles import Actor, NotAllowed
from db.base import utcnow
from db.models import (
    Member,
    MemberStatus,
    ProfileAnswer,
    Question,
    QuestionMessage,
    QuestionStatus,
    Volunteer,
    VolunteerAttempt,
    VolunteerPair,
    VolunteerRequest,
)
from db.models import VolunteerRequestStatus as Status

log = logging.getLogger(__name__)

MAX_OPEN = 3
OPEN = (Status.WAITING, Status.ASSIGNED)
INTAKE_QUESTION = "volunteer"  # the intake question whose "yes" leads to the pair choice
MAY_VOLUNTEER = (MemberStatus.ACTIVE, MemberStatus.PENDING, MemberStatus.PAUSED)


class Views(Protocol):
    """Texts and keyboards of the volunteer flow, each rendered in `locale`."""

    def request(
        self, locale: str, request_id: int, source: str, target: str, text: str
    ) -> tuple[str, Markup]:
        """What the volunteer gets: the text only, and a Decline button."""
        ...

    def request_over(self, locale: str, request_id: int) -> str:
        """The volunteer's time for a request ran out; it went to someone else."""
        ...

    def translation_for_staff(
        self, locale: str, number: int, source: str, target: str, text: str
    ) -> str: ...

    def translation_for_member(self, locale: str, number: int, text: str) -> str: ...

    def nobody(self, locale: str, number: int) -> str:
        """The coordinators' notice that no volunteer is available."""
        ...


# --- being a volunteer ---------------------------------------------------------------


async def volunteer_of(session: AsyncSession, member: Member) -> Volunteer | None:
    return await session.scalar(select(Volunteer).where(Volunteer.member_id == member.id))


async def pairs_of(session: AsyncSession, member: Member) -> list[tuple[str, str]]:
    volunteer = await volunteer_of(session, member)
    if volunteer is None:
        return []
    rows = await session.scalars(
        select(VolunteerPair)
        .where(VolunteerPair.volunteer_id == volunteer.id)
        .order_by(VolunteerPair.id)
    )
    return [(p.source, p.target) for p in rows]


def may_volunteer(member: Member | None) -> bool:
    return member is not None and member.status in MAY_VOLUNTEER


def first_language(member: Member, settings: Settings) -> str | None:
    """The language the pair choice opens with: the member's own, unless it is the staff's."""
    language = member.language
    return language if language and language != settings.staff_language else None


def valid_language(language: str, settings: Settings) -> bool:
    return language in SUPPORTED_LOCALES and language != settings.staff_language


async def toggle_pair(
    session: AsyncSession, settings: Settings, member: Member, language: str, to_staff: bool
) -> list[tuple[str, str]]:
    """Add or remove one direction between `language` and the staff language; commits.

    NotAllowed for a non-member or a language that is not offered (a forged button).
    """
    if not may_volunteer(member) or not valid_language(language, settings):
        raise NotAllowed
    staff = settings.staff_language
    source, target = (language, staff) if to_staff else (staff, language)
    volunteer = await volunteer_of(session, member)
    if volunteer is None:
        volunteer = Volunteer(member_id=member.id, created_at=utcnow())
        session.add(volunteer)
        await session.flush()
    existing = await session.scalar(
        select(VolunteerPair).where(
            VolunteerPair.volunteer_id == volunteer.id,
            VolunteerPair.source == source,
            VolunteerPair.target == target,
        )
    )
    if existing is None:
        session.add(VolunteerPair(volunteer_id=volunteer.id, source=source, target=target))
    else:
        await session.delete(existing)
    await session.commit()
    return await pairs_of(session, member)


async def stop(
    session: AsyncSession,
    messenger: Messenger,
    views: Views,
    inbox_views: InboxViews,
    settings: Settings,
    member: Member,
) -> bool:
    """Stop volunteering: the pairs go, open requests move on; False if they were not one."""
    volunteer = await volunteer_of(session, member)
    if volunteer is None:
        return False
    held = list(
        await session.scalars(
            select(VolunteerRequest).where(
                VolunteerRequest.volunteer_id == volunteer.id,
                VolunteerRequest.status == Status.ASSIGNED,
            )
        )
    )
    for pair in list(
        await session.scalars(
            select(VolunteerPair).where(VolunteerPair.volunteer_id == volunteer.id)
        )
    ):
        await session.delete(pair)
    shown = {r.id: await card_status(session, r.question_id) for r in held}
    for request in held:
        _give_back(session, request, volunteer.id, "stopped")
    await session.commit()
    for request in held:
        await _dispatch(
            session, messenger, views, inbox_views, settings, request, shown[request.id]
        )
    return True


async def said_yes_in_intake(session: AsyncSession, member: Member) -> bool:
    value = await session.scalar(
        select(ProfileAnswer.value).where(
            ProfileAnswer.member_id == member.id, ProfileAnswer.question == INTAKE_QUESTION
        )
    )
    return value == '"yes"'


# --- asking for a translation -----------------------------------------------------------


class Asked(StrEnum):
    ASSIGNED = "assigned"  # with a volunteer now
    WAITING = "waiting"  # every volunteer of the pair is busy; asked again later
    NOBODY = "nobody"  # no volunteer for the pair
    NO_TEXT = "no_text"  # nothing to translate (only voice, photos …)
    NOT_NEEDED = "not_needed"  # the reader reads the language already
    ALREADY = "already"  # a request for this text is still open
    NOT_AN_ANSWER = "not_an_answer"  # /translate not in reply to an answer to the member
    CLOSED = "closed"  # the question is closed (closing withdraws its requests)


async def ask_for_question(
    session: AsyncSession,
    messenger: Messenger,
    views: Views,
    inbox_views: InboxViews,
    settings: Settings,
    actor: Actor,
    question_id: int,
) -> Asked:
    """The card's button: the member's texts of the question → the staff language."""
    question = await rules.for_staff(session, actor, question_id)  # NotAllowed if not theirs
    if question.status == QuestionStatus.CLOSED:
        raise NotAllowed
    if question.language == settings.staff_language:
        return Asked.NOT_NEEDED
    incoming = [m for m in await rules.messages(session, question, "in") if m.text]
    if not incoming:
        return Asked.NO_TEXT
    if await _open_request(session, question.id, "question"):
        return Asked.ALREADY
    chat_id = question.coordinator_chat_id if question.thread_id else actor.telegram_id
    request = VolunteerRequest(
        question_id=question.id, member_id=question.member_id, kind="question",
        source=question.language, target=settings.staff_language,
        text="\n\n".join(m.text for m in incoming if m.text), requested_by=actor.telegram_id,
        reply_chat_id=chat_id, reply_message_id=await _copy_of(session, question, incoming[0], chat_id),
        status=Status.WAITING, created_at=utcnow(),
    )  # fmt: skip
    return await _start(session, messenger, views, inbox_views, settings, request)


async def ask_for_answer(
    session: AsyncSession,
    messenger: Messenger,
    views: Views,
    inbox_views: InboxViews,
    settings: Settings,
    actor: Actor,
    chat_id: int,
    reply_to: int,
) -> Asked:
    """/translate in reply to a coordinator's answer: the answer → the member's language."""
    answer = await session.scalar(
        select(QuestionMessage).where(
            QuestionMessage.direction == "out",
            QuestionMessage.coordinator_chat_id == chat_id,
            QuestionMessage.coordinator_message_id == reply_to,
        )
    )
    if answer is None:
        return Asked.NOT_AN_ANSWER
    question = await rules.for_staff(session, actor, answer.question_id)
    member = await session.get(Member, question.member_id)
    if member is None:
        raise NotAllowed
    if question.status == QuestionStatus.CLOSED:
        return Asked.CLOSED
    if not answer.text:
        return Asked.NO_TEXT
    language = member.language or question.language
    if language == settings.staff_language:
        return Asked.NOT_NEEDED
    open_request = await session.scalar(
        select(VolunteerRequest.id).where(
            VolunteerRequest.question_id == question.id,
            VolunteerRequest.reply_chat_id == chat_id,
            VolunteerRequest.reply_message_id == reply_to,
            VolunteerRequest.status.in_(OPEN),
        )
    )
    if open_request is not None:
        return Asked.ALREADY
    request = VolunteerRequest(
        question_id=question.id, member_id=member.id, kind="answer",
        source=settings.staff_language, target=language, text=answer.text,
        requested_by=actor.telegram_id, reply_chat_id=chat_id, reply_message_id=reply_to,
        member_message_id=answer.member_message_id, status=Status.WAITING, created_at=utcnow(),
    )  # fmt: skip
    return await _start(session, messenger, views, inbox_views, settings, request)


async def _open_request(session: AsyncSession, question_id: int, kind: str) -> bool:
    found = await session.scalar(
        select(VolunteerRequest.id).where(
            VolunteerRequest.question_id == question_id,
            VolunteerRequest.kind == kind,
            VolunteerRequest.status.in_(OPEN),
        )
    )
    return found is not None


async def _copy_of(
    session: AsyncSession, question: Question, row: QuestionMessage, chat_id: int | None
) -> int | None:
    """The coordinators' copy of a member's message in `chat_id` (copies keep the order)."""
    incoming = [m.id for m in await rules.messages(session, question, "in")]
    copies = [
        c.coordinator_message_id
        for c in await rules.messages(session, question, "copy")
        if c.coordinator_chat_id == chat_id and c.kind != "header"
    ]
    index = incoming.index(row.id)
    return copies[index] if index < len(copies) else None


async def _start(
    session: AsyncSession,
    messenger: Messenger,
    views: Views,
    inbox_views: InboxViews,
    settings: Settings,
    request: VolunteerRequest,
) -> Asked:
    shown = await card_status(session, request.question_id)
    session.add(request)
    await session.flush()
    return await _dispatch(session, messenger, views, inbox_views, settings, request, shown)


async def _dispatch(
    session: AsyncSession,
    messenger: Messenger,
    views: Views,
    inbox_views: InboxViews,
    settings: Settings,
    request: VolunteerRequest,
    shown: tuple[str, str] | None,
) -> Asked:
    """Give the request to the next available volunteer (or wait, or tell that nobody is there).

    Commits the decision, then speaks; a volunteer who cannot be reached is skipped.
    """
    while True:
        outcome, volunteer = await _choose(session, request)
        now = utcnow()
        if volunteer is not None:
            request.status, request.volunteer_id = Status.ASSIGNED, volunteer.id
            request.assigned_at, volunteer.last_assigned_at = now, now
            request.volunteer_message_id = None
        else:
            request.status = Status.WAITING if outcome is Asked.WAITING else Status.NOBODY
            request.volunteer_id = None
        await session.commit()
        if volunteer is None:
            break
        member = await session.get(Member, volunteer.member_id)
        assert member is not None
        text, markup = views.request(
            member.language or settings.default_locale, request.id, request.source,
            request.target, request.text,
        )  # fmt: skip
        try:
            request.volunteer_message_id = await messenger.send_text(
                member.telegram_id, text, markup=markup
            )
        except Undeliverable as exc:
            log.info("volunteer not reachable", extra={"reason": str(exc)})
            _give_back(session, request, volunteer.id, "unreachable")
            continue
        await session.commit()
        break
    if request.status == Status.NOBODY:
        await _tell_nobody(session, messenger, views, settings, request)
    await _refresh_card(session, messenger, inbox_views, settings, request.question_id, shown)
    return outcome


async def _choose(
    session: AsyncSession, request: VolunteerRequest
) -> tuple[Asked, Volunteer | None]:
    tried = set(
        await session.scalars(
            select(VolunteerAttempt.volunteer_id).where(VolunteerAttempt.request_id == request.id)
        )
    )
    candidates = list(
        await session.scalars(
            select(Volunteer)
            .join(VolunteerPair)
            .join(Member, Member.id == Volunteer.member_id)
            .where(
                VolunteerPair.source == request.source,
                VolunteerPair.target == request.target,
                Member.status == MemberStatus.ACTIVE,
                Member.id != request.member_id,  # never the asker themself
            )
            .order_by(
                Volunteer.last_assigned_at.is_not(None), Volunteer.last_assigned_at, Volunteer.id
            )
        )
    )
    candidates = [v for v in candidates if v.id not in tried]
    if not candidates:
        return Asked.NOBODY, None
    for volunteer in candidates:
        if await _open_count(session, volunteer.id) < MAX_OPEN:
            return Asked.ASSIGNED, volunteer
    return Asked.WAITING, None


async def _open_count(session: AsyncSession, volunteer_id: int) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(VolunteerRequest)
        .where(
            VolunteerRequest.volunteer_id == volunteer_id,
            VolunteerRequest.status == Status.ASSIGNED,
        )
    )
    return int(count or 0)


def _give_back(
    session: AsyncSession, request: VolunteerRequest, volunteer_id: int, why: str
) -> None:
    session.add(
        VolunteerAttempt(
            request_id=request.id, volunteer_id=volunteer_id, outcome=why,
            message_id=request.volunteer_message_id, at=utcnow(),
        )
    )  # fmt: skip
    request.status, request.volunteer_id, request.volunteer_message_id = Status.WAITING, None, None


async def _coordinator_locale(session: AsyncSession, settings: Settings, chat_id: int) -> str:
    reader = await members.get_by_telegram_id(session, chat_id)
    return reader.language if reader and reader.language else settings.default_locale


async def _staff_chat(
    session: AsyncSession, settings: Settings, request: VolunteerRequest
) -> tuple[int, int | None, str] | None:
    """Where the coordinators read about this request: chat, thread, locale."""
    question = await session.get(Question, request.question_id)
    if question is None:
        return None
    if question.thread_id is not None and question.coordinator_chat_id is not None:
        return question.coordinator_chat_id, question.thread_id, settings.default_locale
    chat_id = request.requested_by
    return chat_id, None, await _coordinator_locale(session, settings, chat_id)


async def _tell_nobody(
    session: AsyncSession,
    messenger: Messenger,
    views: Views,
    settings: Settings,
    request: VolunteerRequest,
) -> None:
    where = await _staff_chat(session, settings, request)
    if where is None:
        return
    chat_id, thread_id, locale = where
    try:
        await messenger.send_text(
            chat_id, views.nobody(locale, request.question_id), thread_id=thread_id
        )
    except Undeliverable as exc:
        log.warning("coordinators not told about a missing volunteer", extra={"reason": str(exc)})


async def _refresh_card(
    session: AsyncSession,
    messenger: Messenger,
    inbox_views: InboxViews,
    settings: Settings,
    question_id: int,
    shown: tuple[str, str] | None,
) -> None:
    """Edit the question's cards when what they show of volunteers changed (an edit that
    changes nothing is refused by Telegram)."""
    if await card_status(session, question_id) == shown:
        return
    question = await session.get(Question, question_id)
    if question is not None:
        await Inbox(messenger, session, settings, inbox_views).refresh_cards(question)


# --- the volunteer's side ---------------------------------------------------------------


class Handed(StrEnum):
    SENT = "sent"
    CLOSED = "closed"  # the request is no longer theirs (time ran out, or it was done)
    NOT_NEEDED = "not_needed"  # it was theirs, but its question was closed or removed
    EMPTY = "empty"


async def request_replied_to(
    session: AsyncSession, member: Member, reply_to: int
) -> VolunteerRequest | None:
    """The request (any state) whose message to this volunteer they replied to."""
    volunteer = await volunteer_of(session, member)
    if volunteer is None:
        return None
    found = await session.scalar(
        select(VolunteerRequest).where(
            VolunteerRequest.volunteer_message_id == reply_to,
            VolunteerRequest.volunteer_id == volunteer.id,
        )
    )
    if found is not None:
        return found
    # A request that moved on to someone else: its attempt keeps the message id.
    return await session.scalar(
        select(VolunteerRequest)
        .join(VolunteerAttempt)
        .where(
            VolunteerAttempt.volunteer_id == volunteer.id, VolunteerAttempt.message_id == reply_to
        )
    )


async def hand_in(
    session: AsyncSession,
    messenger: Messenger,
    views: Views,
    inbox_views: InboxViews,
    settings: Settings,
    member: Member,
    request: VolunteerRequest,
    translation: str,
) -> Handed:
    """The volunteer's translation: stored, committed, then posted and (answers) sent on."""
    volunteer = await volunteer_of(session, member)
    if volunteer is None or request.volunteer_id != volunteer.id:
        return Handed.CLOSED
    if request.status == Status.CANCELLED:
        return Handed.NOT_NEEDED
    if request.status != Status.ASSIGNED:
        return Handed.CLOSED
    translation = translation.strip()
    if not translation:
        return Handed.EMPTY
    shown = await card_status(session, request.question_id)
    request.status, request.translation, request.done_at = Status.DONE, translation, utcnow()
    await session.commit()
    question = await session.get(Question, request.question_id)
    where = await _staff_chat(session, settings, request)
    if where is not None and question is not None:
        chat_id, thread_id, locale = where
        text = views.translation_for_staff(
            locale, question.id, request.source, request.target, translation
        )
        reply_to = request.reply_message_id if request.reply_chat_id == chat_id else None
        try:
            await messenger.send_text(chat_id, text, thread_id=thread_id, reply_to=reply_to)
        except Undeliverable as exc:
            log.warning("volunteer translation not posted", extra={"reason": str(exc)})
    if request.kind == "answer" and question is not None:
        await _to_member(session, messenger, views, settings, question, request, translation)
    await _refresh_card(session, messenger, inbox_views, settings, request.question_id, shown)
    await retry_waiting(session, messenger, views, inbox_views, settings)
    return Handed.SENT


async def _to_member(
    session: AsyncSession,
    messenger: Messenger,
    views: Views,
    settings: Settings,
    question: Question,
    request: VolunteerRequest,
    translation: str,
) -> None:
    member = await session.get(Member, question.member_id)
    if member is None:
        return
    text = views.translation_for_member(
        member.language or settings.default_locale, question.id, translation
    )
    try:
        sent = await messenger.send_text(
            member.telegram_id, text, reply_to=request.member_message_id
        )
    except Undeliverable as exc:
        log.warning("volunteer translation not delivered", extra={"reason": str(exc)})
        return
    session.add(
        QuestionMessage(
            question_id=question.id, direction="out", kind="volunteer", text=translation,
            member_message_id=sent, delivered=True, created_at=utcnow(),
        )
    )  # fmt: skip
    await session.commit()  # the member may reply to the translation at once


async def decline(
    session: AsyncSession,
    messenger: Messenger,
    views: Views,
    inbox_views: InboxViews,
    settings: Settings,
    member: Member | None,
    request_id: int,
) -> None:
    """The volunteer's Decline button; NotAllowed when the request is not (any more) theirs."""
    volunteer = await volunteer_of(session, member) if member is not None else None
    request = await session.get(VolunteerRequest, request_id)
    if (
        volunteer is None
        or request is None
        or request.volunteer_id != volunteer.id
        or request.status != Status.ASSIGNED
    ):
        raise NotAllowed
    shown = await card_status(session, request.question_id)
    _give_back(session, request, volunteer.id, "declined")
    await session.commit()
    await _dispatch(session, messenger, views, inbox_views, settings, request, shown)


async def expire(
    session: AsyncSession,
    messenger: Messenger,
    views: Views,
    inbox_views: InboxViews,
    settings: Settings,
    now: datetime | None = None,
) -> int:
    """The scheduler's check: requests past VOLUNTEER_TIMEOUT_HOURS move to the next volunteer,
    waiting ones are offered again. Returns how many moved on."""
    now = now or utcnow()
    limit = now - timedelta(hours=settings.volunteer_timeout_hours)
    late = list(
        await session.scalars(
            select(VolunteerRequest).where(
                VolunteerRequest.status == Status.ASSIGNED, VolunteerRequest.assigned_at < limit
            )
        )
    )
    told: list[tuple[int, int | None, int]] = []
    shown: dict[int, tuple[str, str] | None] = {}
    for request in late:
        volunteer = (
            await session.get(Volunteer, request.volunteer_id) if request.volunteer_id else None
        )
        helper = await session.get(Member, volunteer.member_id) if volunteer else None
        if helper is not None:
            told.append((helper.telegram_id, request.volunteer_message_id, request.id))
        shown[request.id] = await card_status(session, request.question_id)
        if volunteer is not None:
            _give_back(session, request, volunteer.id, "timeout")
        else:
            request.status = Status.WAITING
    await session.commit()
    for telegram_id, message_id, request_id in told:
        locale = await _coordinator_locale(session, settings, telegram_id)
        if message_id:
            try:  # the Decline button of a request that is no longer theirs goes
                await messenger.edit_markup(telegram_id, message_id, None)
            except Undeliverable as exc:
                log.info("request buttons not removed", extra={"reason": str(exc)})
        try:
            await messenger.send_text(telegram_id, views.request_over(locale, request_id))
        except Undeliverable as exc:
            log.info("volunteer not told about the timeout", extra={"reason": str(exc)})
    await retry_waiting(session, messenger, views, inbox_views, settings, shown)
    return len(late)


async def retry_waiting(
    session: AsyncSession,
    messenger: Messenger,
    views: Views,
    inbox_views: InboxViews,
    settings: Settings,
    shown: dict[int, tuple[str, str] | None] | None = None,
) -> None:
    """Offer waiting requests again (a volunteer may have room now); `shown`: what the cards
    of some requests show, when it differs from the stored state."""
    waiting = list(
        await session.scalars(
            select(VolunteerRequest)
            .join(Question, Question.id == VolunteerRequest.question_id)
            .where(
                VolunteerRequest.status == Status.WAITING,
                Question.status != QuestionStatus.CLOSED,  # withdrawn when closed; never sent
            )
            .order_by(VolunteerRequest.id)
        )
    )
    for request in waiting:
        before = (shown or {}).get(request.id, await card_status(session, request.question_id))
        await _dispatch(session, messenger, views, inbox_views, settings, request, before)


# --- what the inbox, /mydata, /delete and /stats see ----------------------------------------


async def card_status(session: AsyncSession, question_id: int) -> tuple[str, str] | None:
    """(kind, status) of the question's latest volunteer request, for its card."""
    request = await session.scalar(
        select(VolunteerRequest)
        .where(VolunteerRequest.question_id == question_id)
        .order_by(VolunteerRequest.id.desc())
        .limit(1)
    )
    return (request.kind, request.status) if request is not None else None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


async def export(session: AsyncSession, member: Member) -> dict[str, Any]:
    """The member's part in /mydata: their texts that went to a volunteer (not to whom), and,
    if they volunteer, their pairs and what they translated."""
    about = await session.scalars(
        select(VolunteerRequest)
        .where(VolunteerRequest.member_id == member.id)
        .order_by(VolunteerRequest.id)
    )
    data: dict[str, Any] = {
        "texts_sent_to_a_volunteer_translator": [
            {
                "question": r.question_id,
                "text": r.kind,
                "from": r.source,
                "to": r.target,
                "status": r.status,
                "at": _iso(r.created_at),
            }
            for r in about
        ],  # fmt: skip
        "you_as_volunteer_translator": None,
    }
    volunteer = await volunteer_of(session, member)
    if volunteer is not None:
        done = await session.scalars(
            select(VolunteerRequest)
            .where(
                VolunteerRequest.volunteer_id == volunteer.id,
                VolunteerRequest.status == Status.DONE,
            )
            .order_by(VolunteerRequest.id)
        )
        data["you_as_volunteer_translator"] = {
            "since": _iso(volunteer.created_at),
            "pairs": [f"{s}→{t}" for s, t in await pairs_of(session, member)],
            "translated": [
                {
                    "from": r.source,
                    "to": r.target,
                    "translation": r.translation,
                    "at": _iso(r.done_at),
                }
                for r in done
            ],
        }
    return data


@dataclass(frozen=True)
class Erased:
    """What /delete must still do in volunteers' chats once the rows are gone."""

    messages: list[tuple[int, int]]  # (chat, message) of requests with the member's texts
    withdrawn: list[Withdrawn]  # volunteers holding one of them, to tell it is not needed


async def erase(session: AsyncSession, member: Member, default_locale: str) -> Erased:
    """Before the member's row goes: their volunteer row, pairs and translations go too, open
    requests they hold move back to the queue; requests about their texts go by CASCADE.
    Returns the request messages (every volunteer who got one, also those who gave it back)
    to remove, and the volunteers holding one now."""
    about = list(
        await session.scalars(
            select(VolunteerRequest).where(VolunteerRequest.member_id == member.id)
        )
    )
    withdrawn = await holders(session, about, default_locale)
    messages = []
    for request in about:
        sent = [(request.volunteer_id, request.volunteer_message_id)]
        sent += [
            (a.volunteer_id, a.message_id)
            for a in await session.scalars(
                select(VolunteerAttempt).where(VolunteerAttempt.request_id == request.id)
            )
        ]
        for volunteer_id, message_id in sent:
            volunteer = await session.get(Volunteer, volunteer_id) if volunteer_id else None
            helper = await session.get(Member, volunteer.member_id) if volunteer else None
            if helper is not None and message_id:
                messages.append((helper.telegram_id, message_id))
    volunteer = await volunteer_of(session, member)
    if volunteer is not None:
        for request in list(
            await session.scalars(
                select(VolunteerRequest).where(VolunteerRequest.volunteer_id == volunteer.id)
            )
        ):
            if request.status == Status.DONE:
                await session.delete(request)
            else:
                request.status, request.volunteer_id = Status.WAITING, None
                request.volunteer_message_id = None
        await session.delete(volunteer)  # pairs and attempts go with it (CASCADE)
    await session.flush()
    return Erased(messages, withdrawn)


@dataclass
class LanguageStats:
    language: str
    volunteers: int = 0
    done: int = 0
    median_time: timedelta | None = None
    _times: list[float] = field(default_factory=list, repr=False)


async def stats(
    session: AsyncSession, settings: Settings, region_ids: list[int]
) -> dict[int, list[LanguageStats]]:
    """Per region: volunteers per language (the side that is not the staff language), how many
    requests they finished and the median time from asking them to their translation."""
    result: dict[int, dict[str, LanguageStats]] = {r: {} for r in region_ids}
    rows = await session.execute(
        select(Member.region_id, Volunteer.id, VolunteerPair.source, VolunteerPair.target)
        .join(Volunteer, Volunteer.member_id == Member.id)
        .join(VolunteerPair, VolunteerPair.volunteer_id == Volunteer.id)
        .where(Member.region_id.in_(region_ids))
    )
    counted: set[tuple[int, str, int]] = set()
    for region_id, volunteer_id, source, target in rows:
        language = source if target == settings.staff_language else target
        entry = result[region_id].setdefault(language, LanguageStats(language))
        if (region_id, language, volunteer_id) not in counted:
            counted.add((region_id, language, volunteer_id))
            entry.volunteers += 1
    done = await session.execute(
        select(Member.region_id, VolunteerRequest)
        .join(Volunteer, Volunteer.id == VolunteerRequest.volunteer_id)
        .join(Member, Member.id == Volunteer.member_id)
        .where(Member.region_id.in_(region_ids), VolunteerRequest.status == Status.DONE)
    )
    for region_id, request in done:
        language = request.source if request.target == settings.staff_language else request.target
        entry = result[region_id].setdefault(language, LanguageStats(language))
        entry.done += 1
        if request.assigned_at and request.done_at:
            entry._times.append((request.done_at - request.assigned_at).total_seconds())
    for entries in result.values():
        for entry in entries.values():
            if entry._times:
                entry.median_time = timedelta(seconds=statistics.median(entry._times))
    return {r: sorted(e.values(), key=lambda s: s.language) for r, e in result.items()}
