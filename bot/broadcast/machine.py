"""Machine drafts of an announcement for the audience's languages that have no version yet.

On the preview a coordinator may ask for them: the text of the version in STAFF_LANGUAGE
(else the one the fallback rule picks) goes through the language bridge into each missing
language (glossary terms protected, each language waiting at most the bridge's quick wait).
A draft is a version that carries, in its own language, the label members see ("Machine
translation (provider). The original text:") and the original beneath in an expandable quote,
so the coordinator previews exactly what members get. Drafts stay unreviewed until the
coordinator accepts them; `service.confirm` refuses to send unreviewed drafts unless the
coordinator confirmed that step. Formatting of the original is not kept in the draft (the
text is translated as plain text); photos and documents keep their file.

The audit log records who asked, the provider(s) and the languages; no member data is involved.
No aiogram here.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot import languages
from bot.bridge import Reason, Translation, provider_name
from bot.broadcast.audience import Audience
from bot.broadcast.content import (
    EVERYONE,
    MACHINE_LABEL,
    MACHINE_LABEL_ORIGINAL,
    Catalogues,
    Content,
    max_length,
)
from bot.broadcast.service import Preview, preview
from bot.config import Settings
from bot.questions.translation import NotDrafted, Translator
from bot.services import audit

AUDIT = "broadcast_machine_drafts"
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Drafted:
    language: str
    content: Content
    provider: str


@dataclass(frozen=True)
class Drafts:
    source: str  # language of the version that was translated
    made: list[Drafted]
    failed: list[NotDrafted]


def missing(found: Preview, versions: Mapping[str, Content]) -> list[str]:
    """The audience's languages without a version of their own (none for one-for-everyone)."""
    if not versions or EVERYONE in versions:
        return []
    return [code for code in found.by_language if code not in versions]


def source_of(versions: Mapping[str, Content], staff_language: str) -> tuple[str, Content]:
    return languages.pick(versions, staff_language)


def plain_text(text_html: str) -> str:
    """Telegram HTML as the words a reader sees (tags dropped, entities decoded)."""
    return html.unescape(_TAG.sub("", text_html)).strip()


def can_draft(versions: Mapping[str, Content], staff_language: str) -> bool:
    """Is there a text to translate (a voice message or a bare photo has none)?"""
    if not versions or EVERYONE in versions:
        return False
    return bool(plain_text(source_of(versions, staff_language)[1].html))


def labelled(
    i18n: Catalogues, language: str, translation: Translation, original: Content
) -> Content | None:
    """The draft as members get it: translation, label, original beneath when it fits
    (else the short label alone); None when not even that fits."""
    limit = max_length(original, i18n)
    provider = provider_name(translation.provider, lambda text: i18n.gettext(text, locale=language))
    text = html.escape(translation.text, quote=False)
    long_label = i18n.gettext(MACHINE_LABEL_ORIGINAL, locale=language).format(provider=provider)
    length = len(translation.text) + 3 + len(long_label) + original.length
    if length <= limit:
        body = (
            f"{text}\n\n🌐 <i>{html.escape(long_label, quote=False)}</i>\n"
            f"<blockquote expandable>{original.html}</blockquote>"
        )
        return Content(original.kind, body, length, original.file_id)
    label = i18n.gettext(MACHINE_LABEL, locale=language).format(provider=provider)
    length = len(translation.text) + 2 + len(label)
    if length > limit:
        return None
    body = f"{text}\n\n🌐 <i>{html.escape(label, quote=False)}</i>"
    return Content(original.kind, body, length, original.file_id)


async def make(
    session: AsyncSession,
    settings: Settings,
    translator: Translator,
    i18n: Catalogues,
    *,
    actor: int,
    audience: Audience,
    versions: Mapping[str, Content],
    only: Sequence[str] | None = None,
) -> Drafts:
    """Drafts for the missing languages (or `only` those of them); audits and commits.
    Raises NotAllowed outside the actor's regions (through `preview`)."""
    found = await preview(session, settings, actor, audience, versions)
    wanted = [code for code in missing(found, versions) if only is None or code in only]
    source, original = source_of(versions, translator.staff_language)
    text = plain_text(original.html)
    made: list[Drafted] = []
    failed: list[NotDrafted] = []
    if wanted and text:
        results = await translator.translate_into([text], source, wanted)
        for code in wanted:
            result = results[code][0]
            if isinstance(result, Translation):
                content = labelled(i18n, code, result, original)
                if content is None:
                    failed.append(NotDrafted(code, Reason.TOO_LONG))
                else:
                    made.append(Drafted(code, content, result.provider))
            else:
                failed.append(NotDrafted(code, result.reason))
    await audit.record(
        session, actor, AUDIT, source=source,
        providers=sorted({d.provider for d in made}),
        languages=[d.language for d in made],
        failed={f.language: f.reason.value for f in failed},
    )  # fmt: skip
    await session.commit()
    return Drafts(source, made, failed)


__all__ = ["AUDIT", "Drafted", "Drafts", "NotDrafted", "can_draft", "make", "missing"]
