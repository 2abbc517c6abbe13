"""`python -m bot region …` and `python -m bot coordinator …`: setup without Telegram.

The CLI acts as an admin (audit actor 0: whoever has shell access to the server).
"""

from __future__ import annotations

import argparse
from typing import Any

from bot.config import Settings
from bot.services import audit, regions, roles
from bot.services.regions import RegionError
from db.engine import create_engine, create_session_factory

CLI_ACTOR = roles.Actor(telegram_id=0, is_admin=True, region_ids=frozenset())


class CliError(Exception):
    """A usage problem, printed as one line with exit code 2."""


def add_parsers(commands: Any) -> None:
    region = commands.add_parser("region", help="list, add, rename or configure regions")
    region_cmd = region.add_subparsers(dest="action", metavar="ACTION", required=True)
    region_cmd.add_parser("list", help="list regions")
    add = region_cmd.add_parser("add", help="add a region")
    add.add_argument("code")
    add.add_argument("name", nargs="+")
    rename = region_cmd.add_parser("rename", help="rename a region")
    rename.add_argument("code")
    rename.add_argument("name", nargs="+")
    setting = region_cmd.add_parser("set", help="approval|auto|active|inactive")
    setting.add_argument("code")
    setting.add_argument("setting", choices=["approval", "auto", "active", "inactive"])

    coordinator = commands.add_parser("coordinator", help="grant or revoke coordinator roles")
    coord_cmd = coordinator.add_subparsers(dest="action", metavar="ACTION", required=True)
    coord_cmd.add_parser("list", help="list coordinators and admins")
    for name in ("add", "remove"):
        sub = coord_cmd.add_parser(name, help=f"{name} a coordinator (user id or @username)")
        sub.add_argument("user")
        sub.add_argument("region")


async def _region(session: Any, code: str) -> regions.Region:
    region = await regions.by_code(session, code)
    if region is None:
        raise CliError(f"unknown region code '{code}' (see: python -m bot region list)")
    return region


async def run(args: argparse.Namespace, settings: Settings) -> list[str]:
    """Carry out the command; return the lines to print."""
    engine = create_engine(settings.database_url)
    try:
        async with create_session_factory(engine)() as session:
            lines = await _dispatch(session, args)
            await session.commit()
            return lines
    finally:
        await engine.dispose()


async def _dispatch(session: Any, args: argparse.Namespace) -> list[str]:
    try:
        if args.command == "region":
            return await _region_command(session, args)
        return await _coordinator_command(session, args)
    except RegionError as exc:
        raise CliError(f"invalid region {exc}") from None
    except ValueError as exc:
        raise CliError(str(exc)) from None


async def _region_command(session: Any, args: argparse.Namespace) -> list[str]:
    if args.action == "list":
        return [
            f"{r.code}\t{r.name}\t{r.membership_mode}\t{'active' if r.active else 'inactive'}"
            for r in await regions.all_regions(session)
        ]
    if args.action == "add":
        region = await regions.add(session, CLI_ACTOR, args.code, " ".join(args.name))
        return [f"added {region.code}: {region.name}"]
    region = await _region(session, args.code)
    if args.action == "rename":
        await regions.rename(session, CLI_ACTOR, region, " ".join(args.name))
        return [f"renamed {region.code}: {region.name}"]
    await regions.configure(session, CLI_ACTOR, region, args.setting)
    return [f"{region.code}: {args.setting}"]


async def _coordinator_command(session: Any, args: argparse.Namespace) -> list[str]:
    if args.action == "list":
        names = {r.id: r.code for r in await regions.all_regions(session)}
        return [
            f"{g.telegram_id or '@' + str(g.pending_username)}\t{g.role}\t{names.get(g.region_id or 0, '*')}"
            for g in await roles.grants(session, CLI_ACTOR)
        ]
    region = await _region(session, args.region)
    if args.action == "add":
        await roles.grant(session, CLI_ACTOR, args.user, roles.COORDINATOR, region)
        await audit.record(session, 0, audit.ROLE_GRANT, region_id=region.id, target=args.user)
        return [f"{args.user} coordinates {region.code}"]
    removed = await roles.revoke(session, CLI_ACTOR, args.user, roles.COORDINATOR, region)
    await audit.record(session, 0, audit.ROLE_REVOKE, region_id=region.id, target=args.user)
    return [f"removed {removed} grant(s)"]
