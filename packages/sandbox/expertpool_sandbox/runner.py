"""`python -m bot sandbox`: the whole bot on this machine, in a browser, without Telegram.

Starts the local Bot API emulator, the real bot against it (SQLite in the data folder,
leader services included), seeds demo data on the first start, and serves a Telegram-like
page. Needs no BOT_TOKEN and no internet: the token is made up and only the emulator
checks it. The data folder keeps the bot's database and the emulated chats across
restarts; ``--fresh`` uses a temporary folder instead.

This module stays light to import (the CLI builds its parser from it on every command);
the running parts live in expertpool_sandbox.stack.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.config import ConfigError
from bot.logs import setup_logging

if TYPE_CHECKING:
    from expertpool_sandbox.stack import Sandbox

DEFAULT_PORT = 8080
DEFAULT_DATA_DIR = Path("data/sandbox")


async def run_sandbox(
    port: int = DEFAULT_PORT,
    data_dir: Path | None = DEFAULT_DATA_DIR,
    *,
    host: str = "127.0.0.1",
    demo_data: bool = True,
    on_ready: Callable[[Sandbox], None] | None = None,
) -> None:
    """Run until cancelled (Ctrl-C / SIGTERM through bot.app.run_until_signal).

    `data_dir` None: a temporary folder, removed afterwards. `on_ready` gets the running
    sandbox (default: print its URL).
    """
    from expertpool_sandbox.stack import Sandbox

    with contextlib.ExitStack() as cleanup:
        if data_dir is None:
            data_dir = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="sandbox-")))
        async with Sandbox(data_dir, host=host, port=port, demo_data=demo_data) as sandbox:
            (on_ready or announce)(sandbox)
            await asyncio.Event().wait()


def announce(sandbox: Sandbox) -> None:
    print(f"Sandbox ready: {sandbox.url}", flush=True)
    print(f"Data folder: {sandbox.data_dir}  ·  Ctrl-C stops it.", flush=True)


def add_parser(commands: Any) -> None:
    sandbox = commands.add_parser(
        "sandbox", help="try the bot locally in a browser, with no Telegram account or token"
    )
    sandbox.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="port of the page (0: any free port)"
    )
    sandbox.add_argument("--host", default="127.0.0.1", help="address to serve the page on")
    where = sandbox.add_mutually_exclusive_group()
    where.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help=f"folder kept across restarts (default {DEFAULT_DATA_DIR})",
    )
    where.add_argument("--fresh", action="store_true", help="use a temporary folder instead")
    sandbox.add_argument("--no-demo", action="store_true", help="start without demo people")
    sandbox.add_argument("--verbose", action="store_true", help="log what the bot does")


def main(args: argparse.Namespace) -> int:
    from bot.app import run_until_signal

    setup_logging("INFO" if args.verbose else "WARNING", "text")
    data_dir = None if args.fresh else args.data
    try:
        asyncio.run(
            run_until_signal(
                run_sandbox(args.port, data_dir, host=args.host, demo_data=not args.no_demo)
            )
        )
    except ConfigError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        hint = " (another port: --port 8081, or any free one: --port 0)"
        busy = exc.errno == errno.EADDRINUSE
        print(f"Cannot start the sandbox: {exc}{hint if busy else ''}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"Cannot start the sandbox: {exc}", file=sys.stderr)
        return 1
    return 0
