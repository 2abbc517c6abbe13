"""The process itself: `python -m bot` start-up, configuration errors, and back-off."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.process import BotProcess, bot_env

TOKEN = "123456:TEST-token-never-logged"


async def _run(tmp_path: Path, *args: str, **settings: str) -> tuple[int, list[str]]:
    proc = await BotProcess.start(*args, cwd=tmp_path, **settings)
    out, _ = await asyncio.wait_for(proc.proc.communicate(), 60)
    assert proc.proc.returncode is not None
    return proc.proc.returncode, out.decode().strip().splitlines()


async def test_run_without_token_exits_2_with_one_line(tmp_path: Path) -> None:
    code, lines = await _run(tmp_path, "run")
    assert code == 2
    assert len(lines) == 1
    assert "BOT_TOKEN" in lines[0]


@pytest.mark.parametrize(("setting", "value"), [("DATABASE_URL", "nonsense"), ("ADMIN_IDS", "abc")])
async def test_bad_setting_gives_one_clear_line(tmp_path: Path, setting: str, value: str) -> None:
    settings = {"BOT_TOKEN": TOKEN, setting: value}
    code, lines = await _run(tmp_path, "run", **settings)
    assert code == 2
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"Configuration error: {setting}:")
    assert "Traceback" not in lines[0]


async def test_bad_setting_in_dotenv_file_is_named(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("BOT_TOKEN=" + TOKEN + "\nADMIN_IDS=1,two\n")
    code, lines = await _run(tmp_path, "run")
    assert code == 2
    assert lines == [
        "Configuration error: ADMIN_IDS: 'two' is not a Telegram user id "
        "(expected numbers separated by commas)"
    ]


async def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    code, lines = await _run(
        tmp_path, "migrate", DATABASE_URL="sqlite+aiosqlite:////proc/no/such/dir/x.db"
    )
    assert code != 0
    assert lines[-1].startswith(("Database error:", "Configuration error:"))


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_unreachable_api_retries_with_backoff_and_stops_cleanly(tmp_path: Path) -> None:
    proc = await BotProcess.start(
        "run",
        cwd=tmp_path,
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=f"http://127.0.0.1:{_closed_port()}",
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
    )
    try:
        first = await proc.wait_for_log(lambda e: e["event"] == "Bot API not reachable, retrying")
        second = await proc.wait_for_log(lambda e: e["event"] == "Bot API not reachable, retrying")
        assert first["reason"]
        assert second["retry_in_s"] > first["retry_in_s"]
        assert await proc.stop() == 0
    finally:
        await proc.kill()
    output = "\n".join(proc.lines)
    assert "TEST-token-never-logged" not in output
    assert "Traceback" not in output
    assert (tmp_path / "bot.db").exists()  # migrations ran before connecting


async def test_migrate_creates_and_seeds_database(tmp_path: Path) -> None:
    db = tmp_path / "sub" / "pool.db"
    code, lines = await _run(tmp_path, "migrate", DATABASE_URL=f"sqlite+aiosqlite:///{db}")
    assert code == 0, lines
    assert any('"seeded": 5' in line for line in lines)
    code, lines = await _run(tmp_path, "migrate", DATABASE_URL=f"sqlite+aiosqlite:///{db}")
    assert code == 0
    assert any('"seeded": 0' in line for line in lines)


def test_database_commands_do_not_load_the_bot(tmp_path: Path) -> None:
    """Only `run` imports aiogram and the handlers (seconds of CPU): migrate, a retention dry run,
    backup, restore and the admin and survey commands touch the database alone."""
    probe = (
        "import sys\n"
        "from bot.cli import main\n"
        "codes = [main(words.split()) for words in sys.argv[1:]]\n"
        "print(codes, sorted({m.split('.')[0] for m in sys.modules} & {'aiogram', 'handlers'}))\n"
    )
    commands = ["migrate", "region list", "coordinator list", "survey list", "retention --dry-run",
                "backup --out copy.db", "restore copy.db --force"]  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-c", probe, *commands],
        cwd=tmp_path,
        env=bot_env(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.strip().splitlines()[-1] == "[0, 0, 0, 0, 0, 0, 0] []", (
        result.stdout + result.stderr
    )


async def test_commands_starting_together_on_a_fresh_sqlite_file_migrate_once(
    tmp_path: Path,
) -> None:
    """Issue 20: a CLI command started while the bot started on a fresh SQLite file made one
    of them fail with "table regions already exists". One migrates; the others wait, go on."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    commands = [("migrate",), ("migrate",), ("region", "list")]
    results = await asyncio.gather(*(_run(tmp_path, *c, DATABASE_URL=url) for c in commands))
    for code, lines in results:
        assert code == 0, lines
    seeded = [line for _code, lines in results for line in lines if '"seeded": 5' in line]
    assert len(seeded) == 1
    assert any("Alkmaar" in line for line in results[2][1])
