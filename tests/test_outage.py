"""Which errors mean "the database or Redis is away" (retried, not counted), and who is told."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import SendMessage
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy.exc import OperationalError

from bot.config import Settings
from bot.i18n import create_i18n
from bot.scale.outage import UNAVAILABLE, Outage, is_outage, reply_target


def _wrapped(error: BaseException) -> BaseException:
    try:
        try:
            raise error
        except BaseException as inner:
            raise RuntimeError("handler failed") from inner
    except RuntimeError as outer:
        return outer


@pytest.mark.parametrize(
    ("error", "outage"),
    [
        (ConnectionRefusedError(111, "Connect call failed"), True),
        (_wrapped(RedisConnectionError("Error 111 connecting")), True),
        (OperationalError("SELECT 1", {}, sqlite3.OperationalError("database is locked")), True),
        (OperationalError("SELECT x", {}, sqlite3.OperationalError("no such column: x")), False),
        (ExceptionGroup("both", [ValueError("bug"), ConnectionResetError()]), True),
        (TelegramNetworkError(SendMessage(chat_id=1, text="x"), "timeout"), False),
        (_wrapped(KeyError("bug")), False),
    ],
)
def test_outage_errors_are_told_from_bugs(error: BaseException, outage: bool) -> None:
    assert is_outage(error) is outage


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []

    async def send_message(self, chat_id: int, text: str, **_: Any) -> None:
        self.sent.append((chat_id, text))


def _message(chat: dict[str, Any], language: str | None = "uk") -> dict[str, Any]:
    sender = {"id": 5, "is_bot": False, "first_name": "O", "language_code": language}
    return {"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": chat,
                                        "from": sender, "text": "hi"}}  # fmt: skip


async def test_members_are_told_once_per_chat_in_their_telegram_language() -> None:
    bot, i18n = Recorder(), create_i18n("nl")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    outage = Outage(bot, settings, i18n)  # type: ignore[arg-type]
    private = _message({"id": 5, "type": "private"})
    group = _message({"id": -100, "type": "supergroup"})
    press = {"update_id": 2, "callback_query": {"id": "q", "from": {"id": 6, "language_code": "xx"},
             "data": "x", "message": {"chat": {"id": 6, "type": "private"}}}}  # fmt: skip
    assert reply_target(group) is None
    assert reply_target(press) == (6, 6, "xx")
    assert await outage.tell(private) and not await outage.tell(private)
    assert not await outage.tell(group)
    assert await outage.tell(press)
    assert bot.sent == [
        (5, i18n.gettext(UNAVAILABLE, locale="uk")),
        (6, i18n.gettext(UNAVAILABLE, locale="nl")),  # an unknown language: the default
    ]
