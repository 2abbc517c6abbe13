"""/regions, /region_add, /region_rename, /region_set (admins; coordinators may list)."""

from __future__ import annotations

from aiogram import Router, html
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.i18n import pgettext
from bot.services import regions
from bot.services.regions import RegionError
from bot.services.roles import Actor, NotAllowed
from db.engine import AsyncSession
from handlers.admin.common import Reply, send


async def regions_screen(session: AsyncSession, actor: Actor) -> list[Reply]:
    """/regions: the regions the actor may see, with how members join and whether it is open."""
    lines = [_("Regions (code · name · joining · open):")]
    for region in await regions.all_regions(session):
        if not actor.may_see_region(region.id):
            continue
        mode = _("with approval") if region.membership_mode == "approval" else _("automatic")
        state = (
            # Translators: a region is open when new members can join it
            pgettext("region", "open")
            if region.active
            # Translators: a region is closed when new members cannot join it
            else pgettext("region", "closed")
        )
        lines.append(f"<code>{region.code}</code> · {html.quote(region.name)} · {mode} · {state}")
    return [Reply("\n".join(lines))]


async def list_regions(message: Message, session: AsyncSession, actor: Actor) -> None:
    await send(message, await regions_screen(session, actor))


async def _region_or_usage(
    message: Message, session: AsyncSession, code: str
) -> regions.Region | None:
    region = await regions.by_code(session, code)
    if region is None:
        await message.answer(_("Unknown region code. See /regions."))
    return region


async def region_add(
    message: Message, command: CommandObject, session: AsyncSession, actor: Actor
) -> None:
    code, _sep, name = (command.args or "").strip().partition(" ")
    if not code or not name.strip():
        await message.answer(
            _("Usage: /region_add CODE NAME, for example /region_add utrecht Utrecht.")
        )
        return
    try:
        region = await regions.add(session, actor, code, name)
    except NotAllowed:
        await message.answer(_("Only admins can do this."))
        return
    except RegionError as exc:
        text = {
            "code": _("The code must be 2 to 32 small letters, digits, - or _."),
            "exists": _("A region with this code already exists."),
        }.get(str(exc), _("The name must be 1 to 128 characters."))
        await message.answer(text)
        return
    await message.answer(_("Region added: {name}.").format(name=html.quote(region.name)))


async def region_rename(
    message: Message, command: CommandObject, session: AsyncSession, actor: Actor
) -> None:
    code, _sep, name = (command.args or "").strip().partition(" ")
    if not code or not name.strip():
        await message.answer(
            _(
                "Usage: /region_rename CODE NEW NAME, for example /region_rename utrecht Utrecht Stad."
            )
        )
        return
    region = await _region_or_usage(message, session, code)
    if region is None:
        return
    try:
        await regions.rename(session, actor, region, name)
    except NotAllowed:
        await message.answer(_("Only admins can do this."))
        return
    except RegionError:
        await message.answer(_("The name must be 1 to 128 characters."))
        return
    await message.answer(_("Region renamed: {name}.").format(name=html.quote(region.name)))


async def region_set(
    message: Message, command: CommandObject, session: AsyncSession, actor: Actor
) -> None:
    parts = (command.args or "").split()
    if len(parts) != 2:
        await message.answer(_("Usage: /region_set CODE approval|auto|active|inactive."))
        return
    region = await _region_or_usage(message, session, parts[0])
    if region is None:
        return
    try:
        await regions.configure(session, actor, region, parts[1].lower())
    except NotAllowed:
        await message.answer(_("Only admins can do this."))
        return
    except RegionError:
        await message.answer(_("Usage: /region_set CODE approval|auto|active|inactive."))
        return
    await message.answer(_("Saved."))


def create_router() -> Router:
    """This feature's handlers on a new router (one per Dispatcher)."""
    router = Router(name=__name__)
    router.message.register(list_regions, Command("regions"))
    router.message.register(region_add, Command("region_add"))
    router.message.register(region_rename, Command("region_rename"))
    router.message.register(region_set, Command("region_set"))
    return router
