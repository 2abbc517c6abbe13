"""Run `python -m bot` as a real subprocess and read its structured log lines."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
_INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "SYSTEMROOT", "TMPDIR", "VIRTUAL_ENV")
# Limits, not waits: a process that is ready or stopped ends the wait at once. Start-up (import
# aiogram, migrate, reach the Bot API) takes seconds alone but far longer on two cores shared
# with other test runs; a clean stop after SIGTERM finishes the updates in hand first.
STARTUP_TIMEOUT = 90.0
STOP_TIMEOUT = 30.0


def bot_env(**settings: str) -> dict[str, str]:
    """A clean environment: only what the test sets, so a developer's .env or shell can't leak in."""
    env = {k: v for k, v in os.environ.items() if k in _INHERITED}
    env["PYTHONPATH"] = str(ROOT)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(settings)
    return env


class BotProcess:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.lines: list[str] = []

    @classmethod
    async def start(cls, *args: str, cwd: Path, **settings: str) -> BotProcess:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", *args,
            cwd=cwd, env=bot_env(**settings),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        return cls(proc)

    async def wait_for_log(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = STARTUP_TIMEOUT
    ) -> dict[str, Any]:
        """Read log lines until one (parsed as JSON) matches; fail with what was seen."""
        assert self.proc.stdout is not None

        async def _read() -> dict[str, Any]:
            while True:
                raw = await self.proc.stdout.readline()  # type: ignore[union-attr]
                if not raw:
                    raise AssertionError("process ended; output:\n" + "\n".join(self.lines))
                line = raw.decode(errors="replace").rstrip()
                self.lines.append(line)
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                if isinstance(event, dict) and predicate(event):
                    return event

        try:
            return await asyncio.wait_for(_read(), timeout)
        except TimeoutError:
            raise AssertionError(
                "no matching log line; output:\n" + "\n".join(self.lines)
            ) from None

    async def stop(self, timeout: float = STOP_TIMEOUT) -> int:
        if self.proc.returncode is None:
            self.proc.terminate()
        try:
            out, _ = await asyncio.wait_for(self.proc.communicate(), timeout)
        except TimeoutError:
            self.proc.kill()
            out, _ = await self.proc.communicate()
            self.lines.extend((out or b"").decode(errors="replace").splitlines())
            raise AssertionError(
                f"process did not stop within {timeout:g} s of SIGTERM; output:\n"
                + "\n".join(self.lines)
            ) from None
        self.lines.extend((out or b"").decode(errors="replace").splitlines())
        assert self.proc.returncode is not None
        return self.proc.returncode

    async def kill(self) -> None:
        if self.proc.returncode is None:
            self.proc.kill()
        await self.proc.wait()
