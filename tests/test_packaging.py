"""The bot's wheel holds the bot only: no emulator, no sandbox, no python-telegram-bot."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

from tests.process import ROOT
from tests.test_standalone import copy_repository


def test_the_bot_wheel_ships_the_bot_and_nothing_else(tmp_path: Path) -> None:
    source = copy_repository(tmp_path / "src")  # a build never writes into the working tree
    built = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path)],
        cwd=source,
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = tmp_path.glob("expertpool_bot-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (metadata_name,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        metadata = Parser().parsestr(archive.read(metadata_name).decode())
    tops = {name.split("/", 1)[0] for name in names if not name.endswith(".dist-info/")}
    tops = {t for t in tops if not t.endswith(".dist-info")}
    assert tops == {"bot", "handlers", "db", "locales"}, tops
    assert not [n for n in names if "emulator" in n or "sandbox" in n or n.startswith("tests/")]
    for needed in (
        "bot/__main__.py",
        "bot/data/intake.yaml",
        "db/seed_regions.yaml",
        "db/migrations/env.py",
        "locales/ar/LC_MESSAGES/messages.po",
        "locales/so/LC_MESSAGES/messages.po",
    ):
        assert needed in names, f"{needed} is missing from the wheel"
    requires = [r.split(";")[0].strip().lower() for r in metadata.get_all("Requires-Dist") or []]
    runtime = [r for r in (metadata.get_all("Requires-Dist") or []) if "extra ==" not in r]
    assert runtime, "the wheel states no runtime requirements"
    assert not [r for r in requires if r.startswith("python-telegram-bot")], requires
    assert any(r.startswith("aiogram") for r in requires)
    assert (ROOT / "packages/botapi-emulator/pyproject.toml").is_file()
