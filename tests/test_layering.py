"""Layers: handlers neither commit nor build SQL; services and the question relay know no aiogram.

An AST scan of the source files, so it needs no database and no bot.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HANDLERS = sorted((ROOT / "handlers").rglob("*.py"))
TRANSACTION_CALLS = {"commit", "rollback"}
SQL_BUILDERS = {"select", "insert", "update", "delete"}
WITHOUT_AIOGRAM = [
    *sorted((ROOT / "bot" / "services").glob("*.py")),
    *sorted((ROOT / "bot" / "members").glob("*.py")),
    *sorted((ROOT / "bot" / "onboarding").glob("*.py")),
    *sorted((ROOT / "bot" / "privacy").glob("*.py")),
    ROOT / "bot" / "messenger.py",
    ROOT / "bot" / "questions" / "rules.py",
    ROOT / "bot" / "questions" / "service.py",
    ROOT / "bot" / "questions" / "relay.py",
    ROOT / "bot" / "broadcast" / "service.py",
    ROOT / "bot" / "volunteers" / "service.py",
]


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def handler_violations(source: str) -> list[str]:
    """`.commit(` / `.rollback(` calls and SQL statement builders from sqlalchemy."""
    found = []
    sqlalchemy_aliases = set()
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in TRANSACTION_CALLS
        ):
            found.append(f"line {node.lineno}: .{node.func.attr}()")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "sqlalchemy":
            for alias in node.names:
                if alias.name in SQL_BUILDERS:
                    found.append(f"line {node.lineno}: imports {alias.name} from {node.module}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "sqlalchemy":
                    sqlalchemy_aliases.add(alias.asname or "sqlalchemy")
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in SQL_BUILDERS
            and isinstance(node.value, ast.Name)
            and node.value.id in sqlalchemy_aliases
        ):
            found.append(f"line {node.lineno}: {node.value.id}.{node.attr}")
    return found


def aiogram_imports(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        else:
            continue
        found += [f"line {node.lineno}: {n}" for n in names if n.split(".")[0] == "aiogram"]
    return found


def test_the_scans_see_what_they_look_for() -> None:
    assert handler_violations("async def h(session):\n    await session.commit()\n")
    assert handler_violations("def h(s):\n    s.rollback()\n")
    assert handler_violations("from sqlalchemy import func, select\n")
    assert handler_violations("from sqlalchemy.sql.expression import delete\n")
    assert handler_violations("import sqlalchemy as sa\nq = sa.update(x)\n")
    assert not handler_violations("from sqlalchemy.ext.asyncio import AsyncSession\n")
    assert aiogram_imports("from aiogram.exceptions import TelegramAPIError\n")
    assert aiogram_imports("import aiogram\n")
    assert not aiogram_imports('"""No aiogram here."""\nfrom bot.messenger import Messenger\n')


@pytest.mark.parametrize("path", HANDLERS, ids=_name)
def test_handlers_neither_commit_nor_build_sql(path: Path) -> None:
    assert handler_violations(path.read_text(encoding="utf-8")) == [], (
        f"{_name(path)}: commits and SQL belong in services"
    )


@pytest.mark.parametrize("path", WITHOUT_AIOGRAM, ids=_name)
def test_services_import_no_aiogram(path: Path) -> None:
    assert aiogram_imports(path.read_text(encoding="utf-8")) == [], (
        f"{_name(path)}: speak through bot.messenger.Messenger instead"
    )


def test_question_use_cases_import_no_aiogram_at_all() -> None:
    """Not even through the modules they import (the relay, the rules, the services)."""
    probe = (
        "import sys, bot.questions.service\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'aiogram'}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]", result.stdout
