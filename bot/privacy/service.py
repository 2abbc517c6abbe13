"""A member's own data: export everything stored about them, or erase it.

`forget` is the /delete use case: it erases the rows, commits, and then removes what the bot
said about the member in coordinator chats through the `Messenger` it receives. The texts it
needs are rendered by the caller, in the member's language.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.bridge import forget_member_translations, member_translations
from bot.broadcast import service as broadcast_service
from bot.config import Settings
from bot.inbox import store as inbox
from bot.meetings.service import member_export as member_meetings
from bot.messenger import Messenger, Undeliverable
from bot.questions import volunteering
from bot.questions.volunteering import Withdrawn, WithdrawnText
from bot.services import audit
from bot.surveys.privacy import forget_member, member_survey_data
from bot.volunteers import service as volunteers
from db.models import (
    Consent,
    FaqRating,
    FindingReaction,
    Member,
    Municipality,
    OutboundCopy,
    ProfileAnswer,
    Question,
    QuestionMessage,
    Region,
)

log = logging.getLogger(__name__)


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


async def export(
    session: AsyncSession, member: Member, settings: Settings | None = None
) -> dict[str, Any]:
    """Everything the database holds about the member, as one JSON-ready document."""
    region = await session.get(Region, member.region_id) if member.region_id else None
    municipality = (
        await session.get(Municipality, member.municipality_id) if member.municipality_id else None
    )
    consents = await session.scalars(
        select(Consent).where(Consent.member_id == member.id).order_by(Consent.id)
    )
    answers = await session.scalars(
        select(ProfileAnswer).where(ProfileAnswer.member_id == member.id).order_by(ProfileAnswer.id)
    )
    copies = await session.scalars(
        select(OutboundCopy).where(OutboundCopy.member_id == member.id).order_by(OutboundCopy.id)
    )
    return {
        "member": {
            "telegram_id": member.telegram_id,
            "language": member.language,
            "status": member.status,
            "display_name": member.display_name,
            "region": region.name if region else None,
            "municipality": municipality.name if municipality else member.municipality_text,
            "joined_at": _iso(member.joined_at),
            "created_at": _iso(member.created_at),
            "last_seen_at": _iso(member.last_seen_at),
        },
        "consents": [
            {
                "purpose": c.purpose,
                "granted": c.granted,
                "notice_version": c.notice_version,
                "given_at": _iso(c.given_at),
                "withdrawn_at": _iso(c.withdrawn_at),
            }
            for c in consents
        ],
        "profile": {a.question: json.loads(a.value) for a in answers},
        "messages_about_you_in_coordinator_chats": [
            *({"purpose": c.purpose, "sent_at": _iso(c.sent_at)} for c in copies),
            *await _question_copies(session, member),
        ],
        "questions": [
            {
                "number": q.id,
                "topic": q.topic,
                "status": q.status,
                "sent_at": _iso(q.sent_at),
                "closed_at": _iso(q.closed_at),
                "satisfaction": q.satisfaction,
                "messages": [
                    {
                        "from": "you" if m.direction == "in" else "coordinator",
                        "kind": m.kind,
                        "text": m.text,
                        "at": _iso(m.created_at),
                    }  # fmt: skip
                    for m in await session.scalars(
                        select(QuestionMessage)
                        .where(
                            QuestionMessage.question_id == q.id,
                            QuestionMessage.direction.in_(("in", "out")),
                            QuestionMessage.kind != "header",
                        )  # fmt: skip
                        .order_by(QuestionMessage.id)
                    )
                ],
            }
            for q in await session.scalars(
                select(Question).where(Question.member_id == member.id).order_by(Question.id)
            )
        ],
        "surveys": await member_survey_data(session, member, settings),
        "meetings": await member_meetings(session, member),
        "faq_ratings": [
            {"faq_entry": r.entry_id, "rating": r.value, "at": _iso(r.at)}
            for r in await session.scalars(
                select(FaqRating).where(FaqRating.member_id == member.id).order_by(FaqRating.at)
            )
        ],
        "survey_findings_ratings": [
            {"findings": r.finding_id, "rating": r.value, "at": _iso(r.at)}
            for r in await session.scalars(
                select(FindingReaction)
                .where(FindingReaction.member_id == member.id)
                .order_by(FindingReaction.at)
            )
        ],
        "machine_translations": await member_translations(session, member.id),
        **await volunteers.export(session, member),
        "staff_access_to_your_data": [
            {"action": entry.action, "at": _iso(entry.created_at)}
            for entry in await audit.about_member(session, member.id)
        ],
    }


COPY_PURPOSES = {"card": "question_card", "copy": "copy_of_your_message"}


async def _question_copies(session: AsyncSession, member: Member) -> list[dict[str, Any]]:
    """The bot's messages about the member's questions in coordinator chats: the question
    card (name, language, pool) and copies of their messages and of their translations."""
    rows = await session.execute(
        select(QuestionMessage, Question.id)
        .join(Question)
        .where(
            Question.member_id == member.id,
            QuestionMessage.direction.in_(tuple(COPY_PURPOSES)),
            QuestionMessage.coordinator_message_id.is_not(None),
        )
        .order_by(QuestionMessage.id)
    )
    return [
        {
            "purpose": "translation_of_your_message"
            if m.kind == "translation"
            else COPY_PURPOSES[m.direction],
            "question": number,
            "sent_at": _iso(m.created_at),
        }
        for m, number in rows
    ]


@dataclass(frozen=True)
class Erasure:
    """What the caller must still remove on Telegram's side after the rows are gone."""

    copies: list[tuple[int, int]]  # (chat id, message id) of the bot's messages about the member
    topics: list[tuple[int, int]]  # (chat id, thread id) of question topics in coordinator groups
    # Volunteers holding a translation request of the member's texts (its message is a copy).
    withdrawn: list[Withdrawn] = field(default_factory=list)
    kept_surveys: int = 0  # finished survey responses kept as anonymous button answers


async def erase(session: AsyncSession, member: Member, settings: Settings | None = None) -> Erasure:
    copies = await session.scalars(select(OutboundCopy).where(OutboundCopy.member_id == member.id))
    targets = [(c.chat_id, c.message_id) for c in copies]
    questions = list(await session.scalars(select(Question).where(Question.member_id == member.id)))
    topics = [
        (q.coordinator_chat_id, q.thread_id)
        for q in questions
        if q.coordinator_chat_id and q.thread_id
    ]
    private = await session.scalars(
        select(QuestionMessage)
        .join(Question)
        .where(
            Question.member_id == member.id,
            Question.thread_id.is_(None),
            QuestionMessage.direction.in_(("copy", "card")),
        )
    )
    targets += [(m.coordinator_chat_id, m.coordinator_message_id) for m in private
                if m.coordinator_chat_id and m.coordinator_message_id]  # fmt: skip
    # Requests of their texts in volunteers' chats; their own volunteer rows and translations.
    erased = await volunteers.erase(session, member, settings.default_locale if settings else "nl")
    targets += erased.messages
    kept = await forget_member(session, member, settings)  # keeps anonymous choices for totals
    await broadcast_service.forget_requester(session, member.telegram_id)
    await forget_member_translations(session, member.id)
    await inbox.forget_user(session, member.telegram_id)  # what they sent that still waits
    await session.delete(member)  # consents, answers and copies go with it (ON DELETE CASCADE)
    await session.flush()
    # Their messages are removed with the copies: tell the volunteers without touching them.
    withdrawn = [replace(w, message_id=None) for w in erased.withdrawn]
    return Erasure(copies=targets, topics=topics, withdrawn=withdrawn, kept_surveys=kept)


@dataclass(frozen=True)
class Forgotten:
    """How many of the bot's messages about the member could be removed on Telegram."""

    removed: int
    total: int
    kept_surveys: int = 0  # finished survey responses kept as anonymous button answers


async def forget(
    session: AsyncSession,
    messenger: Messenger,
    member: Member,
    settings: Settings | None = None,
    *,
    blank_text: str,
    withdrawn_text: WithdrawnText | None = None,
) -> Forgotten:
    """Erase the member, commit, then delete (or blank with `blank_text`) their copies and
    topics, and tell volunteers who held a request of their texts that it is not needed."""
    erasure = await erase(session, member, settings)
    await session.commit()  # the rows are gone before we touch Telegram
    removed = 0
    for copy_chat, copy_message in erasure.copies:
        try:
            await messenger.delete(copy_chat, copy_message)
            removed += 1
            continue
        except Undeliverable:
            pass
        try:  # too old to delete (48 h): blank it instead, which works at any age
            await messenger.edit_text(copy_chat, copy_message, blank_text)
            removed += 1
        except Undeliverable as exc:
            log.warning("could not remove a coordinator copy", extra={"error": str(exc)})
    for topic_chat, thread_id in erasure.topics:
        try:
            await messenger.delete_topic(topic_chat, thread_id)
            removed += 1
        except Undeliverable as exc:
            log.warning("could not remove a question topic", extra={"error": str(exc)})
    await volunteering.tell(messenger, withdrawn_text, erasure.withdrawn)
    return Forgotten(removed, len(erasure.copies) + len(erasure.topics), erasure.kept_surveys)
