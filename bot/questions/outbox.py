"""The question outbox: what the coordinators' chats are owed, kept until sent.

Telegram lets a bot post about 20 messages a minute in one group and answers more with a 429
that may ask to wait a minute. So a member's question or follow-up is not sent to the
coordinators inside the member's update: the use case stores the message and a job here
(`queue`) and commits; a drainer (`bot.questions.drain.Drainer`, on the leader) does the
jobs of each lane (a region's coordinators) one at a time in order, paced per chat, retrying
until they are through. A job is safe to repeat: it sends only what is missing
(`bot.questions.relay.Inbox.deliver`), so a busy hour reaches the topics late, never partly.
No aiogram here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import OutboxJob, Question

MAX_ATTEMPTS = 12  # then the job is given up (logged), so its lane goes on
_wakers: list[Callable[[], None]] = []


def on_queued(wake: Callable[[], None]) -> Callable[[], None]:
    """Call `wake` after a job was queued in this process; returns the unsubscribe."""
    _wakers.append(wake)
    return lambda: _wakers.remove(wake) if wake in _wakers else None


def wake() -> None:
    """Tell this process's drainer that jobs are waiting (after the commit that stored them)."""
    for waker in list(_wakers):
        waker()


async def queue(session: AsyncSession, question: Question) -> None:
    """Owe `question`'s coordinators what they have not seen of it yet. A job sends only
    what is missing when it runs, so a job per change is cheap and none is ever skipped
    (one already running may have read the question before this change). Commit, then
    `wake()`."""
    session.add(OutboxJob(lane=question.region_id or 0, question_id=question.id))
    await session.flush()


async def due(session: AsyncSession, now: datetime, limit: int = 100) -> list[OutboxJob]:
    """The first job of each lane that is waiting, if its next try has come."""
    first = (
        select(func.min(OutboxJob.id)).where(OutboxJob.done_at.is_(None)).group_by(OutboxJob.lane)
    )
    query = select(OutboxJob).where(
        OutboxJob.id.in_(first),
        (OutboxJob.next_try_at.is_(None)) | (OutboxJob.next_try_at <= now),
    )
    return list(await session.scalars(query.order_by(OutboxJob.id).limit(limit)))


async def next_in_lane(session: AsyncSession, lane: int, now: datetime) -> OutboxJob | None:
    """The lane's first job not done, if its next try has come (else the lane waits)."""
    job = await session.scalar(
        select(OutboxJob)
        .where(OutboxJob.lane == lane, OutboxJob.done_at.is_(None))
        .order_by(OutboxJob.id)
        .limit(1)
    )
    if job is None or (job.next_try_at is not None and job.next_try_at > now):
        return None
    return job


async def waiting(session: AsyncSession, now: datetime) -> int:
    """Jobs whose time has come and that are not done (for `settled` and statistics)."""
    return (
        await session.scalar(
            select(func.count())
            .select_from(OutboxJob)
            .where(
                OutboxJob.done_at.is_(None),
                (OutboxJob.next_try_at.is_(None)) | (OutboxJob.next_try_at <= now),
            )
        )
        or 0
    )


async def done(session: AsyncSession, job: OutboxJob) -> None:
    """Sent: nothing in a done job is needed any more."""
    await session.delete(job)


def failed(job: OutboxJob, now: datetime, error: str) -> bool:
    """A try failed; True when the job is given up after too many, else it waits a while."""
    job.attempts += 1
    job.error = error[:200]
    if job.attempts >= MAX_ATTEMPTS:
        job.done_at = now
        return True
    job.next_try_at = now + timedelta(seconds=min(300, 2**job.attempts))
    return False
