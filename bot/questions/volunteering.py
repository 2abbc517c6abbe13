"""A question's open volunteer translation requests end when the question closes or goes.

Closing a question (or removing it, or its asker) withdraws its requests: they become
CANCELLED, which reopening does not undo, and the volunteer who holds one is told by its
number only (never who asked) that it is no longer needed. A cancelled request keeps who
held it and their message, so a late reply is answered politely instead of being posted
(`bot.volunteers.service.hand_in`). It lives here, not in bot.volunteers, because closing
is a question use case and bot.volunteers builds on bot.questions. No aiogram here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.messenger import Messenger, Undeliverable
from db.models import Member, Volunteer, VolunteerRequest
from db.models import VolunteerRequestStatus as Status

log = logging.getLogger(__name__)

OPEN = (Status.WAITING, Status.ASSIGNED)
# The notice to a volunteer: (their locale, the request's number) -> text.
WithdrawnText = Callable[[str, int], str]


@dataclass(frozen=True)
class Withdrawn:
    """A request a volunteer held when it was withdrawn: whom to tell, where its message is."""

    request_id: int
    telegram_id: int
    message_id: int | None
    locale: str


async def holders(
    session: AsyncSession, requests: Iterable[VolunteerRequest], default_locale: str
) -> list[Withdrawn]:
    """The volunteers who hold these requests now (assigned ones), to tell after a commit."""
    found = []
    for request in requests:
        if request.status != Status.ASSIGNED or request.volunteer_id is None:
            continue
        volunteer = await session.get(Volunteer, request.volunteer_id)
        helper = await session.get(Member, volunteer.member_id) if volunteer else None
        if helper is not None:
            found.append(
                Withdrawn(
                    request.id, helper.telegram_id, request.volunteer_message_id,
                    helper.language or default_locale,
                )
            )  # fmt: skip
    return found


async def withdraw(
    session: AsyncSession, question_ids: Sequence[int], default_locale: str
) -> list[Withdrawn]:
    """The open requests of these questions become CANCELLED (no commit); returns the
    volunteers to tell once it is committed."""
    if not question_ids:
        return []
    requests = list(
        await session.scalars(
            select(VolunteerRequest).where(
                VolunteerRequest.question_id.in_(question_ids),
                VolunteerRequest.status.in_(OPEN),
            )
        )
    )
    told = await holders(session, requests, default_locale)
    for request in requests:
        request.status = Status.CANCELLED
    return told


async def tell(
    messenger: Messenger, text: WithdrawnText | None, withdrawn: Sequence[Withdrawn]
) -> None:
    """Remove the Decline button of each withdrawn request and tell its volunteer."""
    for item in withdrawn:
        if item.message_id:
            try:
                await messenger.edit_markup(item.telegram_id, item.message_id, None)
            except Undeliverable as exc:
                log.info("request buttons not removed", extra={"reason": str(exc)})
        if text is None:
            continue
        try:
            await messenger.send_text(item.telegram_id, text(item.locale, item.request_id))
        except Undeliverable as exc:
            log.info("volunteer not told about a withdrawn request", extra={"reason": str(exc)})


__all__ = ["Withdrawn", "WithdrawnText", "holders", "tell", "withdraw"]
