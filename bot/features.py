"""Leader-only services of every feature, assembled in one place for `run`, tests and sandbox."""

from __future__ import annotations

from aiogram import Bot, Dispatcher
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import broadcast
from bot.config import Settings
from bot.questions import jobs as question_jobs
from bot.retention import jobs as retention_jobs
from bot.scale.leader import LeaderServices
from bot.scheduler import JobContext, Scheduler
from bot.surveys import jobs as survey_jobs


def leader_services(
    bot: Bot,
    session_factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    i18n: I18n,
    services: LeaderServices | None = None,
    dp: Dispatcher | None = None,
) -> tuple[LeaderServices, Scheduler]:
    """The scheduler (question reminders, survey runs, daily retention) and, given the
    dispatcher whose handlers wake it, the broadcaster (unless the dispatcher has one)."""
    services = services if services is not None else LeaderServices()
    scheduler = Scheduler(JobContext(bot, session_factory, settings, i18n))
    scheduler.on_start("questions", question_jobs.rebuild)
    scheduler.on_start("surveys", survey_jobs.rebuild)
    scheduler.on_start("retention", retention_jobs.rebuild)
    services.add("scheduler", scheduler.start, scheduler.stop)
    if dp is not None and "broadcaster" not in dp.workflow_data:
        broadcast.register(services, dp, bot, session_factory, settings, i18n)
    return services, scheduler
