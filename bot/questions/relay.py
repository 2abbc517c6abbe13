"""Moving a question's messages between the member and the coordinators on Telegram.

The `Inbox` speaks through a `Messenger` and gets its texts and keyboards from `Views`
(implemented in `bot.questions.render`), each rendered in the locale the Inbox asks for:
the reader's language in private chats, the default locale in a region's forum topic.
No aiogram here.
"""

from __future__ import annotations

import asyncio
import html
import logging
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.bridge import Result, Translation
from bot.config import Settings
from bot.messenger import Markup, Messenger, Reason, Undeliverable
from bot.questions import rules
from bot.questions.translation import NOT_AVAILABLE, Translator, owe, translation_copy
from bot.services import members, roles
from db.base import utcnow
from db.models import (
    FaqSuggestion,
    FaqText,
    Member,
    MemberStatus,
    Municipality,
    Question,
    QuestionMessage,
    QuestionStatus,
    Region,
    VolunteerRequest,
)

log = logging.getLogger(__name__)

UNTRANSLATED = "="  # a coordinator's text starting with this goes to the member untranslated
TOGETHER_LIMIT = 3600  # characters of an answer plus its translation sent as one message


@dataclass(frozen=True)
class Card:
    """What a question's card in the coordinators' chat shows."""

    question: Question
    member: Member
    region: Region | None
    municipality: Municipality | None
    earlier: int
    assignee: str | None
    translating: bool = False  # the language bridge translates between member and coordinators
    volunteer: tuple[str, str] | None = None  # (kind, status) of the latest volunteer request
    offer_volunteer: bool = False  # the question is not in the staff language
    # FAQ entries offered to the member before they sent it anyway: (number, title)
    faq_offered: tuple[tuple[int, str], ...] = ()


SPOKEN_KINDS = ("voice", "audio", "video", "video_note")  # in a language without any text


class Views(Protocol):
    """Texts and keyboards of the question flow, each rendered in `locale`."""

    def topic_name(
        self, locale: str, question: Question, member: Member, summary: str | None = None
    ) -> str:
        """`summary`: the question's first text in the staff language, if translated."""
        ...

    def card(self, locale: str, card: Card) -> tuple[str, Markup]:
        """The card's text and its buttons."""
        ...

    def follow_up_header(self, locale: str, number: int) -> str: ...

    def answer_header(
        self, locale: str, number: int, language: str | None = None, machine: bool = False
    ) -> str:
        """`language`: the answer's language, said when it isn't the member's; `machine`:
        a machine translation comes with it."""
        ...

    def closed(self, locale: str, number: int) -> tuple[str, Markup]:
        """The member's notice that the question is closed, with the rating buttons."""
        ...

    def staff_translation(self, locale: str, translation: Translation) -> str:
        """A member's text translated for the coordinators (sent as a reply to the original)."""
        ...

    def member_translation(
        self, locale: str, translation: Translation, original: str | None
    ) -> str:
        """A coordinator's answer in the member's language, the original kept beneath it
        (`original` None: sent as a reply to the original, which the member has already)."""
        ...

    def untranslated(self, locale: str, follows: bool) -> str:
        """The short label next to an original sent without its translation."""
        ...

    def request_withdrawn(self, locale: str, request_id: int) -> str:
        """A volunteer's notice that a translation request is no longer needed."""
        ...


@dataclass
class Inbox:
    messenger: Messenger
    session: AsyncSession
    settings: Settings
    views: Views
    translator: Translator | None = None

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
        # From settings, not the translator: every use case refreshes cards, not all have it.
        translating = (
            bool(self.settings.translation_provider)
            and self._member_language(member) != self.settings.staff_language
        )
        volunteer = await self.session.scalar(
            select(VolunteerRequest)
            .where(VolunteerRequest.question_id == question.id)
            .order_by(VolunteerRequest.id.desc())
            .limit(1)
        )
        offered = await self.session.execute(
            select(FaqSuggestion.entry_id, FaqText.question)
            .outerjoin(
                FaqText,
                (FaqText.entry_id == FaqSuggestion.entry_id)
                & (FaqText.language == self.settings.staff_language),
            )
            .where(FaqSuggestion.question_id == question.id)
            .order_by(FaqSuggestion.position)
        )
        return Card(
            question, member, region, municipality, earlier, assignee, translating,
            (volunteer.kind, volunteer.status) if volunteer is not None else None,
            question.language != self.settings.staff_language,
            tuple((number, title or "") for number, title in offered.all()),
        )  # fmt: skip

    # --- the language bridge ---

    def _member_language(self, member: Member) -> str:
        return member.language or self.settings.default_locale

    def _translates_for(self, member: Member) -> bool:
        return (
            self.translator is not None
            and self.translator.active
            and self._member_language(member) != self.translator.staff_language
        )

    async def translate_for_staff(self, member: Member, text: str | None) -> Result | None:
        """A member's text (or caption) in the staff language; None: nothing to translate.
        Ask before writing anything in this session: no database lock is held while waiting."""
        if not text or self.translator is None or not self._translates_for(member):
            return None
        source, target = self._to_staff(member)
        return await self.translator.translate(text, source, target, member_id=member.id)

    async def _note(
        self,
        row: QuestionMessage,
        result: Result | None,
        direction: str,
        pair: tuple[str, str],
        *,
        chat_id: int,
        thread_id: int | None,
        reply_to: int,
        locale: str,
    ) -> None:
        """After an original: its translation, or a label saying none is available (yet)
        and, when asking again may help, a pending translation for the retry job."""
        if result is None:
            return
        if isinstance(result, Translation):
            text = (
                self.views.staff_translation(locale, result)
                if direction == "staff"
                else self.views.member_translation(locale, result, None)
            )
        elif result.retry_later:
            assert self.translator is not None and row.text
            owe(
                self.session, row, direction, chat_id=chat_id, thread_id=thread_id,
                reply_to=reply_to, source=pair[0], target=pair[1],
                retry_after=result.retry_after,
            )  # fmt: skip
            await self.session.commit()  # owed before the label promises it
            text = self.views.untranslated(locale, follows=True)
        elif result.reason in NOT_AVAILABLE:
            text = self.views.untranslated(locale, follows=False)
        else:
            return
        try:
            sent = await self.messenger.send_text(
                chat_id, text, thread_id=thread_id, reply_to=reply_to
            )
        except Undeliverable as exc:
            log.warning("translation note not delivered", extra={"reason": str(exc)})
            return
        if direction == "staff":  # a copy of the member's words: /delete removes it too
            self.session.add(translation_copy(row.question_id, chat_id, sent))

    def _to_staff(self, member: Member) -> tuple[str, str]:
        assert self.translator is not None
        return self._member_language(member), self.translator.staff_language

    async def deliver(self, question: Question, member: Member) -> None:
        """Bring the coordinators up to date with a sent question: its forum topic (opened
        the first time), its card, then a copy of each of the member's messages not copied
        there yet, in order. Safe to repeat: what is recorded as sent is not sent again.
        Run by the outbox (`bot.questions.outbox`), not inside the member's update; raises
        Undeliverable (reason FAILED) when trying again later may help."""
        region = await self.session.get(Region, question.region_id) if question.region_id else None
        incoming = await rules.messages(self.session, question, "in")
        translated: dict[int, Result | None] = {}
        if question.thread_id is None and region is not None and region.coordinator_chat_id:
            await self._translate(member, incoming, translated)
            summary = next(
                (r.text for r in translated.values() if isinstance(r, Translation)), None
            )
            chat_id = region.coordinator_chat_id
            name = self.views.topic_name(self.settings.default_locale, question, member, summary)
            try:
                thread_id = await self.messenger.create_topic(chat_id, name)
            except Undeliverable as exc:
                if exc.reason is Reason.FAILED:
                    raise
                log.warning(
                    "forum topic not created, using private chats", extra={"reason": str(exc)}
                )
            else:
                question.coordinator_chat_id, question.thread_id = chat_id, thread_id
                await self.session.commit()  # answers in the new topic must find their question
        if question.thread_id is not None and question.coordinator_chat_id is not None:
            try:
                await self._up_to_date(
                    question, member, incoming, translated,
                    question.coordinator_chat_id, question.thread_id,
                )  # fmt: skip
                return
            except Undeliverable as exc:
                if exc.reason is Reason.FAILED:
                    raise
                log.warning("question topic unavailable", extra={"reason": str(exc)})
        for chat_id in await roles.coordinator_ids(self.session, self.settings, question.region_id):
            try:
                await self._up_to_date(question, member, incoming, translated, chat_id, None)
            except Undeliverable as exc:
                if exc.reason is Reason.FAILED:
                    raise
                log.warning("coordinator not reachable for a question", extra={"reason": str(exc)})

    async def _translate(
        self, member: Member, rows: list[QuestionMessage], translated: dict[int, Result | None]
    ) -> None:
        """Translations of the rows not translated yet, all at once, holding no database
        lock while waiting (the session's transaction is ended first)."""
        rows = [row for row in rows if row.id not in translated]
        if not rows:
            return
        if self.session.in_transaction():
            await self.session.commit()
        results = await asyncio.gather(*(self.translate_for_staff(member, r.text) for r in rows))
        translated.update({row.id: result for row, result in zip(rows, results, strict=True)})

    async def _up_to_date(
        self,
        question: Question,
        member: Member,
        incoming: list[QuestionMessage],
        translated: dict[int, Result | None],
        chat_id: int,
        thread_id: int | None,
    ) -> None:
        """The card and the copies `chat_id` is missing (the n-th copy of a member's message
        in a chat is the copy of their n-th message: copies keep the order)."""
        there = [
            row for row in await rules.messages(self.session, question)
            if row.coordinator_chat_id == chat_id
        ]  # fmt: skip
        had_card = any(row.direction == "card" for row in there)
        copied = sum(
            1 for row in there
            if row.direction == "copy" and row.kind not in ("header", "translation")
        )  # fmt: skip
        missing = incoming[copied:]
        if had_card and not missing:
            return
        await self._translate(member, missing, translated)
        if not had_card:
            await self._post_card(question, member, chat_id, thread_id)
        for row in missing:
            if had_card and thread_id is None:  # a follow-up in a private chat: say whose
                locale = await self._reader_locale(chat_id)
                head = await self.messenger.send_text(
                    chat_id, self.views.follow_up_header(locale, question.id)
                )
                self._record(
                    question, "copy", "header",
                    coordinator_chat_id=chat_id, coordinator_message_id=head,
                )  # fmt: skip
            try:
                await self._copy_in(
                    question, member, row, chat_id, thread_id, translated.get(row.id)
                )
            except Undeliverable as exc:
                if exc.reason not in (Reason.NOT_FOUND, Reason.REJECTED) or "thread" in exc.detail:
                    raise
                # This message cannot be copied (deleted by the member, a kind Telegram
                # refuses): note it as done so the copies keep the order, and go on.
                log.warning("member message not copied", extra={"reason": str(exc)})
                self._record(question, "copy", row.kind, coordinator_chat_id=chat_id)

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
        translated: Result | None = None,
    ) -> None:
        """Copy a member's message, then add its translation (or say why there is none)."""
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
        if translated is not None:
            locale = (
                self.settings.default_locale
                if thread_id is not None
                else await self._reader_locale(chat_id)
            )
            await self._note(
                row, translated, "staff", self._to_staff(member),
                chat_id=chat_id, thread_id=thread_id, reply_to=copy, locale=locale,
            )  # fmt: skip

    async def relay_answer(
        self,
        question: Question,
        from_chat: int,
        message_id: int,
        author_id: int,
        kind: str,
        text: str | None,
    ) -> str | None:
        """Copy a coordinator's message to the member with a header; None when delivered, else why not.

        A text starting with UNTRANSLATED goes without it and untranslated; other texts and
        captions go in the member's language when the bridge translates for them."""
        member = await self.session.get(Member, question.member_id)
        if member is None:
            return "gone"
        locale = self._member_language(member)
        plain = kind == "text" and text is not None and text.startswith(UNTRANSLATED)
        if plain:
            assert text is not None
            text = text[len(UNTRANSLATED) :].lstrip()
        translated: Result | None = None
        pair = (self.settings.default_locale, locale)
        if not plain and text and self.translator is not None and self._translates_for(member):
            pair = (self.translator.staff_language, locale)
            translated = await self.translator.translate(text, *pair, member_id=member.id)
        # A text answer and its translation in one message when both fit; else the original
        # first and the translation as a reply to it.
        # The header says which language the answer is in when it isn't the member's.
        source = pair[0] if translated is not None else self.settings.staff_language
        worded = bool(text) or kind in SPOKEN_KINDS
        header_text = self.views.answer_header(
            locale,
            question.id,
            source if worded and source != locale else None,
            machine=isinstance(translated, Translation),
        )
        together = (
            kind == "text"
            and isinstance(translated, Translation)
            and len(text or "") + len(translated.text) <= TOGETHER_LIMIT
        )
        try:
            header = await self.messenger.send_text(member.telegram_id, header_text)
            if plain:
                copy = await self.messenger.send_text(member.telegram_id, html.escape(text or ""))
            elif together:
                assert isinstance(translated, Translation)
                copy = await self.messenger.send_text(
                    member.telegram_id,
                    self.views.member_translation(locale, translated, text or ""),
                )
            else:
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
        row = QuestionMessage(
            question_id=question.id, direction="out", kind=kind, text=text,
            member_message_id=copy, coordinator_chat_id=from_chat,
            coordinator_message_id=message_id, author_id=author_id, delivered=True,
            created_at=utcnow(),
        )  # fmt: skip
        self.session.add(row)
        rules.mark_answered(question)
        if translated is not None and not together:
            await self.session.flush()  # the pending translation refers to the row
            await self._note(
                row, translated, "member", pair,
                chat_id=member.telegram_id, thread_id=None, reply_to=copy, locale=locale,
            )  # fmt: skip
        return None

    async def relay_template(
        self,
        question: Question,
        *,
        author_id: int,
        header: str,
        body: str | None,
        plain: str,
        attachment: tuple[str, str] | None,
        from_chat: int,
        message_id: int,
    ) -> str | None:
        """Send a reply template to the member as an answer (bot.templates): the header, the
        text (HTML, `plain` is recorded) and the attachment by its file id. None when
        delivered, else why not, as `relay_answer`."""
        member = await self.session.get(Member, question.member_id)
        if member is None:
            return "gone"
        sent: list[tuple[str, int, str | None]] = []
        try:
            sent.append(
                ("header", await self.messenger.send_text(member.telegram_id, header), None)
            )
            if body is not None:
                text_id = await self.messenger.send_text(member.telegram_id, body)
                sent.append(("template", text_id, plain))
            if attachment is not None:
                file_id = await self.messenger.send_file(member.telegram_id, *attachment)
                sent.append((attachment[0], file_id, None))
        except Undeliverable as exc:
            if exc.reason is Reason.BLOCKED:
                member.status = MemberStatus.UNREACHABLE
                return "blocked"
            log.warning("template not delivered", extra={"reason": str(exc)})
            return "failed"
        for kind, member_message_id, text in sent:
            self._record(
                question, "out", kind, text=text, member_message_id=member_message_id,
                coordinator_chat_id=from_chat, coordinator_message_id=message_id,
                author_id=author_id, delivered=True,
            )  # fmt: skip
        rules.mark_answered(question)
        return None

    async def refresh_cards(self, question: Question, *, retry: bool = False) -> None:
        """Edit the question's cards to show it as it is now. `retry` (the outbox): raise
        Undeliverable (FAILED) when trying again later may help, else that is logged."""
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
                if retry and exc.reason is Reason.FAILED:
                    raise
                if exc.reason is not Reason.NOT_MODIFIED:
                    log.warning("question card not updated", extra={"reason": str(exc)})

    async def sync_state(self, question: Question) -> None:
        """Bring the forum topic (open or closed) and the question's cards in line with the
        question. Run by the outbox ("state" jobs); safe to repeat: the topic is changed only
        when `topic_closed` says it is not as the question is. Raises Undeliverable (reason
        FAILED) when trying again later may help."""
        closed = question.status == QuestionStatus.CLOSED
        if (
            question.thread_id is not None
            and question.coordinator_chat_id is not None
            and question.topic_closed != closed
        ):
            try:
                if closed:
                    await self.messenger.close_topic(
                        question.coordinator_chat_id, question.thread_id
                    )
                else:
                    await self.messenger.reopen_topic(
                        question.coordinator_chat_id, question.thread_id
                    )
            except Undeliverable as exc:
                if exc.reason is Reason.FAILED:
                    raise
                log.warning("forum topic state not changed", extra={"reason": str(exc)})
            question.topic_closed = closed
            await self.session.commit()
        await self.refresh_cards(question, retry=True)
