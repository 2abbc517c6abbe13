"""The repository stands alone: a copy with no `shared/` folder anywhere above it runs the sandbox.

A user's clone has nothing beside it. This copies the repository's files (what git tracks,
plus new files git does not ignore) into a temporary folder, starts
`python -m bot sandbox --fresh` there, and waits until the page answers and the bot
answers a new member's /start through the page's own API.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp

from tests.process import ROOT, bot_env

SOURCE_FOLDERS = ("", "packages/botapi-emulator", "packages/sandbox")


def repository_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.decode()
    return [name for name in listed.split("\0") if name and (ROOT / name).is_file()]


def copy_repository(target: Path) -> Path:
    for name in repository_files():
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, destination)
    return target


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_a_copy_with_nothing_beside_it_runs_the_sandbox(tmp_path: Path) -> None:
    copy = copy_repository(tmp_path / "expertpool")
    for folder in (copy, *copy.parents):
        assert not (folder / "shared").exists(), f"{folder}/shared would hide the problem"
    env = bot_env()
    env["PYTHONPATH"] = ":".join(str(copy / part) for part in SOURCE_FOLDERS)
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "sandbox", "--fresh", "--port", str(port),
        cwd=copy, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output: list[str] = []
    try:
        url = await asyncio.wait_for(_ready_url(proc, output), 90)
        async with aiohttp.ClientSession() as http:
            assert "<html" in (await _get_text(http, url)).lower()
            member = json.loads(
                await _post(http, f"{url}sandbox/api/members", {"language_code": "ar"})
            )
            chat = member["chat_id"]
            seq = json.loads(await _get_text(http, f"{url}_emulator/state"))["seq"]
            await _post(
                http, f"{url}sandbox/api/chats/{chat}/send",
                {"user_id": member["user_id"], "text": "/start"},
            )  # fmt: skip
            answer = await asyncio.wait_for(_bot_reply(http, url, chat, seq), 30)
            assert "العربية" in answer  # the language picker, own language first
    finally:
        if proc.returncode is None:
            proc.terminate()
        try:
            out, _ = await asyncio.wait_for(proc.communicate(), 15)
            output.extend(out.decode(errors="replace").splitlines())
        except TimeoutError:
            proc.kill()
            await proc.wait()
    log = "\n".join(output)
    assert "Traceback" not in log, log
    assert "shared/" not in log, log


async def _ready_url(proc: asyncio.subprocess.Process, output: list[str]) -> str:
    """The URL from the sandbox's "Sandbox ready: URL" line; fail if it stops first."""
    assert proc.stdout is not None
    while raw := await proc.stdout.readline():
        line = raw.decode(errors="replace").rstrip()
        output.append(line)
        if line.startswith("Sandbox ready: "):
            return line.removeprefix("Sandbox ready: ").strip().rstrip("/") + "/"
    raise AssertionError("the sandbox stopped:\n" + "\n".join(output))


async def _bot_reply(http: aiohttp.ClientSession, url: str, chat: int, seq: int) -> str:
    """The bot's first message in `chat` after event `seq`, by long-polling the emulator."""
    while True:
        found = json.loads(await _get_text(http, f"{url}_emulator/events?since={seq}&timeout=10"))
        seq = found["seq"]
        if any(e["kind"] == "message" and e["chat_id"] == chat for e in found["events"]):
            data = json.loads(await _get_text(http, f"{url}sandbox/api/chats/{chat}/messages"))
            bot_says = [m for m in data["messages"] if m["_meta"]["from_bot"]]
            if bot_says:
                return json.dumps(bot_says[0], ensure_ascii=False)


async def _get_text(http: aiohttp.ClientSession, url: str) -> str:
    async with http.get(url) as response:
        response.raise_for_status()
        return await response.text()


async def _post(http: aiohttp.ClientSession, url: str, body: dict[str, object]) -> str:
    async with http.post(url, json=body) as response:
        response.raise_for_status()
        return await response.text()


def test_the_sandbox_demo_finds_the_example_surveys() -> None:
    from expertpool_sandbox.demo import survey_files

    examples = sorted(path.name for path in (ROOT / "surveys").glob("*.yaml"))
    assert examples and [name for name, _ in survey_files()] == examples
