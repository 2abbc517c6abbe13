"""The daily retention run (leader only): apply the rules, tell the admins, plan the next run.

One job at RETENTION_TIME (local time); each run sets the next, and a restart sets it again
from the settings, so /stats can say when the next run is without asking the scheduler.
"""

from __future__ import annotations

import logging

from bot.messenger import Undeliverable
from bot.retention import service, views
from bot.scheduler import At, JobContext, Scheduler
from bot.services import members, roles
from bot.telegram.messenger import TelegramMessenger
from db.base import utcnow

log = logging.getLogger(__name__)
JOB_ID = "retention:daily"


async def run_once(ctx: JobContext) -> service.Counts:
    """Apply retention now and report to the admins (only when something happened)."""
    messenger = TelegramMessenger(ctx.bot)
    settings, i18n = ctx.settings, ctx.i18n
    async with ctx.session_factory() as session:
        counts = await service.apply(
            session, settings, utcnow(), messenger,
            ask=views.ask(i18n, settings), blank_text=views.blank(i18n, settings),
            withdrawn_text=views.withdrawn(i18n),
        )  # fmt: skip
        if not counts.total:
            return counts
        upcoming = service.next_run(settings, utcnow())
        for admin_id in await roles.coordinator_ids(session, settings, None):
            reader = await members.get_by_telegram_id(session, admin_id)
            locale = reader.language if reader and reader.language else settings.default_locale
            text = views.report(i18n, counts, upcoming, settings, locale)
            try:
                await messenger.send_text(admin_id, text)
            except Undeliverable as exc:
                log.warning("retention report not delivered", extra={"reason": exc.reason})
    return counts


async def run_daily(scheduler: Scheduler) -> None:
    """The job: run, then set the next run."""
    try:
        await run_once(scheduler.context)
    finally:
        if scheduler.running:
            await rebuild(scheduler)


async def rebuild(scheduler: Scheduler) -> None:
    upcoming = service.next_run(scheduler.context.settings, utcnow())
    scheduler.add_job(run_daily, At(upcoming), id=JOB_ID)
