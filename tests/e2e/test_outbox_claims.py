"""Several drainers on one outbox (webhook workers, a new leader while the old one still
finishes): each job is done by one of them, a drainer that lost its claim sends nothing, and
a dead drainer's claims expire so its jobs are done by another."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.questions import outbox
from bot.questions.drain import Drainer
from botapi_emulator import Emulator, SimGroup
from db.base import utcnow
from db.models import OutboxJob
from expertpool_sandbox.harness import RunningBot
from tests.e2e.people import wait_text
from tests.e2e.test_questions import ask, make_pool


def drainer(app: RunningBot, worker: str) -> Drainer:
    return Drainer(app.bot, app.session_factory, app.settings, app.i18n, worker=worker)


def copies(group: SimGroup) -> Counter[str]:
    """How often each of the bot's texts is in the group (question copies and cards)."""
    return Counter(m.text or "" for m in group.bot_messages())


async def waiting_jobs(app: RunningBot) -> int:
    async with app.session_factory() as session:
        return int(
            await session.scalar(
                select(func.count()).select_from(OutboxJob).where(OutboxJob.done_at.is_(None))
            )
            or 0
        )


async def test_two_drainers_do_each_job_once(emulator: Emulator, app: RunningBot) -> None:
    pool = await make_pool(emulator, app, "en", name="Lina")
    assert pool.group is not None
    second = drainer(app, "second")
    await second.start()
    try:
        for n in range(4):
            await ask(app, pool.member, "en", "Housing", f"Question {n}, part one", f"Part two {n}")
            await wait_text(pool.member, "Twente")
        await app.settled()
        await second.settled()
    finally:
        await second.stop()
    assert len(pool.group.topics) == 4
    seen = copies(pool.group)
    for n in range(4):
        assert seen[f"Question {n}, part one"] == 1 and seen[f"Part two {n}"] == 1
    assert await waiting_jobs(app) == 0
    assert app.outbox is not None
    assert app.outbox.sent_jobs + second.sent_jobs == 4


async def test_a_lost_claim_sends_nothing_and_a_dead_claim_expires(
    emulator: Emulator, app: RunningBot
) -> None:
    pool = await make_pool(emulator, app, "en", name="Omar")
    group = pool.group
    assert group is not None and app.outbox is not None
    await app.outbox.stop()  # the drainers of this test are driven by hand
    app.outbox = None
    await ask(app, pool.member, "en", "Work", "Can I work while I wait?")
    await wait_text(pool.member, "Twente")
    await app.settled()
    stalled, rescuer = drainer(app, "stalled"), drainer(app, "rescuer")

    async with app.session_factory() as held, app.session_factory() as session:
        # The stalled drainer claims the question's job, then stalls (a frozen host) …
        [job] = await outbox.due(session, utcnow(), "stalled")
        mine = await outbox.claim_next(held, job.lane, "stalled", utcnow())
        assert mine is not None and mine.claimed_by == "stalled"
        # … no other drainer takes it while the lease lasts …
        assert await outbox.due(session, utcnow(), "rescuer") == []
        assert await outbox.claim_next(session, job.lane, "rescuer", utcnow()) is None
        # … once it is over, another one does …
        later = utcnow() + outbox.LEASE + timedelta(seconds=1)
        assert [j.id for j in await outbox.due(session, later, "rescuer")] == [job.id]
        taken = await outbox.claim_next(session, job.lane, "rescuer", later)
        assert taken is not None and taken.claimed_by == "rescuer"
        # … and the stalled one, going on where it stopped, sends nothing.
        with pytest.raises(outbox.LostClaim):
            await stalled._do(held, mine)
    assert group.topics == {} and copies(group)["Can I work while I wait?"] == 0
    assert stalled.sent_jobs == 0

    await rescuer.start()
    try:
        await rescuer.settled()
    finally:
        await rescuer.stop()
    assert rescuer.sent_jobs == 1 and await waiting_jobs(app) == 0
    assert len(group.topics) == 1 and copies(group)["Can I work while I wait?"] == 1
