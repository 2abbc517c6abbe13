"""SQLAlchemy 2 typed models. Keep every type and query portable (SQLite and PostgreSQL)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, TimestampMixin, UTCDateTime, utcnow


class MembershipMode(enum.StrEnum):
    AUTO = "auto"
    APPROVAL = "approval"


class MemberStatus(enum.StrEnum):
    ONBOARDING = "onboarding"
    PENDING = "pending"
    ACTIVE = "active"
    PAUSED = "paused"
    LEFT = "left"
    UNREACHABLE = "unreachable"


class Region(TimestampMixin, Base):
    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    membership_mode: Mapped[str] = mapped_column(String(16), default=MembershipMode.AUTO.value)
    coordinator_chat_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)

    municipalities: Mapped[list[Municipality]] = relationship(
        back_populates="region", order_by="Municipality.name"
    )


class Municipality(Base):
    __tablename__ = "municipalities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    # Accent- and case-folded name for matching what a member types.
    match_key: Mapped[str] = mapped_column(String(128), unique=True)

    region: Mapped[Region] = relationship(back_populates="municipalities")


class Member(TimestampMixin, Base):
    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("telegram_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger)
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default=MemberStatus.ONBOARDING.value)
    region_id: Mapped[int | None] = mapped_column(
        ForeignKey("regions.id", ondelete="SET NULL"), nullable=True, index=True
    )
    municipality_id: Mapped[int | None] = mapped_column(
        ForeignKey("municipalities.id", ondelete="SET NULL"), nullable=True
    )
    # What the member typed when no municipality matched (kept for the coordinators).
    municipality_text: Mapped[str | None] = mapped_column(String(128), nullable=True)
    display_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Where an unfinished onboarding stopped: survives restarts, unlike FSM state.
    onboarding_step: Mapped[str | None] = mapped_column(String(64), nullable=True)
    consent_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The notice version the member agreed may be quoted under (None: no quotes; see Consent).
    quote_consent_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The notice version last shown with its buttons and not yet answered: wrong input then
    # gets a short reminder instead of the whole notice again.
    notice_shown_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # When retention asked this inactive member to confirm they want to stay (bot/retention).
    retention_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    region: Mapped[Region | None] = relationship()
    municipality: Mapped[Municipality | None] = relationship()
    consents: Mapped[list[Consent]] = relationship(
        back_populates="member", cascade="all, delete-orphan", passive_deletes=True
    )
    profile_answers: Mapped[list[ProfileAnswer]] = relationship(
        back_populates="member", cascade="all, delete-orphan", passive_deletes=True
    )


class Consent(Base):
    """Each consent decision with the privacy-notice version it was made for.

    purpose: "membership" (required to take part) or "quotes" (optional: coordinators may
    quote the member's anonymous written answers in reports to the municipality).
    granted False records a refusal ("Not now", "No"); `given_at` is when the decision was
    made; `withdrawn_at` is set on a granted row when the member later refused.
    """

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(16), default="membership")
    granted: Mapped[bool] = mapped_column(Boolean, default=True)
    notice_version: Mapped[int] = mapped_column(Integer)
    given_at: Mapped[datetime] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    member: Mapped[Member] = relationship(back_populates="consents")


class ProfileAnswer(Base):
    """An intake answer; `value` is JSON (a string, or a list for multi-select)."""

    __tablename__ = "profile_answers"
    __table_args__ = (UniqueConstraint("member_id", "question"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    question: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(Text)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())

    member: Mapped[Member] = relationship(back_populates="profile_answers")


class OutboundCopy(Base):
    """A message the bot posted about a member in someone else's chat (coordinators, admins).

    Kept so that /delete can remove those copies where Telegram allows it.
    """

    __tablename__ = "outbound_copies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    purpose: Mapped[str] = mapped_column(String(32))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RoleGrant(Base):
    """A coordinator of one region (region_id set) or an admin of everything (region_id None).

    Admins also come from ADMIN_IDS in the configuration; those need no row.
    """

    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("telegram_id", "role", "region_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    role: Mapped[str] = mapped_column(String(16))
    region_id: Mapped[int | None] = mapped_column(
        ForeignKey("regions.id", ondelete="CASCADE"), nullable=True
    )
    # A grant made by @username waits here until that person first writes to the bot.
    pending_username: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    granted_by: Mapped[int] = mapped_column(BigInteger)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuditEntry(Base):
    """Who read or changed member data, and when. Targets are internal member ids."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int] = mapped_column(BigInteger, index=True)
    action: Mapped[str] = mapped_column(String(48))
    member_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    region_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class BroadcastStatus(enum.StrEnum):
    QUEUED = "queued"  # planned; waits for its due time (or for quiet hours to end)
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


class DeliveryState(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"  # committed before the HTTP call: after a crash, the only ambiguous state
    SENT = "sent"
    FAILED = "failed"  # gave up after retries, or Telegram refused the message itself
    UNREACHABLE = "unreachable"  # 403 blocked/deactivated or 400 chat not found
    SKIPPED = "skipped"  # cancelled, or the member paused/left before their turn


class Broadcast(Base):
    """One bulk message (announcement, later survey invitations and reminders).

    `created_by` is the Telegram id of the coordinator who started it (for progress
    messages); it is set to NULL when that person deletes their data.
    """

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="announcement")
    status: Mapped[str] = mapped_column(
        String(16), default=BroadcastStatus.QUEUED.value, index=True
    )
    created_by: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    # Language of the progress messages for created_by.
    locale: Mapped[str] = mapped_column(String(8))
    progress_message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # What the progress message shows now (an edit to the same text would be refused).
    progress_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    # JSON list of region ids; NULL means every region.
    region_ids: Mapped[str | None] = mapped_column(Text, nullable=True)
    language_filter: Mapped[str | None] = mapped_column(String(8), nullable=True)
    # JSON {"question": ..., "option": ...}: only members who gave that intake answer.
    answer_filter: Mapped[str | None] = mapped_column(Text, nullable=True)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    total: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class BroadcastVersion(Base):
    """The content of a broadcast in one language ("*": the one version for everyone)."""

    __tablename__ = "broadcast_versions"
    __table_args__ = (UniqueConstraint("broadcast_id", "language"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(8))
    position: Mapped[int] = mapped_column(Integer, default=0)
    # text, photo, document or voice; `html` is the text or caption (Telegram HTML).
    content_kind: Mapped[str] = mapped_column(String(16))
    html: Mapped[str] = mapped_column(Text, default="")
    file_id: Mapped[str | None] = mapped_column(String(256), nullable=True)
    # Buttons under the message (InlineKeyboardMarkup JSON) and a small generated file sent
    # with it (e.g. a meeting's calendar file): its name and its text.
    markup: Mapped[str | None] = mapped_column(Text, nullable=True)
    file_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    file_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    # A picture made by the bot (e.g. a survey chart, PNG), sent as a photo with `html` as caption.
    file_data: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class BroadcastDelivery(Base):
    """One recipient of a broadcast; the member's Telegram id is only reached through the FK."""

    __tablename__ = "broadcast_deliveries"
    __table_args__ = (
        UniqueConstraint("broadcast_id", "member_id"),
        Index("ix_broadcast_deliveries_broadcast_state", "broadcast_id", "state", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(12), default=DeliveryState.QUEUED.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(200), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class QuestionStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"


class Question(TimestampMixin, Base):
    """A member's question about life in the Netherlands, answered by their coordinators."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    region_id: Mapped[int | None] = mapped_column(
        ForeignKey("regions.id", ondelete="SET NULL"), nullable=True, index=True
    )
    topic: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default=QuestionStatus.DRAFT.value, index=True)
    # Where the coordinators discuss it: a forum topic in the region's group, or None
    # when the question went to coordinators' private chats.
    coordinator_chat_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    thread_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    assignee_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    first_answer_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The forum topic as the outbox last left it (closed or open); the outbox's "state" jobs
    # bring it in line with the question.
    topic_closed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    last_reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    satisfaction: Mapped[str | None] = mapped_column(String(8), nullable=True)

    messages: Mapped[list[QuestionMessage]] = relationship(
        back_populates="question", cascade="all, delete-orphan", passive_deletes=True,
        order_by="QuestionMessage.id",
    )  # fmt: skip


class QuestionMessage(Base):
    """One message of a question's conversation and where its copies are.

    direction: "in" (member → coordinators), "out" (coordinator → member), "note" (internal).
    """

    __tablename__ = "question_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    direction: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    member_message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    coordinator_chat_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    coordinator_message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    author_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    delivered: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    question: Mapped[Question] = relationship(back_populates="messages")


class SurveyRunStatus(enum.StrEnum):
    SCHEDULED = "scheduled"  # waits for its due time
    OPEN = "open"  # invitations handed to the broadcaster; answers accepted until close_at
    CLOSED = "closed"
    CANCELLED = "cancelled"
    MISSED = "missed"  # the bot was down from before its due time until after close_at


class Survey(Base):
    """One version of a survey definition. `source` is the YAML file as imported.

    Re-importing a slug that has responses adds a version; responses keep the one they
    answered (through their run).
    """

    __tablename__ = "surveys"
    __table_args__ = (UniqueConstraint("slug", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(32), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(Text)
    checksum: Mapped[str] = mapped_column(String(64))
    imported_by: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SurveySchedule(Base):
    """When a survey goes to a region (None: every region): once, weekly or monthly.

    rule: "once", "weekly:<0-6 Monday first>:<HH:MM>" or "monthly:<1-28>:<HH:MM>" (local time).
    """

    __tablename__ = "survey_schedules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(32))
    region_id: Mapped[int | None] = mapped_column(
        ForeignKey("regions.id", ondelete="CASCADE"), nullable=True
    )
    rule: Mapped[str] = mapped_column(String(32))
    remind_after: Mapped[int | None] = mapped_column(Integer, nullable=True)  # seconds
    close_after: Mapped[int] = mapped_column(Integer)  # seconds
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Telegram id of the coordinator who made it (told about late runs); NULL after /delete.
    created_by: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    locale: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SurveyRun(Base):
    """One sending of a survey version to a region (or all): invitations, reminder, answers."""

    __tablename__ = "survey_runs"
    __table_args__ = (Index("ix_survey_runs_status_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    schedule_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_schedules.id", ondelete="SET NULL"), nullable=True, index=True
    )
    region_id: Mapped[int | None] = mapped_column(
        ForeignKey("regions.id", ondelete="CASCADE"), nullable=True
    )
    status: Mapped[str] = mapped_column(String(16), default=SurveyRunStatus.SCHEDULED.value)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    remind_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    close_at: Mapped[datetime] = mapped_column(UTCDateTime())
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    broadcast_id: Mapped[int | None] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="SET NULL"), nullable=True
    )
    reminder_broadcast_id: Mapped[int | None] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="SET NULL"), nullable=True
    )
    created_by: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    locale: Mapped[str] = mapped_column(String(8))


class SurveyResponse(Base):
    """One member's answers to one run: at most one per member (or keyed hash) and run.

    Named surveys link to the member (member_id, cascade on /delete). Anonymous surveys
    store only `respondent_key`, an HMAC of run and Telegram id under a key that is not in
    the database, and no timestamps: enough to resume and refuse a second response.
    """

    __tablename__ = "survey_responses"
    __table_args__ = (
        UniqueConstraint("run_id", "member_id", name="uq_survey_responses_run_member"),
        UniqueConstraint("run_id", "respondent_key", name="uq_survey_responses_run_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("survey_runs.id", ondelete="CASCADE"))
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), nullable=True, index=True
    )
    respondent_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    region_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    language: Mapped[str] = mapped_column(String(8))
    # The question waiting for an answer (None once finished).
    current: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # The message showing that question, so its buttons can be removed when it moves on.
    message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    finished: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The respondent allows quoting their written answers in reports (their quote consent,
    # kept in step with it by bot/privacy/service.py); results and exports leave out the rest.
    quote_ok: Mapped[bool] = mapped_column(Boolean, default=False)


class SurveyAnswer(Base):
    """One answer; `value` is JSON: an option id, a list of them, a number or a text."""

    __tablename__ = "survey_answers"
    __table_args__ = (UniqueConstraint("response_id", "question"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_responses.id", ondelete="CASCADE"))
    question: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(Text)


class SurveyQuotePick(Base):
    """A written answer a coordinator picked for the report: only the reference, never a copy
    of the text. The report shows it only while the response allows quotes (`quote_ok`);
    deleting the answer (a member's /delete, retention) deletes the pick."""

    __tablename__ = "survey_quote_picks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    answer_id: Mapped[int] = mapped_column(
        ForeignKey("survey_answers.id", ondelete="CASCADE"), unique=True
    )
    picked_by: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    picked_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CachedTranslation(Base):
    """A machine translation kept so the same text is never sent to a provider twice.

    Only a hash of the original is stored. `member_id` links a translation of a member's text
    (or of an answer to them) to that member: /mydata lists it, /delete erases it (CASCADE).
    """

    __tablename__ = "translations"
    __table_args__ = (UniqueConstraint("text_hash", "source", "target"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text_hash: Mapped[str] = mapped_column(String(64))  # sha256 hex of the original text
    source: Mapped[str] = mapped_column(String(8))
    target: Mapped[str] = mapped_column(String(8))
    provider: Mapped[str] = mapped_column(String(16))
    translated: Mapped[str] = mapped_column(Text)
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), nullable=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PendingTranslation(Base):
    """A translation still owed to a chat: the original went without it, the bridge retries.

    `message_id` is the question message whose text is translated; `chat_id`/`thread_id`
    where the translation goes, as a reply to `reply_to` (the original there).
    `direction`: "staff" (a member's text for the coordinators) or "member" (an answer).
    """

    __tablename__ = "pending_translations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[int] = mapped_column(ForeignKey("question_messages.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(8))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    thread_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    reply_to: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    source: Mapped[str] = mapped_column(String(8))
    target: Mapped[str] = mapped_column(String(8))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class NoticeRevision(Base):
    """One row: which translation providers (and, after "|", which retention settings) the
    privacy notice named at the last start, and how often that changed (the notice's version
    is the base version plus `revision`)."""

    __tablename__ = "notice_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    providers: Mapped[str] = mapped_column(String(64), default="")
    revision: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Volunteer(Base):
    """A member who helps as a volunteer translator (a "language buddy") for some pairs."""

    __tablename__ = "volunteers"
    __table_args__ = (UniqueConstraint("member_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Round-robin: the volunteer who got a request longest ago (or never) is asked first.
    last_assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    pairs: Mapped[list[VolunteerPair]] = relationship(
        back_populates="volunteer", cascade="all, delete-orphan", passive_deletes=True,
        order_by="VolunteerPair.id",
    )  # fmt: skip


class VolunteerPair(Base):
    """One direction a volunteer can translate, e.g. ti → nl."""

    __tablename__ = "volunteer_pairs"
    __table_args__ = (UniqueConstraint("volunteer_id", "source", "target"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteers.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[str] = mapped_column(String(8))
    target: Mapped[str] = mapped_column(String(8))

    volunteer: Mapped[Volunteer] = relationship(back_populates="pairs")


class VolunteerRequestStatus(enum.StrEnum):
    WAITING = "waiting"  # volunteers of the pair exist, all busy: asked again by the job
    ASSIGNED = "assigned"  # with a volunteer
    DONE = "done"
    NOBODY = "nobody"  # no volunteer (left) for the pair
    CANCELLED = "cancelled"  # the question was closed: no longer needed (never reopened)


class VolunteerRequest(Base):
    """A text of a question's conversation that a coordinator asked a volunteer to translate.

    Only `text` goes to the volunteer. `member_id` is the member whose conversation it is:
    their /mydata lists it, their /delete erases it (CASCADE).
    kind: "question" (member's text → staff language) or "answer" (coordinator's → member's).
    """

    __tablename__ = "volunteer_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(String(8))
    target: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[int] = mapped_column(BigInteger)
    # Where the translation goes in the coordinators' chat: a reply to this message.
    reply_chat_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    reply_message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # For answers: the member's copy of the answer, which the translation replies to.
    member_message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    status: Mapped[str] = mapped_column(
        String(16), default=VolunteerRequestStatus.WAITING.value, index=True
    )
    volunteer_id: Mapped[int | None] = mapped_column(
        ForeignKey("volunteers.id", ondelete="SET NULL"), nullable=True, index=True
    )
    volunteer_message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    translation: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class VolunteerAttempt(Base):
    """A volunteer who had a request and gave it back: "declined", "timeout" or "stopped"."""

    __tablename__ = "volunteer_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer_requests.id", ondelete="CASCADE"), index=True
    )
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteers.id", ondelete="CASCADE"), index=True
    )
    outcome: Mapped[str] = mapped_column(String(16))
    # The request's message in the volunteer's chat, so a late reply to it gets a kind answer.
    message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OutboxJob(Base):
    """Messages owed to the coordinators' chats, kept until sent (bot/questions/outbox.py).

    A job brings one question up to date where its coordinators are: the forum topic, the
    card, a copy of every message of the member not yet copied. Jobs of one lane (a region's
    coordinators) are done one at a time in id order, paced for Telegram's group limits.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "done_at", "lane", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lane: Mapped[int] = mapped_column(Integer)  # the question's region id, 0 without one
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    error: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # "deliver": topic, card and the member's messages; "state": the topic open or closed as
    # the question is, its cards' text (bot.questions.outbox).
    kind: Mapped[str] = mapped_column(String(16), default="deliver", server_default="deliver")
    # A drainer holds the job while it works on it; another may take it once the lease is
    # over (its holder died). A drainer that finds its claim gone sends nothing more.
    claimed_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class InboxUpdate(Base):
    """An update from Telegram, stored before it is confirmed and handled from here.

    `payload` (the update's JSON, with the member's text) is set to NULL once the update is
    handled: the row stays as a tombstone of its update_id, so a redelivered update is not
    handled twice, and is pruned after Telegram's redelivery window. `chat_id` keeps one
    chat's updates in order; `user_id` lets /delete remove what a member still has waiting.
    A claim (`claimed_by` until `claimed_until`) is renewed while the update is handled;
    after too many attempts the update is parked and the admins are told.
    What its handler has done that must not happen twice is in `inbox_effects`.
    """

    __tablename__ = "inbox_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    user_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[str | None] = mapped_column(Text, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    parked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    # The updates still to handle, in order: a claim walks these, not the tombstones; and
    # the tombstones by age, for pruning (partial, so that a planner looking for the updates
    # still to handle is not drawn to it).
    __table_args__ = (
        Index(
            "ix_inbox_updates_done_at",
            "done_at",
            sqlite_where=text("done_at IS NOT NULL"),
            postgresql_where=text("done_at IS NOT NULL"),
        ),
        Index(
            "ix_inbox_updates_live",
            "update_id",
            sqlite_where=text("done_at IS NULL AND parked_at IS NULL"),
            postgresql_where=text("done_at IS NULL AND parked_at IS NULL"),
        ),
    )


class InboxEffect(Base):
    """An effect the handler of an inbox update has done (bot.inbox.effects.once): a second
    handling of the same update skips it. Goes with its update."""

    __tablename__ = "inbox_effects"

    update_id: Mapped[int] = mapped_column(
        BigInteger,
        ForeignKey("inbox_updates.update_id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    )
    key: Mapped[str] = mapped_column(String(64), primary_key=True)


class ReplyTemplate(Base):
    """A coordinator's reply template (bot.templates): one text per language, an optional
    attachment kept by its Telegram file id. `region_id` None: shared by the admins with
    every region."""

    __tablename__ = "reply_templates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int | None] = mapped_column(
        ForeignKey("regions.id", ondelete="CASCADE"), nullable=True, index=True
    )
    name: Mapped[str] = mapped_column(String(32))
    topic: Mapped[str] = mapped_column(String(32))
    attachment_kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    attachment_file_id: Mapped[str | None] = mapped_column(String(256), nullable=True)
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    texts: Mapped[list[ReplyTemplateText]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin"
    )


class ReplyTemplateText(Base):
    """A template's text in one language: written by staff (reviewed) or a machine draft
    (`provider` set) until someone reviews it."""

    __tablename__ = "reply_template_texts"

    template_id: Mapped[int] = mapped_column(
        ForeignKey("reply_templates.id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str] = mapped_column(String(8), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    reviewed: Mapped[bool] = mapped_column(Boolean, default=False)
    provider: Mapped[str | None] = mapped_column(String(32), nullable=True)
    updated_by: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReplyTemplateUse(Base):
    """A template sent to a member (for /stats); kept when the template or question goes."""

    __tablename__ = "reply_template_uses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    template_id: Mapped[int | None] = mapped_column(
        ForeignKey("reply_templates.id", ondelete="SET NULL"), nullable=True, index=True
    )
    region_id: Mapped[int | None] = mapped_column(
        ForeignKey("regions.id", ondelete="CASCADE"), nullable=True, index=True
    )
    used_by: Mapped[int] = mapped_column(BigInteger)
    language: Mapped[str] = mapped_column(String(8))
    fallback: Mapped[bool] = mapped_column(Boolean, default=False)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Meeting(TimestampMixin, Base):
    """A pool meeting of one region (bot/meetings). Times are UTC; shown in Europe/Amsterdam.

    `texts`: JSON {language: {"title", "description", "provider"}} of the other languages'
    drafts (provider: the machine that made it, "" for the staff text shown as is).
    `needs`: the needs members are asked about, comma-separated (bot.meetings.rules.NEEDS).
    `sequence` rises with each change of time, place or status (the calendar file's SEQUENCE).
    """

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    minutes: Mapped[int] = mapped_column(Integer, default=120)
    place: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(8))
    texts: Mapped[str] = mapped_column(Text, default="{}")
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    needs: Mapped[str] = mapped_column(String(64), default="")
    rsvp_until: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="planned")
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    locale: Mapped[str] = mapped_column(String(8))
    broadcast_id: Mapped[int | None] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="SET NULL"), nullable=True
    )
    # Reminders sent (or skipped, when the meeting was no longer ahead): early (days) and late.
    early_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    late_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class MeetingReply(Base):
    """A member's answer to a meeting (yes / maybe / no), their needs and attendance.

    A "yes" over capacity waits on the waitlist (`waitlisted`), in order of `answered_at`.
    """

    __tablename__ = "meeting_replies"
    __table_args__ = (UniqueConstraint("meeting_id", "member_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    answer: Mapped[str] = mapped_column(String(8))
    waitlisted: Mapped[bool] = mapped_column(Boolean, default=False)
    interpreter: Mapped[str | None] = mapped_column(String(8), nullable=True)
    children: Mapped[int] = mapped_column(Integer, default=0)
    travel: Mapped[bool] = mapped_column(Boolean, default=False)
    access: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(String(300), nullable=True)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attended: Mapped[bool | None] = mapped_column(Boolean, nullable=True)


class FaqEntry(Base):
    """A general question with its answer for members (bot/faq), written by staff from an
    answered question: never the member's own words. `region_id` None: shared by every
    region (admins only); else the region's own, edited by its coordinators."""

    __tablename__ = "faq_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int | None] = mapped_column(
        ForeignKey("regions.id", ondelete="CASCADE"), nullable=True, index=True
    )
    topic: Mapped[str] = mapped_column(String(32))
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    # The answered question it was made from (only its number; nothing of its text).
    source_question_id: Mapped[int | None] = mapped_column(
        ForeignKey("questions.id", ondelete="SET NULL"), nullable=True
    )
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    views: Mapped[int] = mapped_column(Integer, default=0)

    texts: Mapped[list[FaqText]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", passive_deletes=True,
        order_by="FaqText.id",
    )  # fmt: skip


class FaqText(Base):
    """An FAQ entry in one language. Members see it only once reviewed (`reviewed_by` set);
    `machine`: the provider that drafted it through the language bridge (None: written)."""

    __tablename__ = "faq_texts"
    __table_args__ = (UniqueConstraint("entry_id", "language"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("faq_entries.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(8))
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    machine: Mapped[str | None] = mapped_column(String(16), nullable=True)
    reviewed_by: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    entry: Mapped[FaqEntry] = relationship(back_populates="texts")


class FaqSuggestion(Base):
    """An FAQ entry offered to the member before their question was sent (shown on its card)."""

    __tablename__ = "faq_suggestions"

    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True
    )
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("faq_entries.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)


class FaqDeflection(Base):
    """A question that was not sent because the FAQ answered it ("Yes, thanks"). Counts
    only: no member, no text."""

    __tablename__ = "faq_deflections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("faq_entries.id", ondelete="SET NULL"), nullable=True, index=True
    )
    region_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    language: Mapped[str] = mapped_column(String(8))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FaqRating(Base):
    """A member's 👍 ("up") or 👎 ("down") on an FAQ entry they read (one per member)."""

    __tablename__ = "faq_ratings"

    entry_id: Mapped[int] = mapped_column(
        ForeignKey("faq_entries.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    value: Mapped[str] = mapped_column(String(8))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SurveyFinding(Base):
    """What a survey run showed ("findings") or what the municipality did with it
    ("response"), told back to the pool (bot/findings). One of each kind per run.

    `texts`: JSON {language: {"text", "provider", "reviewed"}}: the staff text (provider "")
    and machine drafts (provider: the machine that made it), each reviewed before sending.
    `question`: the survey question whose chart goes with it (None: the first closed one).
    No member data here; who wrote and sent it is in the audit log."""

    __tablename__ = "survey_findings"
    __table_args__ = (UniqueConstraint("run_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("survey_runs.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    texts: Mapped[str] = mapped_column(Text, default="{}")
    question: Mapped[str | None] = mapped_column(String(32), nullable=True)
    broadcast_id: Mapped[int | None] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="SET NULL"), nullable=True
    )
    audience: Mapped[str | None] = mapped_column(String(16), nullable=True)  # invited | region
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FindingReaction(Base):
    """A member's 👍 ("up") or 👎 ("down") on findings they received (one each, changeable)."""

    __tablename__ = "finding_reactions"

    finding_id: Mapped[int] = mapped_column(
        ForeignKey("survey_findings.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    value: Mapped[str] = mapped_column(String(8))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
