"""Moving a question's messages between the member and the coordinators on Telegram.

The `Inbox` speaks through a `Messenger` and gets its texts and keyboards from `Views`
(implemented in `bot.questions.render`), each rendered in the locale the Inbox asks for:
the reader's language in private chats, the default locale in a region's forum topic.
No aiogram here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.messenger import Markup, Messenger, Reason, Undeliverable
from bot.questions import rules
from bot.services import members, roles
from db.base import utcnow
from db.models import (
    Member,
    MemberStatus,
    Municipality,
    Question,
    QuestionMessage,
    Region,
    VolunteerRequest,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Card:
    """What a question's card in the coordinators' chat shows."""

    question: Question
    member: Member
    region: Region | None
    municipality: Municipality | None
    earlier: int
    assignee: str | None
    volunteer: tuple[str, str] | None = None  # (kind, status) of the latest volunteer request
    offer_volunteer: bool = False  # the question is not in the staff language


class Views(Protocol):
    """Texts and keyboards of the question flow, each rendered in `locale`."""

    def topic_name(self, locale: str, question: Question, member: Member) -> str: ...

    def card(self, locale: str, card: Card) -> tuple[str, Markup]:
        """The card's text and its buttons."""
        ...

    def follow_up_header(self, locale: str, number: int) -> str: ...

    def answer_header(self, locale: str, number: int) -> str: ...

    def closed(self, locale: str, number: int) -> tuple[str, Markup]:
        """The member's notice that the question is closed, with the rating buttons."""
        ...


@dataclass
class Inbox:
    messenger: Messenger
    session: AsyncSession
    settings: Settings
    views: Views

    async def _reader_locale(self, telegram_id: int) -> str:
        reader = await members.get_by_telegram_id(self.session, telegram_id)
        return reader.language if reader and reader.language else self.settings.default_locale

    def _record(self, question: Question, direction: str, kind: str, **fields: object) -> None:
        self.session.add(
            QuestionMessage(
                question_id=question.id,
                direction=direction,
                kind=kind,
                created_at=utcnow(),
                **fields,
            )
        )

    async def _card(self, question: Question, member: Member) -> Card:
        region = await self.session.get(Region, question.region_id) if question.region_id else None
        municipality = (
            await self.session.get(Municipality, member.municipality_id)
            if member.municipality_id
            else None
        )
        assignee = None
        if question.assignee_id:
            staff = await members.get_by_telegram_id(self.session, question.assignee_id)
            assignee = (
                staff.display_name if staff and staff.display_name else str(question.assignee_id)
            )
        earlier = await rules.earlier_count(self.session, question)
        volunteer = await self.session.scalar(
            select(VolunteerRequest)
            .where(VolunteerRequest.question_id == question.id)
            .order_by(VolunteerRequest.id.desc())
            .limit(1)
        )
        return Card(
            question, member, region, municipality, earlier, assignee,
            (volunteer.kind, volunteer.status) if volunteer is not None else None,
            question.language != self.settings.staff_language,
        )  # fmt: skip

    async def deliver_new(self, question: Question, member: Member) -> Region | None:
        """Open a forum topic (or private cards) for a just-sent question and copy its messages."""
        region = await self.session.get(Region, question.region_id) if question.region_id else None
        incoming = await rules.messages(self.session, question, "in")
        if region is not None and region.coordinator_chat_id:
            chat_id = region.coordinator_chat_id
            name = self.views.topic_name(self.settings.default_locale, question, member)
            try:
                thread_id = await self.messenger.create_topic(chat_id, name)
            except Undeliverable as exc:
                log.warning(
                    "forum topic not created, using private chats", extra={"reason": str(exc)}
                )
            else:
                question.coordinator_chat_id, question.thread_id = chat_id, thread_id
                await self.session.commit()  # answers in the new topic must find their question
                await self._post_card(question, member, chat_id, thread_id)
                for row in incoming:
                    await self._copy_in(question, member, row, chat_id, thread_id)
                return region
        for chat_id in await roles.coordinator_ids(self.session, self.settings, question.region_id):
            try:
                await self._post_card(question, member, chat_id, None)
                for row in incoming:
                    await self._copy_in(question, member, row, chat_id, None)
            except Undeliverable as exc:
                log.warning("coordinator not reachable for a question", extra={"reason": str(exc)})
        return region

    async def _post_card(
        self, question: Question, member: Member, chat_id: int, thread_id: int | None
    ) -> None:
        locale = (
            await self._reader_locale(chat_id)
            if thread_id is None
            else self.settings.default_locale
        )
        text, markup = self.views.card(locale, await self._card(question, member))
        sent = await self.messenger.send_text(chat_id, text, markup=markup, thread_id=thread_id)
        self._record(
            question,
            "card",
            "card",
            coordinator_chat_id=chat_id,
            coordinator_message_id=sent,
        )

    async def _copy_in(
        self,
        question: Question,
        member: Member,
        row: QuestionMessage,
        chat_id: int,
        thread_id: int | None,
    ) -> None:
        assert row.member_message_id is not None
        copy = await self.messenger.copy(
            chat_id, member.telegram_id, row.member_message_id, thread_id=thread_id
        )
        self._record(
            question,
            "copy",
            row.kind,
            coordinator_chat_id=chat_id,
            coordinator_message_id=copy,
        )

    async def relay_follow_up(
        self, question: Question, member: Member, row: QuestionMessage
    ) -> None:
        """A member's later message joins the question where the coordinators are."""
        if question.thread_id is not None and question.coordinator_chat_id is not None:
            try:
                await self._copy_in(
                    question, member, row, question.coordinator_chat_id, question.thread_id
                )
                return
            except Undeliverable as exc:
                log.warning("question topic unavailable", extra={"reason": str(exc)})
        for chat_id in await roles.coordinator_ids(self.session, self.settings, question.region_id):
            try:
                locale = await self._reader_locale(chat_id)
                head = await self.messenger.send_text(
                    chat_id, self.views.follow_up_header(locale, question.id)
                )
                self._record(
                    question,
                    "copy",
                    "header",
                    coordinator_chat_id=chat_id,
                    coordinator_message_id=head,
                )
                await self._copy_in(question, member, row, chat_id, None)
            except Undeliverable as exc:
                log.warning("coordinator not reachable for a follow-up", extra={"reason": str(exc)})

    async def relay_answer(
        self,
        question: Question,
        from_chat: int,
        message_id: int,
        author_id: int,
        kind: str,
        text: str | None,
    ) -> str | None:
        """Copy a coordinator's message to the member with a header; None when delivered, else why not."""
        member = await self.session.get(Member, question.member_id)
        if member is None:
            return "gone"
        header_text = self.views.answer_header(
            member.language or self.settings.default_locale, question.id
        )
        try:
            header = await self.messenger.send_text(member.telegram_id, header_text)
            copy = await self.messenger.copy(member.telegram_id, from_chat, message_id)
        except Undeliverable as exc:
            if exc.reason is Reason.BLOCKED:
                member.status = MemberStatus.UNREACHABLE
                return "blocked"
            log.warning("answer not delivered", extra={"reason": str(exc)})
            return "failed"
        self._record(
            question,
            "out",
            "header",
            member_message_id=header,
            author_id=author_id,
            delivered=True,
        )
        self._record(
            question, "out", kind, text=text, member_message_id=copy,
            coordinator_chat_id=from_chat, coordinator_message_id=message_id, author_id=author_id, delivered=True,
        )  # fmt: skip
        rules.mark_answered(question)
        return None

    async def refresh_cards(self, question: Question) -> None:
        member = await self.session.get(Member, question.member_id)
        if member is None:
            return
        for row in await rules.messages(self.session, question, "card"):
            assert row.coordinator_chat_id is not None and row.coordinator_message_id is not None
            locale = (
                self.settings.default_locale
                if question.thread_id
                else await self._reader_locale(row.coordinator_chat_id)
            )
            text, markup = self.views.card(locale, await self._card(question, member))
            try:
                await self.messenger.edit_text(
                    row.coordinator_chat_id, row.coordinator_message_id, text, markup=markup
                )
            except Undeliverable as exc:
                if exc.reason is not Reason.NOT_MODIFIED:
                    log.warning("question card not updated", extra={"reason": str(exc)})

    async def set_topic_open(self, question: Question, is_open: bool) -> None:
        if question.thread_id is None or question.coordinator_chat_id is None:
            return
        try:
            if is_open:
                await self.messenger.reopen_topic(question.coordinator_chat_id, question.thread_id)
            else:
                await self.messenger.close_topic(question.coordinator_chat_id, question.thread_id)
        except Undeliverable as exc:
            log.warning("forum topic state not changed", extra={"reason": str(exc)})
