"""/admin menu, coordinators and admins, and the audit log."""

from __future__ import annotations

from aiogram import Bot, Router, html
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import AdminMenuAction, AdminMenuCallback
from bot.commands import publish_staff_commands
from bot.config import Settings
from bot.i18n import format_moment
from bot.numbers import parse_id, parse_telegram_id
from bot.services import audit, regions, roles
from bot.services.roles import Actor, NotAllowed
from bot.surveys import admin_views
from bot.surveys.callbacks import SurveyAdminAction, SurveyAdminCallback
from db.engine import AsyncSession
from db.models import Region
from handlers.admin.common import Reply, send
from handlers.admin.members import members_screen, stats_screen
from handlers.admin.regions import regions_screen


def _menu(actor: Actor) -> list[tuple[AdminMenuAction, str, str]]:
    items = [
        (AdminMenuAction.MEMBERS, _("Members"), "/members"),
        (AdminMenuAction.STATS, _("Statistics"), "/stats"),
        (AdminMenuAction.REGIONS, _("Regions"), "/regions"),
        (AdminMenuAction.COORDINATORS, _("Coordinators"), "/coordinators"),
        (AdminMenuAction.AUDIT, _("Audit log"), "/audit"),
    ]
    return items


async def admin_menu(message: Message, actor: Actor) -> None:
    builder = InlineKeyboardBuilder()
    for action, label, _command in _menu(actor):
        builder.button(text=label, callback_data=AdminMenuCallback(action=action))
    builder.button(
        text=admin_views.surveys_entry(),
        callback_data=SurveyAdminCallback(a=SurveyAdminAction.LIST),
    )
    builder.adjust(2)
    role = _("admin") if actor.is_admin else _("coordinator")
    lines = [_("You are {role}. What do you want to do?").format(role=role), ""]
    lines += [f"{command} – {label}" for _action, label, command in _menu(actor)]
    lines.append("/survey_list – " + _("Surveys"))
    if actor.is_admin:
        lines += [
            "/coordinator_add – " + _("make someone coordinator of a region"),
            "/coordinator_remove – " + _("take the coordinator role away"),
            "/region_add, /region_rename, /region_set – " + _("manage regions"),
        ]
    lines += ["", _("All commands, with examples: /help")]
    await message.answer("\n".join(lines), reply_markup=builder.as_markup())


async def admin_menu_button(
    query: CallbackQuery,
    callback_data: AdminMenuCallback,
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    i18n: I18n,
) -> None:
    await query.answer()
    if not isinstance(query.message, Message):
        return
    action, locale = callback_data.action, i18n.current_locale
    if action == "members":
        replies = await members_screen(session, actor, None, locale)
    elif action == "stats":
        replies = await stats_screen(session, actor, None, locale, settings)
    elif action == "regions":
        replies = await regions_screen(session, actor)
    elif action == "coordinators":
        replies = await coordinators_screen(session, actor)
    elif action == "audit":
        replies = await audit_screen(session, actor, None, settings, locale)
    else:
        return
    await send(query.message, replies)


async def coordinators_screen(session: AsyncSession, actor: Actor) -> list[Reply]:
    """/coordinators: the role grants the actor may see."""
    names = {r.id: r.name for r in await regions.all_regions(session)}
    lines = [_("Coordinators and admins:")]
    for grant in await roles.grants(session, actor):
        who = (
            "@" + str(grant.pending_username) + " (" + _("waiting for first message") + ")"
            if grant.pending_username
            else str(grant.telegram_id)
        )
        where = html.quote(names.get(grant.region_id or 0, _("all regions")))
        role = _("admin") if grant.role == roles.ADMIN else _("coordinator")
        lines.append(f"{html.quote(who)} · {role} · {where}")
    if len(lines) == 1:
        lines.append(_("None yet. Admins from the configuration can do everything."))
    return [Reply("\n".join(lines))]


async def coordinators(message: Message, session: AsyncSession, actor: Actor) -> None:
    await send(message, await coordinators_screen(session, actor))


async def _change_role(
    message: Message,
    command: CommandObject,
    bot: Bot,
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    i18n: I18n,
    add: bool,
) -> None:
    parts = (command.args or "").split()
    if len(parts) != 2:
        await message.answer(
            _(
                "Usage: /{command} USER REGION (USER is a Telegram user id or @username, REGION a region code)."
            ).format(command=command.command)
        )
        return
    region: Region | None = await regions.by_code(session, parts[1])
    if region is None:
        await message.answer(_("Unknown region code. See /regions."))
        return
    try:
        if add:
            await roles.grant(session, actor, parts[0], roles.COORDINATOR, region)
        else:
            removed = await roles.revoke(session, actor, parts[0], roles.COORDINATOR, region)
            if not removed:
                await message.answer(_("Nothing to remove."))
                return
    except NotAllowed:
        await message.answer(_("Only admins can do this."))
        return
    except ValueError:
        await message.answer(_("Give a Telegram user id (a number) or an @username."))
        return
    await audit.record(
        session, actor.telegram_id, audit.ROLE_GRANT if add else audit.ROLE_REVOKE,
        region_id=region.id, target=parts[0],
    )  # fmt: skip
    user_id = parse_telegram_id(parts[0])
    if add and user_id is not None and user_id > 0:
        await publish_staff_commands(bot, session, settings, i18n, user_id)
    await message.answer(_("Saved."))


async def coordinator_add(
    message: Message,
    command: CommandObject,
    bot: Bot,
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    i18n: I18n,
) -> None:
    await _change_role(message, command, bot, session, actor, settings, i18n, add=True)


async def coordinator_remove(
    message: Message,
    command: CommandObject,
    bot: Bot,
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    i18n: I18n,
) -> None:
    await _change_role(message, command, bot, session, actor, settings, i18n, add=False)


async def audit_screen(
    session: AsyncSession, actor: Actor, args: str | None, settings: Settings, locale: str
) -> list[Reply]:
    """/audit [how many]: the latest staff actions (admins only; others get nothing)."""
    args = (args or "").strip()
    limit = min(parse_id(args) or 20, 200)
    try:
        entries = await audit.latest(session, actor, limit)
    except NotAllowed:
        return []
    lines = [_("Latest actions:")]
    for entry in entries:
        when = format_moment(entry.created_at, locale, settings.tz)
        target = f" #{entry.member_id}" if entry.member_id else ""
        lines.append(f"{when} · {entry.actor_id} · {entry.action}{target}")
    if len(lines) == 1:
        lines.append(_("Nothing yet."))
    return [Reply("\n".join(lines))]


async def audit_command(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    i18n: I18n,
) -> None:
    await send(
        message, await audit_screen(session, actor, command.args, settings, i18n.current_locale)
    )


def create_router() -> Router:
    """This feature's handlers on a new router (one per Dispatcher)."""
    router = Router(name=__name__)
    router.message.register(admin_menu, Command("admin"))
    router.callback_query.register(admin_menu_button, AdminMenuCallback.filter())
    router.message.register(coordinators, Command("coordinators"))
    router.message.register(coordinator_add, Command("coordinator_add"))
    router.message.register(coordinator_remove, Command("coordinator_remove"))
    router.message.register(audit_command, Command("audit"))
    return router
