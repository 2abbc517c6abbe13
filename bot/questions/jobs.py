"""Scheduled check: questions without an answer are announced again to the coordinators."""

from __future__ import annotations

import logging
from datetime import timedelta

from aiogram.exceptions import TelegramAPIError
from sqlalchemy import select

from bot.questions import rules
from bot.scheduler import Every, JobContext, Scheduler
from bot.services import members, roles
from db.base import utcnow
from db.models import Region, RoleGrant

log = logging.getLogger(__name__)
JOB_ID = "questions:remind"
INTERVAL_SECONDS = 30 * 60


async def remind_overdue(ctx: JobContext) -> int:
    """Re-announce overdue questions; tell admins when a region has nobody to answer them."""
    i18n, settings = ctx.i18n, ctx.settings
    reminded = 0
    async with ctx.session_factory() as session:
        now = utcnow()
        for question in await rules.overdue(
            session, timedelta(hours=settings.question_reminder_hours)
        ):
            hours = int((now - (question.sent_at or now)).total_seconds() // 3600)
            region = await session.get(Region, question.region_id) if question.region_id else None
            has_coordinator = region is not None and bool(
                await session.scalar(
                    select(RoleGrant.id).where(RoleGrant.region_id == region.id).limit(1)
                )
            )
            targets: list[tuple[int, int | None]] = []
            if question.thread_id is not None and question.coordinator_chat_id is not None:
                targets.append((question.coordinator_chat_id, question.thread_id))
            else:
                targets += [
                    (i, None)
                    for i in await roles.coordinator_ids(session, settings, question.region_id)
                ]
            for chat_id, thread_id in targets:
                reader = (
                    await members.get_by_telegram_id(session, chat_id)
                    if thread_id is None
                    else None
                )
                locale = reader.language if reader and reader.language else settings.default_locale
                text = i18n.gettext(
                    "⏰ Question #{number} has waited {hours} hours for an answer.", locale=locale
                ).format(number=question.id, hours=hours)
                if region is None or not region.coordinator_chat_id or not has_coordinator:
                    text += "\n" + i18n.gettext(
                        "This region has no coordinator group or no coordinator yet: please arrange one (/region_link, /coordinator_add).",
                        locale=locale,
                    )
                try:
                    await ctx.bot.send_message(chat_id, text, message_thread_id=thread_id)
                except TelegramAPIError as exc:
                    log.warning("question reminder not delivered", extra={"reason": str(exc)})
            question.last_reminder_at = now
            reminded += 1
        await session.commit()
    if reminded:
        log.info("overdue questions announced", extra={"count": reminded})
    return reminded


async def remind(scheduler: Scheduler) -> None:
    """The job: every half hour, starting at once."""
    await remind_overdue(scheduler.context)


async def rebuild(scheduler: Scheduler) -> None:
    scheduler.add_job(remind, Every(INTERVAL_SECONDS), id=JOB_ID)
