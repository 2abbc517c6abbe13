"""Retention: how long each kind of data is kept, and removing what is older.

The rules (periods from the settings, 0 keeps that kind):
- closed questions with their messages, their forum topics and the cached translations of
  their texts: RETENTION_CLOSED_QUESTIONS_MONTHS after closing;
- survey responses that can still be linked to a member (member id or keyed hash), and
  unfinished ones: RETENTION_SURVEY_RESPONSES_MONTHS after the survey closed, anonymised by
  the same rule as /delete (bot.surveys.privacy.anonymise);
- the audit log: RETENTION_AUDIT_MONTHS;
- members without any interaction for RETENTION_INACTIVE_MEMBERS_MONTHS are asked, in their
  language, whether they want to stay; RETENTION_CONFIRM_DAYS later, if they did not react,
  they are erased by the /delete use case (bot.privacy.service.forget).
Staff (ADMIN_IDS and role grants) are never asked or removed.

`plan` counts what is due at `now`; `apply` removes it, commits, then speaks through the
Messenger. Both take the clock as an argument, so tests and the CLI decide what "now" is.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import datetime, time, timedelta

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.bridge.service import text_hash
from bot.config import Settings
from bot.messenger import Markup, Messenger, Undeliverable
from bot.privacy import service as privacy
from bot.questions import volunteering
from bot.questions.volunteering import WithdrawnText
from bot.surveys.privacy import anonymise
from db.models import (
    AuditEntry,
    CachedTranslation,
    Member,
    Question,
    QuestionMessage,
    QuestionStatus,
    RoleGrant,
    SurveyResponse,
    SurveyRun,
    SurveyRunStatus,
)

log = logging.getLogger(__name__)
_CHUNK = 500
_STILL_RUNNING = (SurveyRunStatus.SCHEDULED.value, SurveyRunStatus.OPEN.value)


@dataclass(frozen=True)
class Counts:
    """How many of each kind are (or would be) removed, anonymised or asked."""

    closed_questions: int = 0
    translations: int = 0
    survey_responses: int = 0
    audit_entries: int = 0
    members_asked: int = 0
    members_removed: int = 0

    def items(self) -> list[tuple[str, int]]:
        return [(f.name, getattr(self, f.name)) for f in fields(self)]

    @property
    def total(self) -> int:
        return sum(n for _kind, n in self.items())


KINDS = tuple(name for name, _n in Counts().items())


@dataclass
class _Due:
    questions: list[Question] = field(default_factory=list)
    translation_ids: list[int] = field(default_factory=list)
    responses: list[SurveyResponse] = field(default_factory=list)
    audit_cutoff: datetime | None = None
    audit_entries: int = 0
    to_ask: list[Member] = field(default_factory=list)
    to_remove: list[Member] = field(default_factory=list)
    confirmed: list[Member] = field(default_factory=list)  # asked, then came back

    def counts(self) -> Counts:
        return Counts(
            len(self.questions), len(self.translation_ids), len(self.responses),
            self.audit_entries, len(self.to_ask), len(self.to_remove),
        )  # fmt: skip


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the month's last day if shorter)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    last_day = (datetime(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


def next_run(settings: Settings, now: datetime) -> datetime:
    """The next daily run after `now`: RETENTION_TIME in TIMEZONE, as an aware datetime."""
    hour, minute = (int(part) for part in settings.retention_time.split(":"))
    local = now.astimezone(settings.tz)
    moment = datetime.combine(local.date(), time(hour, minute), tzinfo=settings.tz)
    if moment <= local:
        moment = datetime.combine(
            local.date() + timedelta(days=1), time(hour, minute), tzinfo=settings.tz
        )
    return moment


async def _staff_ids(session: AsyncSession, settings: Settings) -> set[int]:
    granted = await session.scalars(
        select(RoleGrant.telegram_id).where(RoleGrant.telegram_id.is_not(None))
    )
    return set(settings.admin_ids) | {i for i in granted if i is not None}


async def _questions(session: AsyncSession, settings: Settings, now: datetime, due: _Due) -> None:
    months = settings.retention_closed_questions_months
    if not months:
        return
    due.questions = list(
        await session.scalars(
            select(Question)
            .where(
                Question.status == QuestionStatus.CLOSED.value,
                Question.closed_at <= months_before(now, months),
            )
            .order_by(Question.id)
        )
    )
    for question in due.questions:
        texts = await session.scalars(
            select(QuestionMessage.text).where(
                QuestionMessage.question_id == question.id, QuestionMessage.text.is_not(None)
            )
        )
        hashes = sorted({text_hash(t) for t in texts if t})
        for start in range(0, len(hashes), _CHUNK):
            due.translation_ids += await session.scalars(
                select(CachedTranslation.id).where(
                    CachedTranslation.member_id == question.member_id,
                    CachedTranslation.text_hash.in_(hashes[start : start + _CHUNK]),
                )
            )
    due.translation_ids = sorted(set(due.translation_ids))


async def _responses(session: AsyncSession, settings: Settings, now: datetime, due: _Due) -> None:
    months = settings.retention_survey_responses_months
    if not months:
        return
    due.responses = list(
        await session.scalars(
            select(SurveyResponse)
            .join(SurveyRun, SurveyRun.id == SurveyResponse.run_id)
            .where(
                SurveyRun.status.not_in(_STILL_RUNNING),
                SurveyRun.close_at <= months_before(now, months),
                or_(
                    SurveyResponse.member_id.is_not(None),
                    SurveyResponse.respondent_key.is_not(None),
                    SurveyResponse.finished.is_(False),
                ),
            )
            .order_by(SurveyResponse.id)
        )
    )


async def _audit(session: AsyncSession, settings: Settings, now: datetime, due: _Due) -> None:
    months = settings.retention_audit_months
    if not months:
        return
    due.audit_cutoff = months_before(now, months)
    due.audit_entries = int(
        await session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.created_at <= due.audit_cutoff)
        )
        or 0
    )


async def _members(session: AsyncSession, settings: Settings, now: datetime, due: _Due) -> None:
    months = settings.retention_inactive_members_months
    if not months:
        return
    staff = await _staff_ids(session, settings)
    inactive_since = months_before(now, months)
    answer_by = now - timedelta(days=settings.retention_confirm_days)
    seen = func.coalesce(Member.last_seen_at, Member.created_at)
    asked = await session.scalars(
        select(Member).where(Member.retention_asked_at.is_not(None)).order_by(Member.id)
    )
    for member in asked:
        if member.telegram_id in staff:
            continue
        assert member.retention_asked_at is not None
        if member.last_seen_at is not None and member.last_seen_at > member.retention_asked_at:
            due.confirmed.append(member)
        elif member.retention_asked_at <= answer_by:
            due.to_remove.append(member)
    due.to_ask = [
        m
        for m in await session.scalars(
            select(Member)
            .where(Member.retention_asked_at.is_(None), seen <= inactive_since)
            .order_by(Member.id)
        )
        if m.telegram_id not in staff
    ]


async def _due(session: AsyncSession, settings: Settings, now: datetime) -> _Due:
    due = _Due()
    for step in (_questions, _responses, _audit, _members):
        await step(session, settings, now, due)
    return due


async def plan(session: AsyncSession, settings: Settings, now: datetime) -> Counts:
    """What `apply` would do at `now`; changes nothing."""
    return (await _due(session, settings, now)).counts()


Ask = Callable[[Member], tuple[str, Markup]]
Blank = Callable[[Member], str]


async def apply(
    session: AsyncSession,
    settings: Settings,
    now: datetime,
    messenger: Messenger,
    *,
    ask: Ask,
    blank_text: Blank,
    withdrawn_text: WithdrawnText | None = None,
) -> Counts:
    """Remove what is due, commit, then ask the inactive members and erase the silent ones.

    `ask(member)` renders the question to an inactive member (text and keyboard) in their
    language; `blank_text(member)` the text that replaces old copies in coordinator chats;
    `withdrawn_text(locale, number)` tells a volunteer a request is no longer needed.
    """
    due = await _due(session, settings, now)
    counts = due.counts()
    topics = [(q.coordinator_chat_id, q.thread_id) for q in due.questions
              if q.coordinator_chat_id and q.thread_id]  # fmt: skip
    for start in range(0, len(due.translation_ids), _CHUNK):
        await session.execute(
            delete(CachedTranslation).where(
                CachedTranslation.id.in_(due.translation_ids[start : start + _CHUNK])
            )
        )
    # Closing withdrew their requests; one still open (closed before that rule) ends here.
    withdrawn = await volunteering.withdraw(
        session, [q.id for q in due.questions], settings.default_locale
    )
    for question in due.questions:
        await session.execute(
            delete(QuestionMessage).where(QuestionMessage.question_id == question.id)
        )
        await session.delete(question)
    for response in due.responses:
        await anonymise(session, response)
    if due.audit_cutoff is not None:
        await session.execute(delete(AuditEntry).where(AuditEntry.created_at <= due.audit_cutoff))
    for member in due.confirmed:
        member.retention_asked_at = None
    for member in due.to_ask:
        member.retention_asked_at = now
    await session.commit()  # decided and stored before anyone hears of it

    for chat_id, thread_id in topics:
        try:
            await messenger.delete_topic(chat_id, thread_id)
        except Undeliverable as exc:
            log.warning("could not remove an old question topic", extra={"error": str(exc)})
    await volunteering.tell(messenger, withdrawn_text, withdrawn)
    for member in due.to_ask:
        text, markup = ask(member)
        try:
            await messenger.send_text(member.telegram_id, text, markup=markup)
        except Undeliverable as exc:  # blocked or gone: removed after the waiting time anyway
            log.info("retention question not delivered", extra={"reason": exc.reason})
    for member in due.to_remove:
        await privacy.forget(
            session, messenger, member, settings, blank_text=blank_text(member),
            withdrawn_text=withdrawn_text,
        )  # fmt: skip
    if counts.total:
        log.info("retention applied", extra=dict(counts.items()))
    return counts


async def keep(session: AsyncSession, member: Member) -> bool:
    """The member pressed "Keep me in the pool": forget the question (no commit).

    Returns False when there was nothing to confirm (an old button)."""
    if member.retention_asked_at is None:
        return False
    member.retention_asked_at = None
    return True
