"""The Messenger: aiogram's errors become `Undeliverable`, and a use case speaks only after it
has committed (watched through a fake messenger)."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import SendMessage
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.messenger import Markup, Reason, Undeliverable
from bot.privacy import service as privacy
from bot.telegram.messenger import TelegramMessenger, reason_of
from db.base import utcnow
from db.models import Member, OutboundCopy, Question, QuestionStatus

METHOD = SendMessage(chat_id=1, text="x")


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (TelegramForbiddenError(METHOD, "Forbidden: bot was blocked by the user"), Reason.BLOCKED),
        (TelegramBadRequest(METHOD, "Bad Request: chat not found"), Reason.CHAT_GONE),
        (TelegramBadRequest(METHOD, "Bad Request: message to delete not found"), Reason.NOT_FOUND),
        (
            TelegramBadRequest(METHOD, "Bad Request: message is not modified: specified new ..."),
            Reason.NOT_MODIFIED,
        ),
        (TelegramBadRequest(METHOD, "Bad Request: message is too long"), Reason.REJECTED),
        (TelegramRetryAfter(METHOD, "Too Many Requests: retry after 3", 3), Reason.FAILED),
        (TelegramServerError(METHOD, "Bad Gateway"), Reason.FAILED),
        (TelegramNetworkError(METHOD, "timeout"), Reason.FAILED),
    ],
)
def test_telegram_errors_become_reasons(error: TelegramAPIError, reason: Reason) -> None:
    assert reason_of(error) is reason


class _BlockedBot:
    async def send_message(self, *args: Any, **kwargs: Any) -> Any:
        raise TelegramForbiddenError(METHOD, "Forbidden: bot was blocked by the user")


async def test_the_adapter_raises_undeliverable_not_aiogram_errors() -> None:
    messenger = TelegramMessenger(_BlockedBot())  # type: ignore[arg-type]
    with pytest.raises(Undeliverable) as caught:
        await messenger.send_text(1, "hello")
    assert caught.value.reason is Reason.BLOCKED
    assert "blocked" in caught.value.detail


class _WatchingMessenger:
    """Records each effect and whether the member was already gone for other sessions then."""

    def __init__(self, factory: async_sessionmaker[AsyncSession], member_id: int) -> None:
        self.factory, self.member_id = factory, member_id
        self.said: list[tuple[Any, ...]] = []

    async def _committed_gone(self) -> bool:
        async with self.factory() as other:
            return await other.get(Member, self.member_id) is None

    async def delete(self, chat_id: int, message_id: int) -> None:
        self.said.append(("delete", chat_id, message_id, await self._committed_gone()))
        raise Undeliverable(Reason.REJECTED, "message can't be deleted for everyone")

    async def edit_text(
        self, chat_id: int, message_id: int, text: str, *, markup: Markup | None = None
    ) -> None:
        self.said.append(("edit", chat_id, message_id, text, await self._committed_gone()))

    async def delete_topic(self, chat_id: int, thread_id: int) -> None:
        self.said.append(("delete_topic", chat_id, thread_id, await self._committed_gone()))
        raise Undeliverable(Reason.NOT_FOUND, "topic not found")


async def test_forget_commits_then_removes_what_was_said_about_the_member(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    member = Member(telegram_id=4001, language="ar", status="active")
    session.add(member)
    await session.flush()
    session.add(
        OutboundCopy(member_id=member.id, chat_id=7, message_id=5, purpose="x", sent_at=utcnow())
    )
    session.add(
        Question(member_id=member.id, topic="work", language="ar", status=QuestionStatus.OPEN,
                 coordinator_chat_id=-100, thread_id=9)
    )  # fmt: skip
    await session.commit()
    messenger = _WatchingMessenger(session_factory, member.id)

    forgotten = await privacy.forget(session, messenger, member, blank_text="Removed.")  # type: ignore[arg-type]

    assert messenger.said == [
        ("delete", 7, 5, True),
        ("edit", 7, 5, "Removed.", True),
        ("delete_topic", -100, 9, True),
    ]
    assert (forgotten.removed, forgotten.total) == (1, 2)
    assert await session.scalar(select(func.count()).select_from(Member)) == 0
