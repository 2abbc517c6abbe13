"""Question rules: limits, states, who may see and act. No Telegram objects here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.marking import N_
from bot.services import audit
from bot.services.roles import Actor, NotAllowed, require_region
from db.base import utcnow
from db.models import Member, MemberStatus, Question, QuestionMessage, QuestionStatus

TOPICS: dict[str, str] = {
    "work": N_("Work"),
    "housing": N_("Housing"),
    "language": N_("Language and inburgering"),
    "money": N_("Money and benefits"),
    "health": N_("Health"),
    "education": N_("Education"),
    "family": N_("Family"),
    # Translators: topic of a question: none of the topics above
    "other": N_("Other"),
}
MAX_OPEN = 5
MAX_PER_DAY = 10
MAX_DRAFT_MESSAGES = 20
REOPEN_WINDOW = timedelta(days=7)
OPEN_STATES = (QuestionStatus.OPEN, QuestionStatus.ANSWERED)
MAY_ASK = (MemberStatus.ACTIVE, MemberStatus.PAUSED, MemberStatus.PENDING)


class QuestionError(Exception):
    """reason: not_member, too_many_open, rate_limited, draft_full, empty, closed, gone."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def require_asker(member: Member | None) -> Member:
    if member is None or member.status not in MAY_ASK:
        raise QuestionError("not_member")
    return member


# Built once (a member's every message in a question runs them): building the expressions
# per call was about a fifth of the open-question wave's CPU (bench/README.md).
_DRAFT = select(Question).where(
    Question.member_id == bindparam("member"), Question.status == QuestionStatus.DRAFT
)
_OPEN_COUNT = (
    select(func.count())
    .select_from(Question)
    .where(
        Question.member_id == bindparam("member"),
        Question.status.in_(OPEN_STATES),
        Question.id != bindparam("other"),
    )
)
_RECENT_COUNT = (
    select(func.count())
    .select_from(Question)
    .where(
        Question.member_id == bindparam("member"),
        Question.created_at >= bindparam("since"),
        Question.id != bindparam("other"),
    )
)


# A member's questions that decide what a free message may do, in one statement: the draft,
# the open ones (newest first) and those of the last day (the daily limit).
_STANDING = (
    select(Question.id, Question.status, Question.created_at >= bindparam("since"))
    .where(
        Question.member_id == bindparam("member"),
        or_(
            Question.status.in_((QuestionStatus.DRAFT, *OPEN_STATES)),
            Question.created_at >= bindparam("since"),
        ),
    )
    .order_by(Question.id.desc())
)
_NEW_DRAFT = insert(Question).values(
    member_id=bindparam("member"), region_id=bindparam("region"), topic=bindparam("topic"),
    language=bindparam("language"), status=QuestionStatus.DRAFT,
)  # fmt: skip
_INCOMING = insert(QuestionMessage).values(
    question_id=bindparam("question"), direction="in", kind=bindparam("kind"),
    text=bindparam("text"), member_message_id=bindparam("message"),
)  # fmt: skip
_PARTS = (
    select(func.count())
    .select_from(QuestionMessage)
    .where(QuestionMessage.question_id == bindparam("question"))
)
_DROP_PARTS = delete(QuestionMessage).where(QuestionMessage.question_id == bindparam("question"))
_DROP = delete(Question).where(Question.id == bindparam("question"))
_PARTS_IN = _PARTS.where(QuestionMessage.direction == "in")
_MESSAGES = (
    select(QuestionMessage)
    .where(QuestionMessage.question_id == bindparam("question"))
    .order_by(QuestionMessage.id)
)
_MESSAGES_OF = (
    select(QuestionMessage)
    .where(
        QuestionMessage.question_id == bindparam("question"),
        QuestionMessage.direction == bindparam("direction"),
    )
    .order_by(QuestionMessage.id)
)


@dataclass(frozen=True)
class Standing:
    """A member's questions as `standing` read them: what a free message may do."""

    draft_id: int | None
    open_ids: tuple[int, ...]  # newest first
    recent_ids: tuple[int, ...]  # created in the last day, any status

    def check_limits(self, other: int | None = None) -> None:
        """`check_limits` on these rows (`other`: the question being made, not counted)."""
        if sum(1 for id_ in self.open_ids if id_ != other) >= MAX_OPEN:
            raise QuestionError("too_many_open")
        if sum(1 for id_ in self.recent_ids if id_ != other) >= MAX_PER_DAY:
            raise QuestionError("rate_limited")


async def standing(session: AsyncSession, member: Member) -> Standing:
    """The member's draft, open questions and questions of the last day (one statement)."""
    since = utcnow() - timedelta(days=1)
    connection = await session.connection()  # a Core statement: a third less CPU than the ORM's
    rows = (await connection.execute(_STANDING, {"member": member.id, "since": since})).all()
    return Standing(
        draft_id=next((id_ for id_, status, _ in rows if status == QuestionStatus.DRAFT), None),
        open_ids=tuple(id_ for id_, status, _ in rows if status in OPEN_STATES),
        recent_ids=tuple(id_ for id_, _, recent in rows if recent),
    )


async def hold_new(
    session: AsyncSession, member: Member, kind: str, text: str | None, member_message_id: int
) -> int:
    """A new draft (topic "other") holding one incoming message, for a member without a draft
    (`standing`): `start_draft(..., "other", hold=True)` and `add_incoming` as two Core
    inserts (no objects are loaded or flushed). Returns the draft's id."""
    require_asker(member)
    connection = await session.connection()  # Core statements: no ORM bookkeeping
    created = await connection.execute(
        _NEW_DRAFT,
        {"member": member.id, "region": member.region_id, "topic": "other",
         "language": member.language or "nl"},
    )  # fmt: skip
    draft_id = int(created.inserted_primary_key[0])
    await connection.execute(
        _INCOMING,
        {"question": draft_id, "kind": kind, "text": text, "message": member_message_id},
    )
    return draft_id


async def drop_new(session: AsyncSession, draft_id: int) -> None:
    """Undo `hold_new` (before its commit): the draft and its message."""
    connection = await session.connection()
    await connection.execute(_DROP_PARTS, {"question": draft_id})
    await connection.execute(_DROP, {"question": draft_id})


async def draft_of(session: AsyncSession, member: Member) -> Question | None:
    return await session.scalar(_DRAFT, {"member": member.id})


async def check_limits(
    session: AsyncSession, member: Member, draft: Question | None = None
) -> None:
    """A new question is allowed: fewer than MAX_OPEN open, fewer than MAX_PER_DAY today
    (`draft`, the question being made, not counted)."""
    other = draft.id if draft is not None else -1
    open_count = await session.scalar(_OPEN_COUNT, {"member": member.id, "other": other})
    if (open_count or 0) >= MAX_OPEN:
        raise QuestionError("too_many_open")
    since = utcnow() - timedelta(days=1)
    recent = await session.scalar(
        _RECENT_COUNT, {"member": member.id, "since": since, "other": other}
    )
    if (recent or 0) >= MAX_PER_DAY:
        raise QuestionError("rate_limited")


async def start_draft(
    session: AsyncSession, member: Member, topic: str, *, hold: bool = False
) -> Question:
    """The member's draft with `topic` (the one they have, or a new one). `hold`: keep a
    message for now although no new question is allowed yet; it may still join an open
    question (`join_open`), and the limits are checked when it gets a topic."""
    require_asker(member)
    if topic not in TOPICS:
        raise QuestionError("gone")
    existing = await draft_of(session, member)
    if existing is not None:
        if not hold:
            await check_limits(session, member, existing)
        existing.topic = topic
        await session.flush()  # submit() refreshes the row; autoflush is off
        return existing
    if not hold:
        await check_limits(session, member)
    question = Question(
        member_id=member.id, region_id=member.region_id, topic=topic,
        language=member.language or "nl", status=QuestionStatus.DRAFT,
    )  # fmt: skip
    session.add(question)
    await session.flush()
    return question


async def add_incoming(
    session: AsyncSession, question: Question, kind: str, text: str | None, member_message_id: int
) -> QuestionMessage:
    if question.status == QuestionStatus.DRAFT:
        count = await session.scalar(_PARTS, {"question": question.id})
        if (count or 0) >= MAX_DRAFT_MESSAGES:
            raise QuestionError("draft_full")
    row = QuestionMessage(
        question_id=question.id, direction="in", kind=kind, text=text,
        member_message_id=member_message_id, created_at=utcnow(),
    )  # fmt: skip
    session.add(row)
    await session.flush()
    return row


async def submit(session: AsyncSession, question: Question) -> bool:
    """draft → open exactly once, even when two taps on Send race."""
    if not await session.scalar(_PARTS, {"question": question.id}):
        raise QuestionError("empty")
    result = await session.execute(
        update(Question)
        .where(Question.id == question.id, Question.status == QuestionStatus.DRAFT)
        .values(status=QuestionStatus.OPEN, sent_at=utcnow())
    )
    await session.refresh(question)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def cancel_draft(session: AsyncSession, member: Member) -> bool:
    draft = await draft_of(session, member)
    if draft is None:
        return False
    await session.delete(draft)
    await session.flush()
    return True


async def messages(
    session: AsyncSession, question: Question, direction: str | None = None
) -> list[QuestionMessage]:
    if direction:
        rows = await session.scalars(
            _MESSAGES_OF, {"question": question.id, "direction": direction}
        )
    else:
        rows = await session.scalars(_MESSAGES, {"question": question.id})
    return list(rows)


async def incoming_count(session: AsyncSession, question: Question) -> int:
    """How many messages the member sent in `question` (`len(messages(..., "in"))`)."""
    connection = await session.connection()
    return int(await connection.scalar(_PARTS_IN, {"question": question.id}) or 0)


async def by_member_reply(
    session: AsyncSession, member: Member, message_id: int
) -> Question | None:
    """The question a member's reply belongs to (they replied to a message of it)."""
    return await session.scalar(
        select(Question)
        .join(QuestionMessage)
        .where(Question.member_id == member.id, QuestionMessage.member_message_id == message_id)
    )


async def by_thread(session: AsyncSession, chat_id: int, thread_id: int) -> Question | None:
    return await session.scalar(
        select(Question).where(
            Question.coordinator_chat_id == chat_id, Question.thread_id == thread_id
        )
    )


async def by_coordinator_message(
    session: AsyncSession, chat_id: int, message_id: int
) -> Question | None:
    return await session.scalar(
        select(Question)
        .join(QuestionMessage)
        .where(
            QuestionMessage.coordinator_chat_id == chat_id,
            QuestionMessage.coordinator_message_id == message_id,
        )
    )


async def for_staff(session: AsyncSession, who: Actor, question_id: int) -> Question:
    """A question the actor may read and answer; otherwise NotAllowed (also if it's missing)."""
    question = await session.get(Question, question_id)
    if question is None or question.status == QuestionStatus.DRAFT:
        raise NotAllowed
    require_region(who, question.region_id)
    return question


async def member_of(session: AsyncSession, question: Question) -> Member:
    member = await session.get(Member, question.member_id)
    if member is None:
        raise QuestionError("gone")
    return member


def add_note(
    session: AsyncSession, question: Question, chat_id: int, message_id: int, author_id: int
) -> None:
    """A coordinator's internal note in the question's topic: kept, never sent to the member."""
    session.add(
        QuestionMessage(
            question_id=question.id, direction="note", kind="text", text=None,
            coordinator_chat_id=chat_id, coordinator_message_id=message_id, author_id=author_id,
            created_at=utcnow(),
        )
    )  # fmt: skip


def mark_answered(question: Question) -> None:
    if question.status == QuestionStatus.OPEN:
        question.status = QuestionStatus.ANSWERED
    if question.first_answer_at is None:
        question.first_answer_at = utcnow()


async def close(session: AsyncSession, who: Actor, question: Question) -> bool:
    require_region(who, question.region_id)
    if question.status == QuestionStatus.CLOSED:
        return False
    question.status, question.closed_at = QuestionStatus.CLOSED, utcnow()
    await audit.record(
        session,
        who.telegram_id,
        "question_close",
        member_id=question.member_id,
        region_id=question.region_id,
    )
    return True


def reopen(question: Question) -> bool:
    if question.status != QuestionStatus.CLOSED:
        return False
    question.status = QuestionStatus.ANSWERED if question.first_answer_at else QuestionStatus.OPEN
    question.closed_at = None
    return True


async def staff_reopen(session: AsyncSession, who: Actor, question: Question) -> bool:
    require_region(who, question.region_id)
    return reopen(question)


def member_may_reopen(question: Question, now: datetime | None = None) -> bool:
    closed = question.closed_at
    return closed is not None and (now or utcnow()) - closed <= REOPEN_WINDOW


async def assign(session: AsyncSession, who: Actor, question: Question) -> None:
    require_region(who, question.region_id)
    question.assignee_id = who.telegram_id


async def mark_urgent(session: AsyncSession, who: Actor, question: Question) -> None:
    require_region(who, question.region_id)
    question.urgent = not question.urgent


async def open_for_staff(session: AsyncSession, who: Actor) -> list[Question]:
    query = (
        select(Question)
        .where(Question.status.in_(OPEN_STATES))
        .order_by(Question.sent_at, Question.id)
    )
    if not who.is_admin:
        query = query.where(Question.region_id.in_(who.region_ids))
    return list(await session.scalars(query))


async def of_member(session: AsyncSession, member: Member, limit: int = 10) -> list[Question]:
    return list(
        await session.scalars(
            select(Question)
            .where(Question.member_id == member.id, Question.status != QuestionStatus.DRAFT)
            .order_by(Question.id.desc())
            .limit(limit)
        )
    )


async def earlier_count(session: AsyncSession, question: Question) -> int:
    return int(
        await session.scalar(
            select(func.count())
            .select_from(Question)
            .where(
                Question.member_id == question.member_id,
                Question.id < question.id,
                Question.status != QuestionStatus.DRAFT,
            )
        )
        or 0
    )


async def rate(session: AsyncSession, member: Member, question_id: int, value: str) -> None:
    question = await session.get(Question, question_id)
    if question is None or question.member_id != member.id or value not in ("up", "down"):
        raise QuestionError("gone")
    if question.status != QuestionStatus.CLOSED:
        raise QuestionError("closed")
    question.satisfaction = value


async def overdue(session: AsyncSession, older_than: timedelta) -> list[Question]:
    """Open questions without an answer for longer than `older_than`, not reminded since."""
    limit = utcnow() - older_than
    return list(
        await session.scalars(
            select(Question).where(
                Question.status == QuestionStatus.OPEN,
                Question.first_answer_at.is_(None),
                Question.sent_at <= limit,
                (Question.last_reminder_at.is_(None)) | (Question.last_reminder_at <= limit),
            )
        )
    )


@dataclass(frozen=True)
class Destination:
    """Where a question's coordinator copies go: a forum topic or private chats."""

    chat_id: int
    thread_id: int | None
