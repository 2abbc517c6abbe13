"""The update inbox's store on SQLite and PostgreSQL: insert-or-ignore, one chat in order,
tombstones against redelivery, parking, /delete, effect records, two workers' claims; and
the workers that handle it stop when cancelled."""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import timedelta
from typing import Literal

from aiogram import Bot, Dispatcher
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.i18n import create_i18n
from bot.inbox import effects, store
from bot.scale.inbox import Inbox
from db.base import utcnow
from db.models import InboxEffect, InboxUpdate


def text(update_id: int, chat: int, words: str = "hello") -> store.Incoming:
    payload = json.dumps({"update_id": update_id, "message": {"text": words}})
    return store.Incoming(update_id, "message", payload, chat_id=chat, user_id=chat)


async def test_one_chat_in_order_others_alongside(session: AsyncSession) -> None:
    await store.store(session, [text(1, 10), text(2, 20), text(3, 10)])
    await store.store(session, [text(3, 10), text(4, 30)])  # redelivered: ignored
    first = await store.claim(session, "w1", 10)
    assert [c.update_id for c in first] == [1, 2, 4]  # 3 waits for 1 (same chat)
    assert await store.claim(session, "w2", 10) == []  # claimed ones are not claimed twice
    second = await store.claim(session, "w1", 10, done_ids=[1])
    assert [c.update_id for c in second] == [3]
    assert second[0].attempts == 1


async def test_handled_update_keeps_no_words_and_is_not_handled_again(
    session: AsyncSession,
) -> None:
    await store.store(session, [text(7, 10, "my secret question")])
    [claimed] = await store.claim(session, "w1", 5)
    await store.done(session, [claimed.update_id])
    row = await session.get(InboxUpdate, 7, populate_existing=True)
    assert row is not None and row.payload is None and row.done_at is not None
    await store.store(session, [text(7, 10, "my secret question")])  # Telegram redelivers
    assert await store.claim(session, "w1", 5) == []
    assert await store.next_offset(session) == 8


async def test_failing_update_is_retried_then_parked_without_blocking_its_chat(
    session: AsyncSession,
) -> None:
    await store.store(session, [text(1, 10), text(2, 10)])
    for attempt in range(1, store.MAX_ATTEMPTS + 1):
        [claimed] = await store.claim(session, "w1", 5, now=utcnow() + timedelta(hours=attempt))
        assert (claimed.update_id, claimed.attempts) == (1, attempt)
        parked = await store.failed(session, claimed, timedelta(seconds=1))
        assert parked is (attempt == store.MAX_ATTEMPTS)
    [next_one] = await store.claim(session, "w1", 5, now=utcnow() + timedelta(days=1))
    assert next_one.update_id == 2


async def test_a_dead_workers_claim_ends_with_its_lease(session: AsyncSession) -> None:
    await store.store(session, [text(1, 10)])
    assert len(await store.claim(session, "dead", 5)) == 1
    assert await store.claim(session, "alive", 5) == []
    later = utcnow() + store.LEASE + timedelta(seconds=1)
    [again] = await store.claim(session, "alive", 5, now=later)
    assert again.attempts == 2


async def test_a_shorter_lease_ends_sooner(session: AsyncSession) -> None:
    """INBOX_LEASE_SECONDS: the lease a worker claims (and renews) with."""
    lease = timedelta(seconds=2)
    await store.store(session, [text(1, 10)])
    now = utcnow()
    assert len(await store.claim(session, "dead", 5, now=now, lease=lease)) == 1
    assert await store.claim(session, "alive", 5, now=now + timedelta(seconds=1)) == []
    [again] = await store.claim(session, "alive", 5, now=now + timedelta(seconds=3), lease=lease)
    assert again.attempts == 2
    await store.renew(session, "alive", [1], lease)
    assert await store.claim(session, "other", 5, now=utcnow() + timedelta(seconds=1)) == []
    assert len(await store.claim(session, "other", 5, now=utcnow() + timedelta(seconds=3))) == 1


async def test_delete_drops_what_the_member_still_has_waiting(session: AsyncSession) -> None:
    await store.store(session, [text(1, 10, "private words"), text(2, 20)])
    await store.forget_user(session, 10)
    await session.commit()
    rows = {r.update_id: r for r in await session.scalars(select(InboxUpdate))}
    assert rows[1].payload is None and rows[2].payload is not None
    assert [c.update_id for c in await store.claim(session, "w1", 5)] == [2]


async def test_an_effect_is_done_once_per_update_and_goes_with_it(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session:
        await store.store(session, [text(1, 10), text(2, 10), text(3, 20)])
    for expected in (True, False):  # the update handled twice: the second time skips it
        async with session_factory() as session:
            with effects.handling(1):
                assert await effects.once(session, "picker") is expected
                assert await effects.once(session, "reply") is expected
                assert await effects.once(session, "reply") is expected  # same handling
            await session.commit()
    async with session_factory() as session:
        with effects.handling(2):  # another update of the same chat: its own effects
            assert await effects.once(session, "reply") is True
        with effects.handling(3):
            assert await effects.once(session, "reply") is True
        await session.commit()
    async with session_factory() as session:
        with effects.handling(1):
            assert await effects.once(session, "other") is True
        await session.rollback()  # the handler failed after it: recorded before the effect
        with effects.handling(1):
            assert await effects.once(session, "other") is False
        assert await effects.once(session, "x") is True  # outside the inbox: always
    async with session_factory() as session:
        assert await effects.done(session, 1) == ["other", "picker", "reply"]
        await store.done(session, [1])  # handled: the records stay with the tombstone
        assert await effects.done(session, 1) == ["other", "picker", "reply"]
        await store.forget_user(session, 20)  # /delete: the waiting update and its records
        await session.commit()
        assert await effects.done(session, 3) == []
        assert await effects.done(session, 2) == ["reply"]
        later = utcnow() + store.TOMBSTONE_KEEP + timedelta(hours=1)
        assert await store.prune(session, later) == 2  # the tombstones of 1 and 3, 1's records
        assert await effects.done(session, 1) == []
        assert await effects.done(session, 2) == ["reply"]  # still waiting
        assert await session.scalar(select(func.count()).select_from(InboxEffect)) == 1


class WatchedEvent(asyncio.Event):
    """An event that tells when someone has begun waiting for it."""

    def __init__(self) -> None:
        super().__init__()
        self.waited = asyncio.Event()

    async def wait(self) -> Literal[True]:
        self.waited.set()
        return await super().wait()


async def test_the_workers_stop_when_cancelled_as_an_update_arrives(
    session_factory: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    """SIGTERM cancels the workers; on Python 3.11 `wait_for` lost a cancellation that came
    in the same loop step as the wake-up, and the process never stopped."""
    settings = Settings(bot_token="1:test", database_url=database_url, _env_file=None)  # type: ignore[call-arg]
    async with Bot("1:test") as bot:
        inbox = Inbox(Dispatcher(), bot, session_factory, settings, create_i18n("nl"))
        inbox.wake = wake = WatchedEvent()
        running = asyncio.create_task(inbox.run())
        await asyncio.wait_for(wake.waited.wait(), 30)  # idle: nothing stored
        wake.set()  # an update was stored (or one was handled) ...
        running.cancel()  # ... as SIGTERM came
        await asyncio.wait({running}, timeout=5)
        stopped = running.done()
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
        assert stopped, "the inbox workers went on after being cancelled"


RAW_UPDATES = [
    {"update_id": 1, "message": {"message_id": 5, "date": 1, "text": "hi",
                                 "chat": {"id": 42, "type": "private", "first_name": "A"},
                                 "from": {"id": 42, "is_bot": False, "first_name": "A"}}},
    {"update_id": 2, "message": {"message_id": 6, "date": 1, "text": "in a topic",
                                 "message_thread_id": 3, "is_topic_message": True,
                                 "chat": {"id": -100, "type": "supergroup", "title": "G"},
                                 "from": {"id": 7, "is_bot": False, "first_name": "C"}}},
    {"update_id": 3, "edited_message": {"message_id": 5, "date": 1, "edit_date": 2, "text": "x",
                                        "chat": {"id": 42, "type": "private", "first_name": "A"},
                                        "from": {"id": 42, "is_bot": False, "first_name": "A"}}},
    {"update_id": 4, "callback_query": {"id": "q", "chat_instance": "c", "data": "lang:nl",
                                        "from": {"id": 42, "is_bot": False, "first_name": "A"},
                                        "message": {"message_id": 9, "date": 1, "text": "pick",
                                                    "chat": {"id": 42, "type": "private",
                                                             "first_name": "A"}}}},
    {"update_id": 5, "callback_query": {"id": "r", "chat_instance": "c", "data": "x",
                                        "inline_message_id": "im",
                                        "from": {"id": 43, "is_bot": False, "first_name": "B"}}},
    {"update_id": 6, "my_chat_member": {"date": 1,
                                        "chat": {"id": 42, "type": "private", "first_name": "A"},
                                        "from": {"id": 42, "is_bot": False, "first_name": "A"},
                                        "old_chat_member": {"status": "member", "user": {
                                            "id": 1, "is_bot": True, "first_name": "Bot"}},
                                        "new_chat_member": {"status": "kicked", "until_date": 0,
                                                            "user": {"id": 1, "is_bot": True,
                                                                     "first_name": "Bot"}}}},
    {"update_id": 7, "poll_answer": {"poll_id": "p", "option_ids": [0], "option_persistent_ids": ["a"],
                                     "user": {"id": 44, "is_bot": False, "first_name": "D"}}},
]  # fmt: skip


def test_updates_polled_as_json_are_stored_as_aiogram_reads_them() -> None:
    """The poller stores getUpdates' JSON without validating it into models: the kind, chat
    and sender it stores are the ones aiogram finds, and the stored payload is the update."""
    from aiogram.types import Update

    from bot.scale.inbox import incoming, incoming_raw

    for data in RAW_UPDATES:
        fast = incoming_raw(data)
        update = Update.model_validate(data)
        slow = incoming(update)
        assert (fast.update_id, fast.kind, fast.chat_id, fast.user_id) == (
            slow.update_id, slow.kind, slow.chat_id, slow.user_id,
        ), data  # fmt: skip
        assert Update.model_validate_json(fast.payload) == update
    odd = incoming_raw({"update_id": 8, "poll_answer": {"poll_id": "p"}})  # not understood
    assert (odd.update_id, odd.kind, odd.chat_id) == (8, "poll_answer", None)  # kept all the same
