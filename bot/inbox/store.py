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
from typing import Any

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

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
    if done_ids:
        await session.execute(_done(list(done_ids), now))
    if limit <= 0:
        await session.commit()
        return []
    earlier = aliased(InboxUpdate)
    blocked = exists().where(
        earlier.chat_id == InboxUpdate.chat_id,
        earlier.update_id < InboxUpdate.update_id,
        earlier.done_at.is_(None),
        earlier.parked_at.is_(None),
    )
    ids = list(
        await session.scalars(
            select(InboxUpdate.update_id)
            .where(
                _waiting(),
                or_(InboxUpdate.claimed_until.is_(None), InboxUpdate.claimed_until < now),
                ~blocked,
            )
            .order_by(InboxUpdate.update_id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if not ids:
        await session.commit()
        return []
    await session.execute(
        update(InboxUpdate)
        .where(InboxUpdate.update_id.in_(ids))
        .values(claimed_by=worker, claimed_until=now + lease, attempts=InboxUpdate.attempts + 1)
    )
    rows = (
        await session.execute(
            select(
                InboxUpdate.update_id, InboxUpdate.kind, InboxUpdate.payload, InboxUpdate.attempts
            )
            .where(InboxUpdate.update_id.in_(ids))
            .order_by(InboxUpdate.update_id)
        )
    ).all()
    await session.commit()
    return [Claimed(r.update_id, r.kind, r.payload or "{}", r.attempts) for r in rows]


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


def _done(update_ids: list[int], now: datetime) -> Any:
    return (
        update(InboxUpdate)
        .where(InboxUpdate.update_id.in_(update_ids))
        .values(payload=None, done_at=now, claimed_by=None, claimed_until=None)
    )


async def done(session: AsyncSession, update_ids: Sequence[int]) -> None:
    """Handled: keep only the update_ids (tombstones against redelivery)."""
    if update_ids:
        await session.execute(_done(list(update_ids), utcnow()))
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
