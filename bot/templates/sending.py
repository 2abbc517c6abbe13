"""Using a template on a question: the member's version with its variables filled, sent the
way a coordinator's answer is (bot.questions.relay.Inbox), counted and audited. No aiogram.

Which text a member gets: the one in their language, reviewed or not. An unreviewed machine
draft is usable (the alternative, the staff language, helps a newcomer less); the coordinator
sees it marked as a draft in the preview before sending, and the member gets the "Machine
translation" label under it. Without a text in their language, the staff language's text
goes, the answer's header saying in their language which language it is in.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.messenger import Messenger
from bot.questions import rules
from bot.questions.relay import Inbox, Views
from bot.services import audit
from bot.services.roles import Actor, NotAllowed
from bot.templates.service import by_name, fits, get, listing, text_in
from db.base import utcnow
from db.models import (
    Member,
    Municipality,
    Question,
    QuestionMessage,
    Region,
    ReplyTemplate,
    ReplyTemplateUse,
)

USE = "template_use"  # audit action
ALREADY = "already"  # `send`: this preview was sent before


class TemplateViews(Views, Protocol):
    def draft_label(self, locale: str, provider: str) -> str:
        """The member's note under a machine draft nobody has reviewed yet."""
        ...


@dataclass(frozen=True)
class Prepared:
    """A template as the member of a question would get it."""

    question: Question
    template: ReplyTemplate
    member_language: str
    language: str  # the language of the text sent
    plain: str  # the text with its variables filled (plain text)
    html: str  # the same, HTML-escaped
    reviewed: bool
    provider: str | None  # the machine that drafted an unreviewed text

    @property
    def fallback(self) -> bool:
        """The member's language has no text: the staff language's goes, with a label."""
        return self.language != self.member_language


def fill(text: str, values: dict[str, str], *, escape: bool) -> str:
    """`text` with {name}, {region}, {municipality}, {question_number} put in; with `escape`
    the text and the values HTML-escaped. Other braces stay as they are."""
    out = html.escape(text, quote=False) if escape else text
    for key, value in values.items():
        out = out.replace("{" + key + "}", html.escape(value, quote=False) if escape else value)
    return out


async def _values(session: AsyncSession, question: Question, member: Member) -> dict[str, str]:
    region = await session.get(Region, question.region_id) if question.region_id else None
    municipality = (
        await session.get(Municipality, member.municipality_id) if member.municipality_id else None
    )
    return {
        "name": member.display_name or "",
        "region": region.name if region is not None else "",
        "municipality": municipality.name
        if municipality is not None
        else member.municipality_text or "",
        "question_number": str(question.id),
    }


async def prepare(
    session: AsyncSession, actor: Actor, settings: Settings, question_id: int, template_id: int
) -> Prepared:
    """What the question's member would get; NotAllowed when the actor may not answer the
    question or use the template there; QuestionError("gone") when the member is gone."""
    question = await rules.for_staff(session, actor, question_id)
    template = await get(session, actor, template_id)
    if not fits(template, question.region_id):
        raise NotAllowed
    member = await rules.member_of(session, question)
    wanted = member.language or settings.default_locale
    row = text_in(template, wanted) or text_in(template, settings.staff_language)
    if row is None:  # a template without a staff text: cannot happen, but say nothing wrong
        raise NotAllowed
    values = await _values(session, question, member)
    return Prepared(
        question, template, wanted, row.language,
        fill(row.text, values, escape=False), fill(row.text, values, escape=True),
        row.reviewed, row.provider,
    )  # fmt: skip


async def send(
    session: AsyncSession,
    messenger: Messenger,
    views: TemplateViews,
    settings: Settings,
    actor: Actor,
    question_id: int,
    template_id: int,
    *,
    chat_id: int,
    message_id: int,
) -> tuple[Prepared, str | None]:
    """Send the template to the question's member as the actor's answer; the second value is
    None when delivered, ALREADY when this preview was sent before (nothing is sent again),
    else why not ("blocked", "gone", "failed"). `chat_id`/`message_id`:
    the staff message that stands for the answer in their chat. Rights checked again."""
    prepared = await prepare(session, actor, settings, question_id, template_id)
    question, template = prepared.question, prepared.template
    if await _sent_from(session, question, chat_id, message_id):
        return prepared, ALREADY  # a second press on the same preview: sent once
    locale = prepared.member_language
    header = views.answer_header(
        locale, question.id, prepared.language if prepared.fallback else None
    )
    body = prepared.html
    if not prepared.reviewed and prepared.provider:
        body += "\n\n" + views.draft_label(locale, prepared.provider)
    attachment = (
        (template.attachment_kind, template.attachment_file_id)
        if template.attachment_kind and template.attachment_file_id
        else None
    )
    inbox = Inbox(messenger, session, settings, views)
    failure = await inbox.relay_template(
        question, author_id=actor.telegram_id, header=header,
        body=body if prepared.plain.strip() else None, plain=prepared.plain,
        attachment=attachment, from_chat=chat_id, message_id=message_id,
    )  # fmt: skip
    if failure is None:
        session.add(
            ReplyTemplateUse(
                template_id=template.id,
                region_id=question.region_id,
                used_by=actor.telegram_id,
                language=prepared.language,
                fallback=prepared.fallback,
                used_at=utcnow(),
            )  # fmt: skip
        )
        await audit.record(
            session, actor.telegram_id, USE, member_id=question.member_id,
            region_id=question.region_id, question=question.id, template=template.name,
            language=prepared.language,
        )  # fmt: skip
    await session.commit()  # the member may reply to the answer at once
    return prepared, failure


async def _sent_from(
    session: AsyncSession, question: Question, chat_id: int, message_id: int
) -> bool:
    found = await session.scalar(
        select(QuestionMessage.id)
        .where(
            QuestionMessage.question_id == question.id,
            QuestionMessage.direction == "out",
            QuestionMessage.coordinator_chat_id == chat_id,
            QuestionMessage.coordinator_message_id == message_id,
        )
        .limit(1)
    )
    return found is not None


async def choices(
    session: AsyncSession, actor: Actor, question_id: int
) -> tuple[Question, list[ReplyTemplate]]:
    """The question and the templates usable on it (its region's and shared ones, for its
    topic); NotAllowed when the actor may not answer it."""
    question = await rules.for_staff(session, actor, question_id)
    found = await listing(session, actor, question_region=question.region_id, topic=question.topic)
    return question, found


async def named(
    session: AsyncSession, actor: Actor, settings: Settings, question_id: int, name: str
) -> Prepared | None:
    """The template called `name` prepared for the question (None: no such template in its
    region); NotAllowed when the actor may not answer the question."""
    question = await rules.for_staff(session, actor, question_id)
    template = await by_name(session, actor, question.region_id, name.strip().lower())
    if template is None:
        return None
    return await prepare(session, actor, settings, question_id, template.id)
