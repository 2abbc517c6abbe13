"""Moving a question's messages between the member and the coordinators on Telegram."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.questions import render, service
from bot.services import members, roles
from db.base import utcnow
from db.models import Member, MemberStatus, Municipality, Question, QuestionMessage, Region

log = logging.getLogger(__name__)


@dataclass
class Inbox:
    bot: Bot
    session: AsyncSession
    settings: Settings
    i18n: I18n

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

    async def _card_text(self, question: Question, member: Member) -> str:
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
        earlier = await service.earlier_count(self.session, question)
        return render.card(question, member, region, municipality, earlier, assignee)

    async def deliver_new(self, question: Question, member: Member) -> Region | None:
        """Open a forum topic (or private cards) for a just-sent question and copy its messages."""
        region = await self.session.get(Region, question.region_id) if question.region_id else None
        incoming = await service.messages(self.session, question, "in")
        if region is not None and region.coordinator_chat_id:
            chat_id = region.coordinator_chat_id
            with self.i18n.use_locale(self.settings.default_locale):
                name = render.topic_name(question, member, render.topic_label(question.topic))
            try:
                topic = await self.bot.create_forum_topic(chat_id, name)
            except TelegramAPIError as exc:
                log.warning(
                    "forum topic not created, using private chats", extra={"reason": str(exc)}
                )
            else:
                question.coordinator_chat_id, question.thread_id = chat_id, topic.message_thread_id
                await self.session.commit()  # answers in the new topic must find their question
                await self._post_card(question, member, chat_id, topic.message_thread_id)
                for row in incoming:
                    await self._copy_in(question, member, row, chat_id, topic.message_thread_id)
                return region
        for chat_id in await roles.coordinator_ids(self.session, self.settings, question.region_id):
            try:
                await self._post_card(question, member, chat_id, None)
                for row in incoming:
                    await self._copy_in(question, member, row, chat_id, None)
            except TelegramAPIError as exc:
                log.warning("coordinator not reachable for a question", extra={"reason": str(exc)})
        return region

    async def _post_card(
        self, question: Question, member: Member, chat_id: int, thread_id: int | None
    ) -> None:
        with self.i18n.use_locale(
            await self._reader_locale(chat_id)
            if thread_id is None
            else self.settings.default_locale
        ):
            text = await self._card_text(question, member)
            markup = render.card_buttons(question)
        sent = await self.bot.send_message(
            chat_id, text, message_thread_id=thread_id, reply_markup=markup
        )
        self._record(
            question,
            "card",
            "card",
            coordinator_chat_id=chat_id,
            coordinator_message_id=sent.message_id,
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
        copy = await self.bot.copy_message(
            chat_id, member.telegram_id, row.member_message_id, message_thread_id=thread_id
        )
        self._record(
            question,
            "copy",
            row.kind,
            coordinator_chat_id=chat_id,
            coordinator_message_id=copy.message_id,
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
            except TelegramBadRequest as exc:
                log.warning("question topic unavailable", extra={"reason": str(exc)})
        for chat_id in await roles.coordinator_ids(self.session, self.settings, question.region_id):
            try:
                with self.i18n.use_locale(await self._reader_locale(chat_id)):
                    head = await self.bot.send_message(
                        chat_id,
                        _("More from the member about question #{number}:").format(
                            number=question.id
                        ),
                    )
                self._record(
                    question,
                    "copy",
                    "header",
                    coordinator_chat_id=chat_id,
                    coordinator_message_id=head.message_id,
                )
                await self._copy_in(question, member, row, chat_id, None)
            except TelegramAPIError as exc:
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
        with self.i18n.use_locale(member.language or self.settings.default_locale):
            header_text = "💬 " + _("Answer to your question #{number}").format(number=question.id)
        try:
            header = await self.bot.send_message(member.telegram_id, header_text)
            copy = await self.bot.copy_message(member.telegram_id, from_chat, message_id)
        except TelegramForbiddenError:
            member.status = MemberStatus.UNREACHABLE
            return "blocked"
        except TelegramBadRequest as exc:
            log.warning("answer not delivered", extra={"reason": str(exc)})
            return "failed"
        self._record(
            question,
            "out",
            "header",
            member_message_id=header.message_id,
            author_id=author_id,
            delivered=True,
        )
        self._record(
            question, "out", kind, text=text, member_message_id=copy.message_id,
            coordinator_chat_id=from_chat, coordinator_message_id=message_id, author_id=author_id, delivered=True,
        )  # fmt: skip
        service.mark_answered(question)
        return None

    async def refresh_cards(self, question: Question) -> None:
        member = await self.session.get(Member, question.member_id)
        if member is None:
            return
        for row in await service.messages(self.session, question, "card"):
            assert row.coordinator_chat_id is not None and row.coordinator_message_id is not None
            locale = (
                self.settings.default_locale
                if question.thread_id
                else await self._reader_locale(row.coordinator_chat_id)
            )
            with self.i18n.use_locale(locale):
                text, markup = (
                    await self._card_text(question, member),
                    render.card_buttons(question),
                )
            try:
                await self.bot.edit_message_text(
                    text=text,
                    chat_id=row.coordinator_chat_id,
                    message_id=row.coordinator_message_id,
                    reply_markup=markup,
                )
            except TelegramBadRequest as exc:
                if "not modified" not in str(exc):
                    log.warning("question card not updated", extra={"reason": str(exc)})

    async def set_topic_open(self, question: Question, is_open: bool) -> None:
        if question.thread_id is None or question.coordinator_chat_id is None:
            return
        try:
            if is_open:
                await self.bot.reopen_forum_topic(question.coordinator_chat_id, question.thread_id)
            else:
                await self.bot.close_forum_topic(question.coordinator_chat_id, question.thread_id)
        except TelegramBadRequest as exc:
            log.warning("forum topic state not changed", extra={"reason": str(exc)})
