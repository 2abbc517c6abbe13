"""The update inbox in the database (no aiogram): store, claim, finish, park, forget, prune.

Life of an update: stored (insert-or-ignore by update_id, one statement per batch) before
Telegram is told it arrived → claimed by a worker for a lease, renewed while it is handled →
done: the payload (the member's words) is removed and the row stays as a tombstone of the
update_id until Telegram could no longer redeliver it, so a handled update is never handled
again. An update that fails MAX_ATTEMPTS times (or whose worker dies that often) is parked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, delete, exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.inbox import effects
from db.base import utcnow
from db.models import InboxUpdate

MAX_ATTEMPTS = 3
LEASE = timedelta(seconds=15)  # the default of INBOX_LEASE_SECONDS
# Telegram keeps an unconfirmed update for 24 hours; a tombstone outlives that.
TOMBSTONE_KEEP = timedelta(hours=48)
PARKED_KEEP = timedelta(days=7)


@dataclass(frozen=True)
class Incoming:
    update_id: int
    kind: str
    payload: str
    chat_id: int | None = None
    user_id: int | None = None


@dataclass(frozen=True)
class Delivery:
    """Given to handlers as `inbox`: which stored update this is and which attempt."""

    update_id: int
    attempt: int


@dataclass(frozen=True)
class Claimed:
    update_id: int
    kind: str
    payload: str
    attempts: int  # this one included: 1 on the first try


async def store(session: AsyncSession, batch: Sequence[Incoming]) -> None:
    """Store a batch in one statement; updates already known (or handled) are ignored."""
    if not batch:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    now = utcnow()
    statement = insert(InboxUpdate).on_conflict_do_nothing(index_elements=["update_id"])
    await session.execute(
        statement,
        [
            {"update_id": u.update_id, "chat_id": u.chat_id, "user_id": u.user_id,
             "kind": u.kind, "payload": u.payload, "attempts": 0, "received_at": now}
            for u in batch
        ],
    )  # fmt: skip
    await session.commit()


def _waiting() -> object:
    return and_(InboxUpdate.done_at.is_(None), InboxUpdate.parked_at.is_(None))


# The claim's statements, built once (Core, not the ORM: a claim runs for every few updates).
_T = InboxUpdate.__table__
_EARLIER = _T.alias("earlier")
_LIVE = and_(_T.c.done_at.is_(None), _T.c.parked_at.is_(None))
_CLAIMABLE = (
    select(_T.c.update_id)
    .where(
        _LIVE,
        or_(_T.c.claimed_until.is_(None), _T.c.claimed_until < bindparam("now")),
        ~exists().where(  # a chat's oldest waiting update only
            _EARLIER.c.chat_id == _T.c.chat_id,
            _EARLIER.c.update_id < _T.c.update_id,
            _EARLIER.c.done_at.is_(None),
            _EARLIER.c.parked_at.is_(None),
        ),
    )
    .order_by(_T.c.update_id)
    .limit(bindparam("limit"))
    # Walks the partial index ix_inbox_updates_live in order, stopping at `limit`.
    .with_for_update(skip_locked=True)
)
_IDS = bindparam("ids", expanding=True)
_MARK_CLAIMED = (
    update(_T)
    .where(_T.c.update_id.in_(_IDS))
    .values(
        claimed_by=bindparam("worker"),
        claimed_until=bindparam("until"),
        attempts=_T.c.attempts + 1,
    )
)
_CLAIMED_COLUMNS = (_T.c.update_id, _T.c.kind, _T.c.payload, _T.c.attempts)
_CLAIM_RETURNING = _MARK_CLAIMED.returning(*_CLAIMED_COLUMNS)
_READ_CLAIMED = select(*_CLAIMED_COLUMNS).where(_T.c.update_id.in_(_IDS))
_MARK_DONE = (
    update(_T)
    .where(_T.c.update_id.in_(_IDS))
    .values(payload=None, done_at=bindparam("at"), claimed_by=None, claimed_until=None)
)


async def claim(
    session: AsyncSession,
    worker: str,
    limit: int,
    now: datetime | None = None,
    done_ids: Sequence[int] = (),
    lease: timedelta = LEASE,
) -> list[Claimed]:
    """Mark `done_ids` done, then claim up to `limit` updates, oldest first, at most one per
    chat and only a chat's oldest waiting update (its order is kept across workers).
    One commit for both."""
    now = now or utcnow()
    connection = await session.connection()
    if done_ids:
        await connection.execute(_MARK_DONE, {"ids": list(done_ids), "at": now})
    ids = []
    if limit > 0:
        ids = list(await connection.scalars(_CLAIMABLE, {"now": now, "limit": limit}))
    if not ids:
        await session.commit()
        return []
    values = {"ids": ids, "worker": worker, "until": now + lease}
    if connection.dialect.update_returning:
        rows = (await connection.execute(_CLAIM_RETURNING, values)).all()
    else:  # SQLite before 3.35
        await connection.execute(_MARK_CLAIMED, values)
        rows = (await connection.execute(_READ_CLAIMED, {"ids": ids})).all()
    await session.commit()
    return [
        Claimed(r.update_id, r.kind, r.payload or "{}", r.attempts)
        for r in sorted(rows, key=lambda r: r.update_id)
    ]


async def renew(
    session: AsyncSession, worker: str, update_ids: Sequence[int], lease: timedelta = LEASE
) -> None:
    """Extend the lease of the updates this worker is still handling."""
    if update_ids:
        await session.execute(
            update(InboxUpdate)
            .where(InboxUpdate.update_id.in_(list(update_ids)), InboxUpdate.claimed_by == worker)
            .values(claimed_until=utcnow() + lease)
        )
    await session.commit()


async def release(session: AsyncSession, worker: str | None) -> None:
    """On start: what this worker (None: any worker, for the single SQLite process) had
    claimed when it stopped may be claimed again at once."""
    statement = update(InboxUpdate).where(_waiting(), InboxUpdate.claimed_by.is_not(None))
    if worker is not None:
        statement = statement.where(InboxUpdate.claimed_by == worker)
    await session.execute(statement.values(claimed_by=None, claimed_until=None))
    await session.commit()


async def done(session: AsyncSession, update_ids: Sequence[int]) -> None:
    """Handled: keep only the update_ids (tombstones against redelivery)."""
    if update_ids:
        await session.execute(_MARK_DONE, {"ids": list(update_ids), "at": utcnow()})
    await session.commit()


async def failed(session: AsyncSession, claimed: Claimed, retry_in: timedelta) -> bool:
    """Handling raised: try again after `retry_in`, or park it after MAX_ATTEMPTS (True)."""
    now = utcnow()
    values: dict[str, object]
    if claimed.attempts >= MAX_ATTEMPTS:
        values = {"parked_at": now, "claimed_by": None, "claimed_until": None}
    else:
        values = {"claimed_by": None, "claimed_until": now + retry_in}
    await session.execute(
        update(InboxUpdate).where(InboxUpdate.update_id == claimed.update_id).values(**values)
    )
    await session.commit()
    return claimed.attempts >= MAX_ATTEMPTS


async def requeue(
    session: AsyncSession, worker: str, update_ids: Sequence[int], until: datetime
) -> None:
    """Handling met an outage (the database or Redis away): claimable again from `until`, and
    the attempt does not count (no commit: the caller's next claim commits it). Only rows this
    worker still holds: one whose lease ran out may be in another worker's hands."""
    if update_ids:
        await session.execute(
            update(InboxUpdate)
            .where(InboxUpdate.update_id.in_(list(update_ids)), InboxUpdate.claimed_by == worker)
            .values(claimed_by=None, claimed_until=until, attempts=InboxUpdate.attempts - 1)
        )


async def park(session: AsyncSession, update_id: int) -> None:
    await session.execute(
        update(InboxUpdate)
        .where(InboxUpdate.update_id == update_id)
        .values(parked_at=utcnow(), claimed_by=None, claimed_until=None)
    )
    await session.commit()


async def forget_user(session: AsyncSession, telegram_id: int) -> None:
    """/delete: what the person sent that is still waiting or parked goes unhandled; only
    the update_ids stay, without their effect records (no commit: part of the caller's
    erasure)."""
    forgotten = select(InboxUpdate.update_id).where(
        InboxUpdate.user_id == telegram_id,
        InboxUpdate.payload.is_not(None),
        or_(InboxUpdate.parked_at.is_not(None), InboxUpdate.claimed_by.is_(None)),
    )
    await session.execute(effects.forget(forgotten))  # type: ignore[arg-type]
    await session.execute(
        update(InboxUpdate)
        .where(InboxUpdate.update_id.in_(forgotten))
        .values(payload=None, done_at=utcnow(), parked_at=None)
    )


async def prune(session: AsyncSession, now: datetime | None = None) -> int:
    """Drop tombstones Telegram can no longer redeliver and parked updates past a week."""
    now = now or utcnow()
    old = or_(InboxUpdate.done_at < now - TOMBSTONE_KEEP, InboxUpdate.parked_at < now - PARKED_KEEP)
    await session.execute(effects.forget(select(InboxUpdate.update_id).where(old)))  # type: ignore[arg-type]
    result = await session.execute(delete(InboxUpdate).where(old))
    await session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def next_offset(session: AsyncSession) -> int | None:
    """The getUpdates offset that confirms everything stored so far (None: nothing stored)."""
    highest = await session.scalar(select(func.max(InboxUpdate.update_id)))
    return None if highest is None else int(highest) + 1


async def waiting_count(session: AsyncSession) -> int:
    return int(
        await session.scalar(select(func.count()).select_from(InboxUpdate).where(_waiting())) or 0
    )
