"""Leader-only services of every feature, assembled in one place for `run`, tests and sandbox."""

from __future__ import annotations

from aiogram import Bot, Dispatcher
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import broadcast
from bot.bridge import Bridge
from bot.config import Settings
from bot.meetings import jobs as meeting_jobs
from bot.questions import jobs as question_jobs
from bot.questions.drain import Drainer
from bot.questions.translation import Translator
from bot.retention import jobs as retention_jobs
from bot.scale.leader import LeaderServices
from bot.scheduler import JobContext, Scheduler
from bot.surveys import jobs as survey_jobs
from bot.volunteers import jobs as volunteer_jobs


def leader_services(
    bot: Bot,
    session_factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    i18n: I18n,
    services: LeaderServices | None = None,
    dp: Dispatcher | None = None,
    bridge: Bridge | None = None,
) -> tuple[LeaderServices, Scheduler]:
    """The scheduler (question reminders, owed translations, the bridge's daily language
    lists, survey runs, volunteer timeouts, daily retention), the question outbox's drainer
    (unless the dispatcher has one) and, given the dispatcher whose
    handlers wake it, the broadcaster (unless the dispatcher already has one, or
    BROADCAST_ENGINE=process gives it a process of its own: `run_broadcaster`)."""
    services = services if services is not None else LeaderServices()
    scheduler = Scheduler(JobContext(bot, session_factory, settings, i18n, bridge))
    scheduler.on_start("questions", question_jobs.rebuild)
    scheduler.on_start("translations", question_jobs.rebuild_translations)
    scheduler.on_start("surveys", survey_jobs.rebuild)
    scheduler.on_start("volunteers", volunteer_jobs.rebuild)
    scheduler.on_start("retention", retention_jobs.rebuild)
    scheduler.on_start("meetings", meeting_jobs.rebuild)
    services.add("scheduler", scheduler.start, scheduler.stop)
    if dp is None or "outbox" not in dp.workflow_data:
        translator = dp.workflow_data.get("translator") if dp is not None else None
        drainer = Drainer(bot, session_factory, settings, i18n, bridge, translator=translator)
        services.add("outbox", drainer.start, drainer.stop)
    inline = settings.broadcast_engine == "inline"  # else `python -m bot broadcaster` sends
    if dp is not None and "broadcaster" not in dp.workflow_data and inline:
        broadcast.register(services, dp, bot, session_factory, settings, i18n)
    return services, scheduler


async def start_bridge(
    bot: Bot,
    session_factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    i18n: I18n,
    dp: Dispatcher,
) -> Bridge:
    """Build the language bridge from settings, read the providers' languages (a provider
    that is down does not stop start-up) and give handlers its `translator`, which adds a
    translation that arrives after its handler stopped waiting at once. Close it with
    `stop_bridge`."""
    bridge = Bridge.from_settings(settings)
    await bridge.start()
    context = JobContext(bot, session_factory, settings, i18n, bridge)

    async def deliver_late() -> None:
        await question_jobs.retry_translations(context, fresh=True)

    dp["bridge"] = bridge
    dp["translator"] = Translator(bridge, session_factory, on_late=deliver_late)
    return bridge


async def stop_bridge(dp: Dispatcher) -> None:
    translator = dp.workflow_data.pop("translator", None)
    if isinstance(translator, Translator):
        await translator.close()
    bridge = dp.workflow_data.pop("bridge", None)
    if isinstance(bridge, Bridge):
        await bridge.close()
