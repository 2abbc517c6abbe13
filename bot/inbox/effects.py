"""Effects of an update that must not happen twice when the update is handled again.

An update is handled at least once (bot.inbox.store): after a crash, or when a worker's lease
ran out while it was still busy, the same update is handled a second time. Each effect that
shows something or stores something (a message, a topic, an invitation, a stored answer) asks
`once(session, key)` first: the first time for this update it records `key` in
`inbox_effects` and says True (again True if the same handling asks again, so one effect
may be checked in several places); any later handling of the same update gets False.

The record is committed at once (with whatever the handler did before it), before the
effect: a second handling finds it as soon as the effect may have begun, and no write lock is
held while the handler waits for the network (on SQLite a translation's cache write would
wait for it). A crash between that COMMIT and the effect loses the effect, never doubles it:
the member sees nothing and sends again; a stored change behind it is committed by the send
path before anything is shown (README, Reliability). Keys are per update and name the effect, not the handler:
the second handling may reach another handler, because the first one changed the state
(a member's message that started a draft is, the second time, a part of that draft). So
`message` is the one key of a member's message used as a question part, an offer, a
follow-up or a typed survey answer; `reply` is the key of a plain reply. Records go with their update when the
update is pruned or forgotten (bot.inbox.store.prune, forget_user).

No aiogram here: the inbox sets the update being handled (`handling`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from sqlalchemy import bindparam, delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import InboxEffect


@dataclass
class _Handling:
    update_id: int
    last: bool  # the last try: if it fails, the update is parked
    mine: set[str] = field(default_factory=set)  # recorded by this handling
    repeated: bool = False  # an earlier handling did an effect this one skipped


_update: ContextVar[_Handling | None] = ContextVar("expertpool_inbox_update", default=None)


@contextmanager
def handling(update_id: int, last: bool = True) -> Iterator[None]:
    """While the update `update_id` from the inbox is handled (in this task); `last`: no
    try follows if this one fails."""
    token = _update.set(_Handling(update_id, last))
    try:
        yield
    finally:
        _update.reset(token)


def last_try() -> bool:
    """If handling fails now, no later try follows (always True outside the inbox): the
    person is told only then, an earlier failure is tried again in a moment."""
    now = _update.get()
    return now is None or now.last


def repeated() -> bool:
    """An effect was skipped in this handling because an earlier one did it (so that one
    also answered the button press)."""
    now = _update.get()
    return now is not None and now.repeated


def recorded() -> bool:
    """This handling recorded an effect: a later try of the update skips that effect, so it
    cannot make up for a failure after it (the person is told at once, not after the
    last try)."""
    now = _update.get()
    return now is not None and bool(now.mine)


def current() -> int | None:
    """The inbox update being handled, None outside the inbox."""
    now = _update.get()
    return None if now is None else now.update_id


# Built once (both dialects): every effect of every update runs one.
_RECORD = {
    postgres: (postgresql_insert if postgres else sqlite_insert)(InboxEffect)
    .values(update_id=bindparam("update_id"), key=bindparam("key"))
    .on_conflict_do_nothing(index_elements=["update_id", "key"])
    for postgres in (False, True)
}


async def once(session: AsyncSession, key: str) -> bool:
    """True when no earlier handling of the update being handled did the effect `key` (do
    it now; asked again in the same handling, still True), False when one did (skip it).

    The record is committed here (with the caller's work so far), before the effect.
    Outside the inbox (no update being handled) always True. On PostgreSQL a second worker
    handling the same update at the same moment waits for the first one's commit and then
    gets False."""
    now = _update.get()
    if now is None or key in now.mine:
        return True
    connection = await session.connection()  # a Core statement: no ORM bookkeeping
    statement = _RECORD[connection.dialect.name == "postgresql"]
    result = await connection.execute(statement, {"update_id": now.update_id, "key": key})
    if not result.rowcount:  # type: ignore[attr-defined]
        now.repeated = True
        return False
    await session.commit()
    now.mine.add(key)
    return True


async def done(session: AsyncSession, update_id: int) -> list[str]:
    """The keys recorded for `update_id` (tests, statistics)."""
    return list(
        await session.scalars(
            select(InboxEffect.key)
            .where(InboxEffect.update_id == update_id)
            .order_by(InboxEffect.key)
        )
    )


def forget(update_ids: object) -> object:
    """The statement that drops the records of the updates selected by `update_ids`."""
    return delete(InboxEffect).where(InboxEffect.update_id.in_(update_ids))  # type: ignore[arg-type]
