"""The question outbox: what the coordinators' chats are owed, kept until sent.

Telegram lets a bot post about 20 messages a minute in one group and answers more with a 429
that may ask to wait a minute. So a member's question or follow-up is not sent to the
coordinators inside the member's update: the use case stores the message and a job here
(`queue`) and commits; a drainer (`bot.questions.drain.Drainer`, on the leader) does the
jobs of each lane (a region's coordinators) one at a time in order, paced per chat, retrying
until they are through. A job is safe to repeat: it sends only what is missing
(`bot.questions.relay.Inbox.deliver`), so a busy hour reaches the topics late, never partly.
"state" jobs bring the forum topic (open, closed) and the question's cards in line with it.
Several drainers may share the outbox (one per webhook worker that leads, or a new leader
while the old one still finishes): a drainer claims a job for a lease (`claim_next`) and
checks its claim before each send (`hold`); one that lost it stops (LostClaim).
No aiogram here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from db.base import utcnow
from db.models import OutboxJob, Question

MAX_ATTEMPTS = 12  # then the job is given up (logged), so its lane goes on
LEASE = timedelta(seconds=60)  # a drainer's hold on a job, renewed before each send
DELIVER, STATE = "deliver", "state"  # the kinds of job (OutboxJob.kind)


class LostClaim(Exception):
    """Another drainer took over the job (this one stalled past its lease): send nothing."""


_wakers: list[Callable[[], None]] = []


def on_queued(wake: Callable[[], None]) -> Callable[[], None]:
    """Call `wake` after a job was queued in this process; returns the unsubscribe."""
    _wakers.append(wake)
    return lambda: _wakers.remove(wake) if wake in _wakers else None


def wake() -> None:
    """Tell this process's drainer that jobs are waiting (after the commit that stored them)."""
    for waker in list(_wakers):
        waker()


async def queue(session: AsyncSession, question: Question, kind: str = DELIVER) -> None:
    """Owe `question`'s coordinators what they have not seen of it yet. A job sends only
    what is missing when it runs, so a job per change is cheap and none is ever skipped
    (one already running may have read the question before this change). `kind` STATE:
    the topic open or closed as the question is, and its cards' text. Commit, then
    `wake()`."""
    session.add(OutboxJob(lane=question.region_id or 0, question_id=question.id, kind=kind))
    await session.flush()


def _free(worker: Any, now: Any) -> Any:
    """Not held by another drainer (never claimed, its lease over, or ours)."""
    return or_(
        OutboxJob.claimed_until.is_(None),
        OutboxJob.claimed_until <= now,
        OutboxJob.claimed_by == worker,
    )


def _due(now: Any) -> Any:
    return (OutboxJob.next_try_at.is_(None)) | (OutboxJob.next_try_at <= now)


# Built once (the drainer polls every second and claims, holds and ends every job).
_NOW, _WORKER = bindparam("now"), bindparam("worker")
_DUE = (
    select(OutboxJob)
    .where(
        OutboxJob.id.in_(
            select(func.min(OutboxJob.id))
            .where(OutboxJob.done_at.is_(None))
            .group_by(OutboxJob.lane)
        ),
        _due(_NOW),
        _free(_WORKER, _NOW),
    )
    .order_by(OutboxJob.id)
    .limit(bindparam("limit"))
)
_FIRST = (
    select(func.min(OutboxJob.id))
    .where(OutboxJob.lane == bindparam("lane"), OutboxJob.done_at.is_(None))
    .scalar_subquery()
)
# The lane's first job not done, if its next try has come and no other drainer holds it.
_CLAIMABLE = (
    select(OutboxJob)
    .where(OutboxJob.id == _FIRST, OutboxJob.done_at.is_(None), _due(_NOW), _free(_WORKER, _NOW))
    .with_for_update(skip_locked=True)
)
_CLAIM = (
    update(OutboxJob)
    .where(OutboxJob.id == bindparam("job"), OutboxJob.done_at.is_(None), _free(_WORKER, _NOW))
    .values(claimed_by=_WORKER, claimed_until=bindparam("until"))
)
_HOLD = (
    update(OutboxJob)
    .where(
        OutboxJob.id == bindparam("job"),
        OutboxJob.claimed_by == _WORKER,
        OutboxJob.done_at.is_(None),
    )
    .values(claimed_until=bindparam("until"))
)
_DONE = delete(OutboxJob).where(OutboxJob.id == bindparam("job"))


async def due(
    session: AsyncSession, now: datetime, worker: str = "", limit: int = 100
) -> list[OutboxJob]:
    """The first job of each lane that is waiting, if its next try has come and no other
    drainer holds it."""
    return list(await session.scalars(_DUE, {"now": now, "worker": worker, "limit": limit}))


async def claim_next(
    session: AsyncSession, lane: int, worker: str, now: datetime
) -> OutboxJob | None:
    """Claim the lane's first job not done for `worker` (committed), if its next try has
    come and no other drainer holds it; else None (the lane waits, keeping its order).
    On PostgreSQL the row is locked with SKIP LOCKED, so two drainers never both get it."""
    job = await session.scalar(_CLAIMABLE, {"lane": lane, "now": now, "worker": worker})
    if job is None:
        await session.commit()
        return None
    # The claim is a compare-and-set: on SQLite the SELECT above locks nothing, and another
    # drainer that read the job as free at the same time must not take it over afterwards.
    connection = await session.connection()
    claimed = await connection.execute(
        _CLAIM, {"job": job.id, "now": now, "worker": worker, "until": now + LEASE}
    )
    await session.commit()
    if not claimed.rowcount:
        return None
    # What the ORM's UPDATE did to the loaded job (not a change to flush).
    set_committed_value(job, "claimed_by", worker)
    set_committed_value(job, "claimed_until", now + LEASE)
    return job


async def hold(session: AsyncSession, job_id: int, worker: str) -> None:
    """Before a send: the job is still `worker`'s (its lease renewed) and what was done so
    far is committed; raises LostClaim when another drainer took it over (send nothing)."""
    connection = await session.connection()
    result = await connection.execute(
        _HOLD, {"job": job_id, "worker": worker, "until": utcnow() + LEASE}
    )
    await session.commit()  # what was sent so far is recorded, held or not
    if not result.rowcount:
        raise LostClaim(job_id)


async def release(session: AsyncSession, worker: str | None = None) -> None:
    """Claims of `worker` (None: of every drainer, for the single SQLite process) end now."""
    statement = update(OutboxJob).where(OutboxJob.claimed_by.is_not(None))
    if worker is not None:
        statement = statement.where(OutboxJob.claimed_by == worker)
    await session.execute(statement.values(claimed_by=None, claimed_until=None))
    await session.commit()


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


async def done_by_id(session: AsyncSession, job_id: int) -> None:
    """`done` without loading the job (a Core DELETE; none if it is gone already)."""
    connection = await session.connection()
    await connection.execute(_DONE, {"job": job_id})


def failed(job: OutboxJob, now: datetime, error: str) -> bool:
    """A try failed; True when the job is given up after too many, else it waits a while."""
    job.attempts += 1
    job.error = error[:200]
    if job.attempts >= MAX_ATTEMPTS:
        job.done_at = now
        return True
    job.next_try_at = now + timedelta(seconds=min(300, 2**job.attempts))
    return False
