"""The bot's command menu (setMyCommands): members see theirs, staff see theirs, per language."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from aiogram.utils.i18n import I18n
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import SUPPORTED_LOCALES, Settings
from bot.i18n import resolve_locale
from bot.marking import N_
from bot.services import members
from db.models import RoleGrant

log = logging.getLogger(__name__)

MEMBER_COMMANDS = [
    ("start", N_("Start or open the menu")),
    ("ask", N_("Ask the coordinators a question")),
    ("myquestions", N_("Your questions and answers")),
    ("faq", N_("Answers to common questions")),
    ("language", N_("Choose your language")),
    ("region", N_("Move to another pool")),
    ("privacy", N_("What we store and why")),
    ("mydata", N_("See all your data")),
    ("delete", N_("Delete all your data")),
    ("pause", N_("No messages for a while")),
    ("resume", N_("Get messages again")),
    ("volunteer", N_("Help as a volunteer translator")),
    ("meetings", N_("Meetings of your pool; your answer")),
    ("results", N_("Survey results and what was done")),
    ("help", N_("What this bot can do")),
]
STAFF_COMMANDS = [
    ("admin", N_("Coordinator menu")),
    ("members", N_("Members of your regions")),
    ("member", N_("One member's card")),
    ("approve", N_("Approve a member")),
    ("broadcast", N_("Send an announcement to your pools")),
    ("broadcasts", N_("Recent announcements; cancel one")),
    ("questions", N_("New and answered questions of your regions")),
    ("reply", N_("Answer a question: /reply 17 text")),
    ("close", N_("Close a question: /close 17")),
    ("reopen", N_("Open a closed question again: /reopen 17")),
    ("translate", N_("Reply to an answer: a volunteer translates it")),
    ("templates", N_("Reply templates: see, change, delete")),
    ("template_add", N_("Make a reply template")),
    ("faq_admin", N_("FAQ entries: review, write, retire")),
    ("survey_list", N_("Surveys")),
    ("survey_import", N_("Import a survey file")),
    ("survey_schedule", N_("Plan a survey for a region")),
    ("survey_schedules", N_("Planned surveys")),
    ("survey_cancel", N_("Stop a planned survey")),
    ("survey_results", N_("Results of a survey")),
    ("survey_export", N_("Export a survey's answers (CSV)")),
    ("survey_report", N_("A survey's report for the municipality (PDF)")),
    ("survey_quotes", N_("Choose the quotes a survey report may show")),
    ("survey_drafts", N_("Machine drafts for a survey's missing languages")),
    ("survey_reviewed", N_("Mark a survey's machine drafts as reviewed")),
    ("findings", N_("Tell the pool what a survey showed and what was done")),
    ("meeting_new", N_("Plan a meeting and invite the pool")),
    ("attended", N_("Check in who came to a meeting: /attended 12")),
    ("stats", N_("Numbers per region")),
    ("regions", N_("List the regions")),
    ("coordinators", N_("Who coordinates what")),
    ("audit", N_("Latest staff actions")),
]


def _commands(i18n: I18n, items: list[tuple[str, str]], locale: str) -> list[BotCommand]:
    return [BotCommand(command=c, description=i18n.gettext(d, locale=locale)) for c, d in items]


async def staff_ids(session: AsyncSession, settings: Settings) -> list[int]:
    granted = await session.scalars(
        select(RoleGrant.telegram_id).where(RoleGrant.telegram_id.is_not(None))
    )
    return list(dict.fromkeys([*settings.admin_ids, *(i for i in granted if i is not None)]))


async def publish_staff_commands(
    bot: Bot, session: AsyncSession, settings: Settings, i18n: I18n, telegram_id: int,
    language: str | None = None,
) -> None:  # fmt: skip
    """A staff member's own menu (needs a chat with them), in the language their replies
    come in: their stored language (or `language`, just chosen), else their Telegram app's
    language when the bot has it, else the default. One list per app language, so the rule
    holds whatever language their app is set to."""
    if language is None:
        member = await members.get_by_telegram_id(session, telegram_id)
        language = member.language if member else None
    scope = BotCommandScopeChat(chat_id=telegram_id)
    items = MEMBER_COMMANDS + STAFF_COMMANDS
    try:
        for app_language in SUPPORTED_LOCALES:
            locale = resolve_locale(language, app_language, settings.default_locale)
            await bot.set_my_commands(
                _commands(i18n, items, locale), scope=scope, language_code=app_language
            )
        locale = resolve_locale(language, None, settings.default_locale)
        await bot.set_my_commands(_commands(i18n, items, locale), scope=scope)
    except TelegramAPIError as exc:  # they never opened a chat with the bot yet
        log.info("staff command menu not set", extra={"reason": str(exc)})


async def republish_if_staff(
    bot: Bot, session: AsyncSession, settings: Settings, i18n: I18n, telegram_id: int,
    language: str,
) -> None:  # fmt: skip
    """After a language choice: a staff member's menu follows it."""
    if telegram_id in await staff_ids(session, settings):
        await publish_staff_commands(bot, session, settings, i18n, telegram_id, language)


async def publish_commands(
    bot: Bot, session_factory: async_sessionmaker[AsyncSession], settings: Settings, i18n: I18n
) -> None:
    for locale in SUPPORTED_LOCALES:
        await bot.set_my_commands(
            _commands(i18n, MEMBER_COMMANDS, locale),
            scope=BotCommandScopeDefault(),
            language_code=locale,
        )
    await bot.set_my_commands(
        _commands(i18n, MEMBER_COMMANDS, settings.default_locale), scope=BotCommandScopeDefault()
    )
    async with session_factory() as session:
        for telegram_id in await staff_ids(session, settings):
            await publish_staff_commands(bot, session, settings, i18n, telegram_id)
