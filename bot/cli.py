"""`python -m bot <command>`: run, migrate, admin and survey commands, and plug-in commands.

Plug-in commands come from installed distributions through the entry-point group
``expertpool_bot.commands``: each entry names a module with ``add_parser(subparsers)`` and
``main(args) -> int``. The development sandbox (packages/sandbox) adds ``sandbox`` this way,
so the bot itself never imports it.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points
from types import ModuleType

from sqlalchemy.exc import SQLAlchemyError

from bot import cli_admin, cli_backup, cli_report, cli_retention, cli_surveys
from bot.config import ConfigError, Settings, load_settings
from bot.logs import setup_logging

PLUGIN_GROUP = "expertpool_bot.commands"
DEV_ONLY = {
    "sandbox": "the sandbox is a development tool: in a clone of the repository run `make sandbox`"
}


def _plugins() -> dict[str, ModuleType]:
    return {entry.name: entry.load() for entry in entry_points(group=PLUGIN_GROUP)}


def _parser(plugins: dict[str, ModuleType] | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Expert-pool Telegram bot")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser(
        "run", help="run the bot (long polling, or a webhook server when WEBHOOK_URL is set)"
    )
    commands.add_parser(
        "broadcaster",
        help="send broadcasts in a process of its own (with BROADCAST_ENGINE=process)",
    )
    commands.add_parser("migrate", help="apply database migrations and seed a fresh database")
    cli_admin.add_parsers(commands)
    cli_surveys.add_parsers(commands)
    cli_retention.add_parsers(commands)
    cli_report.add_parsers(commands)
    cli_backup.add_parsers(commands)
    for plugin in (plugins or {}).values():
        plugin.add_parser(commands)
    return parser


def _run(args: argparse.Namespace, settings: Settings) -> None:
    # Only `run` imports the bot itself (aiogram, handlers): the other commands touch the
    # database alone and start in a fraction of the time.
    if args.command == "run":
        from bot import app

        asyncio.run(app.run_until_signal(app.run(settings)))
        return
    if args.command == "broadcaster":
        from bot import app

        asyncio.run(app.run_until_signal(app.run_broadcaster(settings)))
        return
    if args.command in ("backup", "restore"):  # never migrate before: restore does after
        for line in asyncio.run(cli_backup.run(args, settings)):
            print(line)
        return
    from bot.database import prepare_database_exclusively

    if args.command == "migrate":
        asyncio.run(prepare_database_exclusively(settings))
    elif args.command in ("region", "coordinator"):
        asyncio.run(prepare_database_exclusively(settings))
        for line in asyncio.run(cli_admin.run(args, settings)):
            print(line)
    elif args.command == "survey":
        if args.action != "validate":
            asyncio.run(prepare_database_exclusively(settings))
        for line in asyncio.run(cli_surveys.run(args, settings)):
            print(line)
    elif args.command == "retention":
        asyncio.run(prepare_database_exclusively(settings))
        for line in asyncio.run(cli_retention.run(args, settings)):
            print(line)
    elif args.command == "report":
        asyncio.run(prepare_database_exclusively(settings))
        for line in asyncio.run(cli_report.run(args, settings)):
            print(line)


def main(argv: Sequence[str] | None = None) -> int:
    plugins = _plugins()
    words = list(sys.argv[1:] if argv is None else argv)
    if words and words[0] in DEV_ONLY and words[0] not in plugins:
        print(f"python -m bot {words[0]}: {DEV_ONLY[words[0]]}", file=sys.stderr)
        return 2
    parser = _parser(plugins)
    args = parser.parse_args(words)
    if args.command is None:
        parser.print_help()
        return 2
    if args.command in plugins:  # plug-ins make their own settings (the sandbox needs no .env)
        return int(plugins[args.command].main(args))
    try:
        settings = load_settings()
        token = settings.bot_token.get_secret_value() if settings.bot_token else ""
        setup_logging(settings.log_level, settings.log_format, secrets=[token])
        if args.command == "run" or (args.command == "retention" and not args.dry_run):
            settings.require_token()
        _run(args, settings)
    except cli_admin.CliError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    except ConfigError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    except (OSError, SQLAlchemyError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        print(f"Database error: cannot use DATABASE_URL: {reason}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0
