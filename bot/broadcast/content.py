"""What a broadcast says: one version for everyone or one per language (no Telegram here).

Which version a recipient gets: the version for everyone ("*") if there is one; else the
one the project's language fallback picks (bot/languages.py: the recipient's language,
else English, else Dutch, else the first version given). The header line is UI text,
always in the recipient's own language.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from bot import languages
from bot.marking import N_

EVERYONE = "*"
KINDS = ("text", "photo", "document", "voice")
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
HEADER = N_("📢 News from your expert pool")
# What members read under a machine-made text (bot/broadcast/machine.py, survey invitations).
MACHINE_LABEL = N_("Machine translation ({provider}).")
MACHINE_LABEL_ORIGINAL = N_("Machine translation ({provider}). The original text:")


@dataclass(frozen=True)
class Content:
    kind: str  # one of KINDS
    html: str  # the text or caption as Telegram HTML ("" for none)
    length: int  # characters after entity parsing (what Telegram's limits count)
    file_id: str | None = None
    markup: str | None = None  # buttons under it: InlineKeyboardMarkup as JSON
    # A small file made by the bot, sent as a document with the text as caption (kind "text").
    file_name: str | None = None
    file_text: str | None = None
    # A picture made by the bot (PNG), sent as a photo with the text as caption (kind "photo").
    file_data: bytes | None = None

    def to_dict(self) -> dict[str, Any]:
        """For JSON (FSM data): without a generated picture."""
        data = asdict(self)
        data.pop("file_data")
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Content:
        return cls(
            str(data["kind"]), str(data["html"]), int(data["length"]), data.get("file_id"),
            data.get("markup"), data.get("file_name"), data.get("file_text"),
        )  # fmt: skip


class Catalogues(Protocol):
    available_locales: Iterable[str]

    def gettext(self, singular: str, *, locale: str | None = None) -> str: ...


def max_length(content: Content, i18n: Catalogues) -> int:
    """How long the text or caption may be, so the header fits in every language."""
    limit = TEXT_LIMIT if content.kind == "text" else CAPTION_LIMIT
    longest = max(len(i18n.gettext(HEADER, locale=code)) for code in i18n.available_locales)
    return limit - longest - 2


def pick(versions: Mapping[str, Content], language: str) -> tuple[str, Content]:
    """(language of the version, version) for a recipient who reads `language`."""
    if not versions:
        raise ValueError("a broadcast needs at least one version")
    if EVERYONE in versions:
        return EVERYONE, versions[EVERYONE]
    return languages.pick(versions, language)


def render(content: Content, header: str) -> str:
    top = html.escape(header, quote=False)
    return f"{top}\n\n{content.html}" if content.html else top
