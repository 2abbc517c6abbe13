"""Scheduled check: translation requests a volunteer left too long move to the next volunteer."""

from __future__ import annotations

import logging

from bot.questions.render import InboxViews
from bot.scheduler import Every, JobContext, Scheduler
from bot.telegram.messenger import TelegramMessenger
from bot.volunteers import service
from bot.volunteers.views import VolunteerViews

log = logging.getLogger(__name__)
JOB_ID = "volunteers:timeouts"
INTERVAL_SECONDS = 10 * 60


async def move_overdue(ctx: JobContext) -> int:
    """One run: requests past VOLUNTEER_TIMEOUT_HOURS move on, waiting ones are offered again."""
    # Jobs have no update: the views render through this I18n in the locales they are given.
    with ctx.i18n.context():
        async with ctx.session_factory() as session:
            moved = await service.expire(
                session, TelegramMessenger(ctx.bot), VolunteerViews(ctx.i18n),
                InboxViews(ctx.i18n), ctx.settings,
            )  # fmt: skip
    if moved:
        log.info("volunteer requests moved on", extra={"count": moved})
    return moved


async def check(scheduler: Scheduler) -> None:
    await move_overdue(scheduler.context)


async def rebuild(scheduler: Scheduler) -> None:
    scheduler.add_job(check, Every(INTERVAL_SECONDS), id=JOB_ID)
