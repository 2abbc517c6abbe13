"""Staff's own /help (grouped: members, questions, surveys, announcements, regions; admins
also see their own lines), and their command menu following a language choice."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.callbacks import LanguageCallback
from bot.commands import republish_if_staff
from bot.config import SUPPORTED_LOCALES, Settings
from bot.filters import Staff
from bot.i18n import RTL_LOCALES, pgettext
from bot.services.roles import Actor
from bot.surveys import admin_texts, admin_views
from db.engine import AsyncSession


def _line(locale: str, command: str, args: str, text: str) -> str:
    # A right-to-left line must start right to left: a leading command would turn it round.
    mark = "\u200f" if locale in RTL_LOCALES else ""
    return f"{mark}{command}{' ' + args if args else ''} – {text}"


def staff_help(actor: Actor, locale: str) -> str:
    number, region, survey = (
        pgettext("command argument", "NUMBER"),
        pgettext("command argument", "REGION"),
        pgettext("command argument", "SURVEY"),
    )
    user, code, name = (
        pgettext("command argument", "USER"),
        pgettext("command argument", "CODE"),
        pgettext("command argument", "NAME"),
    )
    text, status = pgettext("command argument", "TEXT"), pgettext("command argument", "STATUS")
    groups: list[tuple[str, list[tuple[str, str, str]]]] = [
        (_("Members"), [
            ("/members", f"[{region}] [{status}]", _("members of your regions, by status")),
            ("/member", number, _("one member's card")),
            ("/approve", number, _("approve a member who is waiting")),
            ("/stats", f"[{region}]", _("numbers per region")),
        ]),
        (_("Questions"), [
            ("/questions", "", _("new questions, and answered ones waiting for the member")),
            ("/reply", f"{number} {text}", _("answer a question (or reply to its message)")),
            ("/close", number, _("close a question")),
            ("/reopen", number, _("open a closed question again")),
            ("/translate", "", _("reply to an answer with this: a volunteer translates it")),
            ("/templates", "", _("reply templates: see, change or delete them")),
            ("/template_add", "", _("make a reply template")),
            ("/save_template", name, _("in a question's topic, reply to your own message "
                                       "with this: it becomes a template")),
            ("/t", name, _("in a question's topic: send a template to the member")),
            ("/faq_admin", "", _("FAQ entries: review machine drafts, write a language, retire; "
                                 "make one with “Add to FAQ” on an answered question's card")),
        ]),
        (_("Surveys"), [
            ("/admin", "", _("everything for surveys with buttons: {button}").format(
                button=admin_views.surveys_entry())),
            ("/survey_list", "", _("the surveys")),
            ("/survey_import", "", _("import a survey file (or just send me the file)")),
            ("/survey_schedule", "", _("plan a survey, see below")),
            ("/survey_schedules", "", _("planned surveys")),
            ("/survey_cancel", number, _("stop a planned survey")),
            ("/survey_results", f"{survey} [{region}]", _("results")),
            ("/survey_export", f"{survey} [{region}]", _("the answers as CSV files")),
            ("/survey_report", f"{survey} [{number}] [{region}]",
             _("the report for the municipality as PDF (run number optional)")),
            ("/survey_quotes", survey, _("choose the written answers the report may quote")),
            ("/survey_drafts", survey, _("machine drafts for missing languages")),
            ("/survey_reviewed", survey, _("machine drafts checked and accepted")),
            ("/findings", f"[{number}]", _("tell the pool what a survey showed and what was done")),
        ]),
        (_("Meetings"), [
            ("/meeting_new", "", _("plan a meeting step by step and invite the pool")),
            ("/meeting_new", f"{region} 2026-12-15 19:00 … | …", _("the same in one line")),
            ("/meetings", "", _("answers, needs, attendees, CSV, change, cancel, check-in")),
            ("/attended", number, _("check-in list of a meeting on the day")),
        ]),
        (_("Announcements"), [
            ("/broadcast", "", _("send an announcement to your pools")),
            ("/broadcasts", "", _("recent announcements; cancel one")),
        ]),
        (_("Regions"), [
            ("/regions", "", _("the regions")),
            ("/coordinators", "", _("who coordinates what")),
            ("/region_link", region, _("in your coordinators' group: link it to your region")),
        ]),
    ]  # fmt: skip
    if actor.is_admin:
        groups.append((_("Admins only"), [
            ("/coordinator_add", f"{user} {region}", _("make someone coordinator of a region")),
            ("/coordinator_remove", f"{user} {region}", _("take the coordinator role away")),
            ("/region_add", f"{code} {name}", _("add a region")),
            ("/region_rename", f"{code} {name}", _("rename a region")),
            ("/region_set", f"{code} approval|auto|active|inactive", _("who may join a region")),
            ("/audit", f"[{number}]", _("latest staff actions")),
        ]))  # fmt: skip
    blocks = [_("What you can do as coordinator:")]
    for title, lines in groups:
        blocks.append("\n".join([f"<b>{title}</b>", *(_line(locale, *line) for line in lines)]))
        if title == _("Surveys"):
            blocks[-1] += "\n" + admin_texts.usage()
    blocks.append(_("Member commands such as /language and /privacy work for you too."))
    return "\n\n".join(blocks)


async def help_command(message: Message, actor: Actor, i18n: I18n) -> None:
    await message.answer(staff_help(actor, i18n.current_locale))


async def language_chosen(
    query: CallbackQuery, callback_data: LanguageCallback, bot: Bot, session: AsyncSession,
    settings: Settings, i18n: I18n,
) -> None:  # fmt: skip
    """A staff member picked a language: their command menu follows. The language itself is
    stored by the onboarding handler, which handles the press next."""
    await republish_if_staff(bot, session, settings, i18n, query.from_user.id, callback_data.code)
    raise SkipHandler


def create_router() -> Router:
    """This feature's handlers on a new router (one per Dispatcher)."""
    router = Router(name=__name__)
    router.message.register(help_command, F.chat.type == "private", Staff(), Command("help"))
    router.callback_query.register(
        language_chosen, Staff(), LanguageCallback.filter(F.code.in_(SUPPORTED_LOCALES))
    )
    return router
