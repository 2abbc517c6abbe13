"""Leader-only services of every feature, assembled in one place for `run` and tests."""

from __future__ import annotations

from aiogram import Bot
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.questions import jobs as question_jobs
from bot.scale.leader import LeaderServices
from bot.scheduler import JobContext, Scheduler


def leader_services(
    bot: Bot,
    session_factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    i18n: I18n,
    services: LeaderServices | None = None,
) -> tuple[LeaderServices, Scheduler]:
    services = services if services is not None else LeaderServices()
    scheduler = Scheduler(JobContext(bot, session_factory, settings, i18n))
    scheduler.on_start("questions", question_jobs.rebuild)
    services.add("scheduler", scheduler.start, scheduler.stop)
    return services, scheduler
