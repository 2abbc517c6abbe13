"""`python -m bot <command>`: run, migrate (more subcommands join as features land)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from sqlalchemy.exc import SQLAlchemyError

from bot import cli_admin, cli_surveys
from bot.config import ConfigError, Settings, load_settings
from bot.logs import setup_logging
from bot.sandbox import runner as sandbox


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Expert-pool Telegram bot")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser(
        "run", help="run the bot (long polling, or a webhook server when WEBHOOK_URL is set)"
    )
    commands.add_parser("migrate", help="apply database migrations and seed a fresh database")
    cli_admin.add_parsers(commands)
    cli_surveys.add_parsers(commands)
    sandbox.add_parser(commands)
    return parser


def _run(args: argparse.Namespace, settings: Settings) -> None:
    from bot import app

    if args.command == "run":
        asyncio.run(app.run_until_signal(app.run(settings)))
    elif args.command == "migrate":
        asyncio.run(app.prepare_database_exclusively(settings))
    elif args.command in ("region", "coordinator"):
        asyncio.run(app.prepare_database_exclusively(settings))
        for line in asyncio.run(cli_admin.run(args, settings)):
            print(line)
    elif args.command == "survey":
        if args.action != "validate":
            asyncio.run(app.prepare_database_exclusively(settings))
        for line in asyncio.run(cli_surveys.run(args, settings)):
            print(line)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    if args.command == "sandbox":  # needs no .env: it makes its own settings
        return sandbox.main(args)
    try:
        settings = load_settings()
        token = settings.bot_token.get_secret_value() if settings.bot_token else ""
        setup_logging(settings.log_level, settings.log_format, secrets=[token])
        if args.command == "run":
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
