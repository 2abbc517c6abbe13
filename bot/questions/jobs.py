"""Scheduled question jobs: questions without an answer are announced again to the
coordinators; translations owed to a chat are tried again and added when they arrive."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from aiogram.exceptions import TelegramAPIError
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.bridge import Translation
from bot.messenger import Undeliverable
from bot.questions import render, rules, translation
from bot.questions.translation import translation_copy
from bot.scheduler import Every, JobContext, Scheduler
from bot.services import members, roles
from bot.telegram.messenger import TelegramMessenger
from db.base import utcnow
from db.models import PendingTranslation, Question, QuestionMessage, Region, RoleGrant

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
                ngettext = i18n.gettext  # named so that extraction sees a plural entry
                text = ngettext(
                    "⏰ Question #{number} has waited {hours} hour for an answer.",
                    "⏰ Question #{number} has waited {hours} hours for an answer.",
                    hours,
                    locale=locale,
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


# --- the language bridge ---

TRANSLATIONS_JOB_ID = "questions:translations"
TRANSLATIONS_INTERVAL_SECONDS = 30
LANGUAGES_JOB_ID = "bridge:languages"
LANGUAGES_INTERVAL_SECONDS = 24 * 60 * 60


@dataclass(frozen=True)
class _Owed:
    id: int
    question_id: int
    direction: str
    chat_id: int
    thread_id: int | None
    reply_to: int | None
    source: str
    target: str
    text: str
    member_id: int | None


async def retry_translations(
    ctx: JobContext, *, everything: bool = False, fresh: bool = False
) -> int:
    """Try again the translations owed to chats whose next attempt has come (`everything`:
    all of them; `fresh`: also those not tried again yet, when a late translation arrived);
    add each that arrives as a reply to its original. Returns how many."""
    bridge = ctx.bridge
    if bridge is None or not bridge.configured:
        return 0
    async with ctx.session_factory() as session:
        owed = []
        for pending in await translation.due(session, everything=everything, fresh=fresh):
            row = await session.get(QuestionMessage, pending.message_id)
            question = await session.get(Question, pending.question_id)
            if row is None or not row.text or question is None:
                await session.delete(pending)
                continue
            owed.append(
                _Owed(pending.id, pending.question_id, pending.direction, pending.chat_id, pending.thread_id,
                      pending.reply_to, pending.source, pending.target, row.text,
                      question.member_id)
            )  # fmt: skip
        await session.commit()
    if not owed:
        return 0
    translator = translation.Translator(bridge, ctx.session_factory)
    messenger = TelegramMessenger(ctx.bot)
    views = render.InboxViews(ctx.i18n)
    delivered = 0
    for item in owed:
        result = await translator.translate(
            item.text, item.source, item.target, member_id=item.member_id,
            wait=ctx.settings.translation_timeout + 5,
        )  # fmt: skip
        async with ctx.session_factory() as session:
            if isinstance(result, Translation):
                # Claim the row by deleting it: of two runs at once, one sends.
                claimed = await session.execute(
                    delete(PendingTranslation).where(PendingTranslation.id == item.id)
                )
                if not getattr(claimed, "rowcount", 0):
                    continue
                locale = await _locale(session, ctx, item)
                await session.commit()  # once: a failed send below is not repeated
                with ctx.i18n.context():  # a job has no update whose middleware sets it
                    text = (
                        views.staff_translation(locale, result)
                        if item.direction == "staff"
                        else views.member_translation(locale, result, None)
                    )
                try:
                    sent = await messenger.send_text(
                        item.chat_id, text, thread_id=item.thread_id, reply_to=item.reply_to
                    )
                except Undeliverable as exc:
                    log.warning("late translation not delivered", extra={"reason": str(exc)})
                    continue
                delivered += 1
                if item.direction == "staff":
                    session.add(translation_copy(item.question_id, item.chat_id, sent))
                    await session.commit()
                continue
            pending = await session.get(PendingTranslation, item.id)
            if pending is None:
                continue
            if result.retry_later and translation.postpone(pending, result.retry_after):
                await session.commit()
                continue
            await session.delete(pending)
            await session.commit()
            log.info("translation given up", extra={"reason": result.reason.value})
    if delivered:
        log.info("late translations delivered", extra={"count": delivered})
    return delivered


async def _locale(session: AsyncSession, ctx: JobContext, item: _Owed) -> str:
    if item.direction == "member":
        return item.target
    if item.thread_id is not None:
        return ctx.settings.default_locale
    reader = await members.get_by_telegram_id(session, item.chat_id)
    return reader.language if reader and reader.language else ctx.settings.default_locale


async def retry(scheduler: Scheduler) -> None:
    """The job: every half minute, owed translations whose time has come."""
    await retry_translations(scheduler.context)


async def refresh_languages(scheduler: Scheduler) -> None:
    """The job: once a day, read the providers' language lists again."""
    bridge = scheduler.context.bridge
    if bridge is not None and bridge.configured:
        await bridge.refresh_languages()


async def rebuild_translations(scheduler: Scheduler) -> None:
    bridge = scheduler.context.bridge
    if bridge is None or not bridge.configured:
        return
    scheduler.add_job(retry, Every(TRANSLATIONS_INTERVAL_SECONDS), id=TRANSLATIONS_JOB_ID)
    scheduler.add_job(
        refresh_languages,
        Every(LANGUAGES_INTERVAL_SECONDS, at_start=False),
        id=LANGUAGES_JOB_ID,
    )
