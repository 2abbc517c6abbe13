"""Meetings' use cases: plan, answer (with waitlist and promotion), needs, change, cancel,
listings, attendance. Region-scoped through the Actor; coordinators' reads are audited.

Use cases that tell other people something commit first and return whom to tell; bulk
messages (invitations, changes, reminders) go through the broadcaster. No aiogram here.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast import service as broadcasts
from bot.broadcast.audience import Audience
from bot.broadcast.content import Content
from bot.config import Settings
from bot.meetings import texts
from bot.meetings.rules import CANCELLED, MAYBE, NEEDS, NO, PLANNED, YES, Draft
from bot.members.consent import is_reachable
from bot.services import audit
from bot.services.roles import Actor, NotAllowed
from db.models import (
    BroadcastDelivery,
    DeliveryState,
    Meeting,
    MeetingReply,
    Member,
    MemberStatus,
    Region,
)

NEW, CHANGE, CANCEL = "meeting_new", "meeting_change", "meeting_cancel"
ATTENDEES, EXPORT, CHECK_IN = "meeting_attendees", "meeting_export", "meeting_check_in"
RECENT = timedelta(days=30)
# Within this time of the start a change or cancellation is sent in quiet hours too.
URGENT_WITHIN = timedelta(hours=24)


class Gone(Exception):
    """No such meeting for this person (unknown, another region's, or forged)."""


class Closed(Exception):
    """The meeting takes no such answer any more: `why` is "cancelled", "past" or "deadline"."""

    def __init__(self, why: str, meeting: Meeting) -> None:
        super().__init__(why)
        self.why = why
        self.meeting = meeting


# --- planning -------------------------------------------------------------------------------


def _tz(settings: Settings) -> ZoneInfo:
    return settings.tz


async def create(
    session: AsyncSession,
    settings: Settings,
    i18n: texts.Catalogues,
    actor: Actor,
    draft: Draft,
    *,
    now: datetime,
    locale: str,
    language: str,
) -> Meeting:
    """Store the meeting and queue its invitations to the region's reachable members."""
    if not actor.may_see_region(draft.region_id):
        raise NotAllowed
    deadline = draft.starts_at - timedelta(hours=draft.deadline_hours)
    meeting = Meeting(
        region_id=draft.region_id, starts_at=draft.starts_at, place=draft.place,
        title=draft.title, description=draft.description, language=language,
        texts=json.dumps(draft.texts, ensure_ascii=False), capacity=draft.capacity,
        needs=",".join(n for n in NEEDS if n in draft.needs), rsvp_until=max(deadline, now),
        status=PLANNED, sequence=0, created_by=actor.telegram_id, locale=locale, minutes=120,
    )  # fmt: skip
    session.add(meeting)
    await session.flush()
    broadcast = await broadcasts.create(
        session, settings, actor=actor.telegram_id, audience=Audience(region_ids=(meeting.region_id,)),
        versions=texts.invitations(i18n, meeting, _tz(settings)), now=now, locale=locale,
        kind="meeting",
    )  # fmt: skip
    meeting.broadcast_id = broadcast.id
    await audit.record(
        session, actor.telegram_id, NEW, region_id=meeting.region_id, meeting=meeting.id,
        invited=broadcast.total,
    )  # fmt: skip
    await session.commit()
    return meeting


async def audience_size(session: AsyncSession, settings: Settings, region_id: int) -> int:
    counts = await broadcasts.language_counts(
        session, Audience(region_ids=(region_id,)), settings.default_locale
    )
    return sum(counts.values())


# --- members' answers -----------------------------------------------------------------------


@dataclass
class Answered:
    meeting: Meeting
    reply: MeetingReply
    position: int | None = None  # on the waitlist
    promoted: list[Member] = field(default_factory=list)  # moved up from the waitlist


async def meeting_for_member(
    session: AsyncSession, member: Member | None, meeting_id: int
) -> Meeting:
    """The meeting, if it is one of the member's region (else Gone)."""
    meeting = await session.get(Meeting, meeting_id)
    if (
        meeting is None
        or member is None
        or member.region_id != meeting.region_id
        or member.status != MemberStatus.ACTIVE
    ):
        raise Gone
    return meeting


def _open_for(meeting: Meeting, now: datetime, answer: str | None, current: str | None) -> None:
    if meeting.status == CANCELLED:
        raise Closed("cancelled", meeting)
    if now >= meeting.starts_at:
        raise Closed("past", meeting)
    # After the deadline only a "no" (or the same answer again) is taken: a free place helps.
    if now >= meeting.rsvp_until and answer not in (NO, current):
        raise Closed("deadline", meeting)


async def position(session: AsyncSession, reply: MeetingReply) -> int | None:
    if not reply.waitlisted:
        return None
    ahead = await session.scalar(
        select(func.count()).where(
            MeetingReply.meeting_id == reply.meeting_id,
            MeetingReply.waitlisted.is_(True),
            (MeetingReply.answered_at < reply.answered_at)
            | ((MeetingReply.answered_at == reply.answered_at) & (MeetingReply.id < reply.id)),
        )
    )
    return int(ahead or 0) + 1


async def _confirmed(session: AsyncSession, meeting_id: int) -> int:
    found = await session.scalar(
        select(func.count()).where(
            MeetingReply.meeting_id == meeting_id,
            MeetingReply.answer == YES,
            MeetingReply.waitlisted.is_(False),
        )
    )
    return int(found or 0)


async def _promote(session: AsyncSession, meeting: Meeting) -> list[Member]:
    """Fill free places from the waitlist, first come first served."""
    promoted: list[Member] = []
    while meeting.capacity is None or await _confirmed(session, meeting.id) < meeting.capacity:
        first = await session.scalar(
            select(MeetingReply)
            .where(MeetingReply.meeting_id == meeting.id, MeetingReply.waitlisted.is_(True))
            .order_by(MeetingReply.answered_at, MeetingReply.id)
            .limit(1)
        )
        if first is None:
            break
        first.waitlisted = False
        await session.flush()
        member = await session.get(Member, first.member_id)
        if member is not None:
            promoted.append(member)
    return promoted


async def answer(
    session: AsyncSession, member: Member | None, meeting_id: int, choice: str, now: datetime
) -> Answered:
    """A member answers Yes, Maybe or No (again); commits. Raises Gone or Closed."""
    if choice not in (YES, MAYBE, NO):
        raise Gone
    # One answer at a time per meeting (PostgreSQL; SQLite writes one at a time anyway).
    if (
        await session.scalar(select(Meeting.id).where(Meeting.id == meeting_id).with_for_update())
        is None
    ):
        raise Gone
    meeting = await meeting_for_member(session, member, meeting_id)
    assert member is not None
    reply = await session.scalar(
        select(MeetingReply).where(
            MeetingReply.meeting_id == meeting.id, MeetingReply.member_id == member.id
        )
    )
    _open_for(meeting, now, choice, reply.answer if reply else None)
    fresh = reply is None or reply.answer != choice
    if reply is None:
        reply = MeetingReply(meeting_id=meeting.id, member_id=member.id, answer=choice,
                             waitlisted=False, children=0, travel=False, access=False,
                             answered_at=now)  # fmt: skip
        if "interpreter" in meeting.needs.split(",") and (member.language or "nl") != "nl":
            reply.interpreter = member.language  # their own language, pre-selected
        session.add(reply)
    elif fresh:
        reply.answer, reply.answered_at, reply.waitlisted = choice, now, False
    if choice == YES and fresh and meeting.capacity is not None:
        await session.flush()
        reply.waitlisted = await _confirmed(session, meeting.id) > meeting.capacity
    await session.flush()
    promoted = await _promote(session, meeting) if choice != YES else []
    result = Answered(meeting, reply, await position(session, reply), promoted)
    await session.commit()
    return result


async def my_reply(
    session: AsyncSession, member: Member | None, meeting_id: int
) -> tuple[Meeting, MeetingReply]:
    meeting = await meeting_for_member(session, member, meeting_id)
    assert member is not None
    reply = await session.scalar(
        select(MeetingReply).where(
            MeetingReply.meeting_id == meeting.id, MeetingReply.member_id == member.id
        )
    )
    if reply is None:
        raise Gone
    return meeting, reply


async def set_need(
    session: AsyncSession, member: Member | None, meeting_id: int, need: str, value: str,
    now: datetime,
) -> tuple[Meeting, MeetingReply]:  # fmt: skip
    """Toggle a need (interpreter, travel, access) or set children / note; flushes."""
    meeting, reply = await my_reply(session, member, meeting_id)
    _open_for(meeting, now, reply.answer, reply.answer)
    if need not in meeting.needs.split(",") and need != "note":
        raise Gone
    assert member is not None
    if need == "interpreter":
        reply.interpreter = None if reply.interpreter else (member.language or "nl")
    elif need == "travel":
        reply.travel = not reply.travel
    elif need == "access":
        reply.access = not reply.access
    elif need == "childcare":
        reply.children = max(0, min(int(value) if value.isdigit() else 0, 5))
    elif need == "note":
        reply.note = value.strip()[:300] or None
    await session.flush()
    return meeting, reply


async def upcoming_for_member(
    session: AsyncSession, member: Member, now: datetime
) -> list[tuple[Meeting, MeetingReply | None]]:
    if member.region_id is None:
        return []
    meetings = await session.scalars(
        select(Meeting)
        .where(Meeting.region_id == member.region_id, Meeting.starts_at > now,
               Meeting.status == PLANNED)
        .order_by(Meeting.starts_at)
        .limit(10)
    )  # fmt: skip
    found = []
    for meeting in meetings:
        reply = await session.scalar(
            select(MeetingReply).where(
                MeetingReply.meeting_id == meeting.id, MeetingReply.member_id == member.id
            )
        )
        found.append((meeting, reply))
    return found


# --- coordinators ---------------------------------------------------------------------------


async def staff_meeting(session: AsyncSession, actor: Actor, meeting_id: int) -> Meeting:
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None or not actor.may_see_region(meeting.region_id):
        raise NotAllowed
    return meeting


@dataclass
class Summary:
    meeting: Meeting
    region: str
    counts: Counter[str]  # yes, maybe, no, waitlist, none (invited, no answer), attended
    interpreters: Counter[str]
    children: int
    travel: int
    access: int


async def summary(session: AsyncSession, meeting: Meeting) -> Summary:
    region = await session.get(Region, meeting.region_id)
    replies = list(
        await session.scalars(select(MeetingReply).where(MeetingReply.meeting_id == meeting.id))
    )
    counts: Counter[str] = Counter()
    interpreters: Counter[str] = Counter()
    children = travel = access = 0
    for reply in replies:
        counts["waitlist" if reply.waitlisted else reply.answer] += 1
        counts["attended"] += bool(reply.attended)
        if reply.answer in (YES, MAYBE) and not reply.waitlisted:
            if reply.interpreter:
                interpreters[reply.interpreter] += 1
            children += 1 if reply.children else 0
            travel += reply.travel
            access += reply.access
    if meeting.broadcast_id is not None:
        reached = await session.scalar(
            select(func.count()).where(
                BroadcastDelivery.broadcast_id == meeting.broadcast_id,
                BroadcastDelivery.state == DeliveryState.SENT.value,
                BroadcastDelivery.member_id.not_in([r.member_id for r in replies] or [0]),
            )
        )
        counts["none"] = int(reached or 0)
    return Summary(meeting, region.name if region else "", counts, interpreters, children,
                   travel, access)  # fmt: skip


async def visible(session: AsyncSession, actor: Actor, now: datetime) -> list[Summary]:
    """Upcoming and recent meetings of the actor's regions (not audited: counts only)."""
    query = select(Meeting).where(Meeting.starts_at > now - RECENT).order_by(Meeting.starts_at)
    scope = actor.scope()
    if scope is not None:
        query = query.where(Meeting.region_id.in_(scope or [0]))
    return [await summary(session, m) for m in await session.scalars(query.limit(20))]


@dataclass(frozen=True)
class Attendee:
    member_id: int
    name: str
    language: str
    reply: MeetingReply
    position: int | None


async def attendees(
    session: AsyncSession, actor: Actor, meeting_id: int, *, purpose: str = ATTENDEES
) -> tuple[Meeting, list[Attendee]]:
    """Who answered, with their needs: yes, waitlist, maybe, no. Audited."""
    meeting = await staff_meeting(session, actor, meeting_id)
    rows = (
        await session.execute(
            select(MeetingReply, Member)
            .join(Member, Member.id == MeetingReply.member_id)
            .where(MeetingReply.meeting_id == meeting.id)
            .order_by(MeetingReply.answered_at, MeetingReply.id)
        )
    ).all()
    order = {YES: 0, MAYBE: 2, NO: 3}
    found = [
        Attendee(member.id, member.display_name or f"#{member.id}", member.language or "",
                 reply, await position(session, reply))
        for reply, member in rows
    ]  # fmt: skip
    found.sort(key=lambda a: (1 if a.reply.waitlisted else order[a.reply.answer], a.position or 0))
    await audit.record(
        session, actor.telegram_id, purpose, region_id=meeting.region_id, meeting=meeting.id,
        rows=len(found),
    )  # fmt: skip
    return meeting, found


async def check_in(
    session: AsyncSession, actor: Actor, meeting_id: int, member_id: int
) -> tuple[Meeting, MeetingReply]:
    """Toggle whether a member who answered was there; audited."""
    meeting = await staff_meeting(session, actor, meeting_id)
    reply = await session.scalar(
        select(MeetingReply).where(
            MeetingReply.meeting_id == meeting.id, MeetingReply.member_id == member_id
        )
    )
    if reply is None:
        raise NotAllowed
    reply.attended = not reply.attended
    await audit.record(
        session, actor.telegram_id, CHECK_IN, member_id=member_id, region_id=meeting.region_id,
        meeting=meeting.id, attended=reply.attended,
    )  # fmt: skip
    await session.flush()
    return meeting, reply


async def _told(session: AsyncSession, meeting: Meeting, *, waitlist: bool) -> list[int]:
    """Members who answered Yes or Maybe (and, with `waitlist`, those waiting)."""
    query = select(MeetingReply.member_id).where(
        MeetingReply.meeting_id == meeting.id, MeetingReply.answer.in_((YES, MAYBE))
    )
    if not waitlist:
        query = query.where(MeetingReply.waitlisted.is_(False))
    return list(await session.scalars(query))


async def notify(
    session: AsyncSession,
    settings: Settings,
    meeting: Meeting,
    versions: dict[str, Content],
    *,
    kind: str,
    now: datetime,
    actor: int | None,
    waitlist: bool,
    urgent: bool = False,
) -> int:
    """A broadcast to those who answered Yes or Maybe only; returns how many it reaches."""
    keep = await _told(session, meeting, waitlist=waitlist)
    if not keep:
        return 0
    broadcast = await broadcasts.create(
        session, settings, actor=actor, audience=Audience(region_ids=(meeting.region_id,)),
        versions=versions, now=now, locale=meeting.locale, kind=kind, urgent=urgent,
    )  # fmt: skip
    await session.execute(
        delete(BroadcastDelivery).where(
            BroadcastDelivery.broadcast_id == broadcast.id, BroadcastDelivery.member_id.not_in(keep)
        )
    )
    broadcast.total = int(
        await session.scalar(
            select(func.count()).where(BroadcastDelivery.broadcast_id == broadcast.id)
        )
        or 0
    )
    await session.flush()
    return broadcast.total


async def change(
    session: AsyncSession, settings: Settings, i18n: texts.Catalogues, actor: Actor,
    meeting_id: int, *, now: datetime, starts_at: datetime | None = None,
    place: str | None = None,
) -> tuple[Meeting, int]:  # fmt: skip
    """New time and/or place: SEQUENCE rises, reminders start over, Yes and Maybe are told
    with the new calendar file. Commits; returns the meeting and how many are told."""
    meeting = await staff_meeting(session, actor, meeting_id)
    if meeting.status == CANCELLED or meeting.starts_at <= now:
        raise Closed("cancelled" if meeting.status == CANCELLED else "past", meeting)
    if starts_at is not None:
        shift = starts_at - meeting.starts_at
        meeting.starts_at = starts_at
        meeting.rsvp_until = max(now, min(meeting.rsvp_until + shift, starts_at))
        meeting.early_reminded_at = meeting.late_reminded_at = None
    if place is not None:
        meeting.place = place
    meeting.sequence += 1
    told = await notify(
        session, settings, meeting, texts.updates(i18n, meeting, settings.tz, now),
        kind="meeting_change", now=now, actor=actor.telegram_id, waitlist=True,
        urgent=meeting.starts_at - now < URGENT_WITHIN,
    )  # fmt: skip
    await audit.record(
        session, actor.telegram_id, CHANGE, region_id=meeting.region_id, meeting=meeting.id,
        starts_at=meeting.starts_at.isoformat(), place=place is not None, told=told,
    )  # fmt: skip
    await session.commit()
    return meeting, told


async def cancel(
    session: AsyncSession, settings: Settings, i18n: texts.Catalogues, actor: Actor,
    meeting_id: int, *, now: datetime,
) -> tuple[Meeting, int]:  # fmt: skip
    meeting = await staff_meeting(session, actor, meeting_id)
    if meeting.status == CANCELLED:
        raise Closed("cancelled", meeting)
    meeting.status = CANCELLED
    meeting.sequence += 1
    told = 0
    if meeting.starts_at > now:
        told = await notify(
            session, settings, meeting, texts.updates(i18n, meeting, settings.tz, now),
            kind="meeting_cancel", now=now, actor=actor.telegram_id, waitlist=True,
            urgent=meeting.starts_at - now < URGENT_WITHIN,
        )  # fmt: skip
    await audit.record(
        session, actor.telegram_id, CANCEL, region_id=meeting.region_id, meeting=meeting.id,
        told=told,
    )  # fmt: skip
    await session.commit()
    return meeting, told


def reachable(member: Member) -> bool:
    return is_reachable(member.status, member.consent_version)


# --- the member's own data, attendance in /stats --------------------------------------------


async def member_export(session: AsyncSession, member: Member) -> list[dict[str, object]]:
    """The member's answers, needs and attendance (for /mydata)."""
    rows = (
        await session.execute(
            select(MeetingReply, Meeting)
            .join(Meeting, Meeting.id == MeetingReply.meeting_id)
            .where(MeetingReply.member_id == member.id)
            .order_by(Meeting.starts_at)
        )
    ).all()
    return [
        {
            "meeting": meeting.title,
            "starts_at": meeting.starts_at.isoformat(),
            "answer": reply.answer,
            "waitlist": reply.waitlisted,
            "interpreter": reply.interpreter,
            "children": reply.children,
            "travel_costs": reply.travel,
            "accessibility": reply.access,
            "note": reply.note,
            "attended": reply.attended,
            "answered_at": reply.answered_at.isoformat(),
        }  # fmt: skip
        for reply, meeting in rows
    ]


@dataclass(frozen=True)
class Attendance:
    meetings: list[tuple[Meeting, int, int]]  # meeting, present, said yes
    members: list[tuple[str, int]]  # display name, meetings attended


async def attendance(
    session: AsyncSession, actor: Actor, region_ids: list[int], now: datetime, limit: int = 10
) -> Attendance:
    """Attendance of the regions' meetings held in the last 90 days; per member audited."""
    regions = [r for r in region_ids if actor.may_see_region(r)]
    held = list(
        await session.scalars(
            select(Meeting)
            .where(Meeting.region_id.in_(regions or [0]), Meeting.status == PLANNED,
                   Meeting.starts_at <= now, Meeting.starts_at > now - timedelta(days=90))
            .order_by(Meeting.starts_at.desc())
            .limit(limit)
        )
    )  # fmt: skip
    meetings = []
    for meeting in held:
        present = await session.scalar(
            select(func.count()).where(
                MeetingReply.meeting_id == meeting.id, MeetingReply.attended.is_(True)
            )
        )
        said_yes = await session.scalar(
            select(func.count()).where(
                MeetingReply.meeting_id == meeting.id,
                MeetingReply.answer == YES,
                MeetingReply.waitlisted.is_(False),
            )
        )
        meetings.append((meeting, int(present or 0), int(said_yes or 0)))
    counted = func.count(MeetingReply.id)
    members = [
        (name or f"#{member_id}", int(count))
        for member_id, name, count in (
            await session.execute(
                select(Member.id, Member.display_name, counted)
                .join(MeetingReply, MeetingReply.member_id == Member.id)
                .join(Meeting, Meeting.id == MeetingReply.meeting_id)
                .where(Meeting.region_id.in_(regions or [0]), MeetingReply.attended.is_(True))
                .group_by(Member.id, Member.display_name)
                .order_by(counted.desc(), Member.id)
                .limit(limit)
            )
        ).all()
    ]
    if members:
        await audit.record(session, actor.telegram_id, CHECK_IN + "_stats", rows=len(members))
    return Attendance(meetings, members)
