"""aiogram's types stay unbuilt until used (bot/lazy_models.py), and every one of them still
builds, with its forward references resolved, when it is first used."""

from __future__ import annotations

import subprocess
import sys

import aiogram.types
from pydantic import BaseModel

from bot import lazy_models

PROBE = """
import bot, aiogram.types as t
print(t.Message.__pydantic_complete__, t.ChatFullInfo.__pydantic_complete__)
update = t.Update.model_validate({"update_id": 1, "message": {"message_id": 5, "date": 1,
    "chat": {"id": 7, "type": "private"}, "from": {"id": 7, "is_bot": False, "first_name": "A"},
    "text": "hi", "reply_to_message": {"message_id": 4, "date": 1,
    "chat": {"id": 7, "type": "private"}, "text": "before"}}})
print(update.message.reply_to_message.text, t.Update.__pydantic_complete__)
"""


def test_types_are_built_on_first_use_only() -> None:
    found = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True
    ).stdout.split()
    assert found == ["False", "False", "before", "True"]


def test_every_type_builds_when_used() -> None:
    assert lazy_models.install()
    models = [
        getattr(aiogram.types, name)
        for name in aiogram.types.__all__
        if isinstance(getattr(aiogram.types, name), type)
        and issubclass(getattr(aiogram.types, name), BaseModel)
    ]
    assert len(models) > 300
    for model in models:
        model.model_rebuild()
        assert model.__pydantic_complete__, model.__name__


def test_the_bot_on_sqlite_loads_no_redis_postgresql_or_pdf_library() -> None:
    """Memory: what a bot without REDIS_URL, PostgreSQL or reports never uses stays unloaded."""
    probe = (
        "import sys, bot.app, handlers\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'redis', 'asyncpg', 'reportlab', 'matplotlib'}))"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert found == "[]"


WARM_PROBE = """
import bot, aiogram.types as t, aiogram.methods as m
from bot.telegram.responses import pinned
from bot.telegram.warm import warm_up
warm_up()
print(t.Update.__pydantic_complete__, pinned(m.SendMessage).__pydantic_complete__,
      t.CallbackQuery.__pydantic_complete__, t.ChatFullInfo.__pydantic_complete__)
"""


def test_warm_up_builds_what_a_member_message_needs_and_nothing_else() -> None:
    """Before polling starts the bot builds the update, message and answer models (first
    members of a wave would otherwise pay for it); the rest stays unbuilt until used."""
    found = subprocess.run(
        [sys.executable, "-c", WARM_PROBE], capture_output=True, text=True, check=True
    ).stdout.split()
    assert found == ["True", "True", "False", "False"]
