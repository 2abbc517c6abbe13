"""Pure rules of findings: per-language texts with review state, limits, the member's text.

`texts` (stored as JSON): {language: {"text": str, "provider": str, "reviewed": bool}}; the
staff text has provider "" and counts as reviewed; a machine draft names its provider and is
sent only once a coordinator reviewed it.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot import languages

FINDINGS, RESPONSE = "findings", "response"
KINDS = (FINDINGS, RESPONSE)
INVITED, REGION = "invited", "region"
AUDIENCES = (INVITED, REGION)
TEXT_LIMIT = 700  # characters a coordinator may write (two texts and labels fit a caption)
UP, DOWN = "up", "down"


class TextProblem(ValueError):
    """The text cannot be stored: `why` is "empty" or "long"."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


@dataclass(frozen=True)
class Text:
    text: str
    provider: str = ""  # "" written by staff; else the machine that drafted it
    reviewed: bool = True

    @property
    def machine(self) -> bool:
        return bool(self.provider)


Texts = dict[str, Text]


def check(text: str) -> str:
    cleaned = "\n".join(line.rstrip() for line in text.strip().splitlines())
    if not cleaned:
        raise TextProblem("empty")
    if len(cleaned) > TEXT_LIMIT:
        raise TextProblem("long")
    return cleaned


def load(raw: str | None) -> Texts:
    data: dict[str, Any] = json.loads(raw or "{}")
    return {
        code: Text(str(v["text"]), str(v.get("provider", "")), bool(v.get("reviewed", True)))
        for code, v in data.items()
    }


def dump(texts: Mapping[str, Text]) -> str:
    return json.dumps(
        {
            c: {"text": t.text, "provider": t.provider, "reviewed": t.reviewed}
            for c, t in texts.items()
        },
        ensure_ascii=False,
    )


def written(language: str, text: str, drafts: Mapping[str, tuple[str, str]]) -> Texts:
    """The staff text and machine drafts {language: (text, provider)}, drafts unreviewed."""
    texts: Texts = {language: Text(check(text))}
    for code, (draft, provider) in drafts.items():
        if code != language and draft.strip():
            texts[code] = Text(draft.strip()[: TEXT_LIMIT * 2], provider, reviewed=False)
    return texts


def unreviewed(texts: Mapping[str, Text]) -> list[str]:
    return [code for code, t in texts.items() if not t.reviewed]


def reviewed_all(texts: Mapping[str, Text]) -> Texts:
    return {code: Text(t.text, t.provider, True) for code, t in texts.items()}


def for_reader(texts: Mapping[str, Text], language: str) -> tuple[str, Text] | None:
    """The reviewed text a reader of `language` gets (the project's fallback rule)."""
    usable = {code: t for code, t in texts.items() if t.reviewed}
    return languages.pick(usable, language) if usable else None


@dataclass(frozen=True)
class Labels:
    """UI words in the reader's language (the caller translates them)."""

    you_said: str
    we_did: str
    machine: Callable[[str], str]  # provider name -> "Machine translation (DeepL)."
    useful: str | None = None


def compose(title: str, said: Text, did: Text | None, labels: Labels) -> str:
    """The member's message as Telegram HTML: "You said: … — We did: …"."""
    q = html.escape
    parts = [f"📊 <b>{q(title, quote=False)}</b>"]
    parts.append(f"🗣 <b>{q(labels.you_said, quote=False)}</b>\n{q(said.text, quote=False)}")
    if did is not None:
        parts.append(f"✅ <b>{q(labels.we_did, quote=False)}</b>\n{q(did.text, quote=False)}")
    providers = sorted({t.provider for t in (said, did) if t is not None and t.provider})
    if providers:
        parts.append("🌐 <i>" + q(labels.machine(", ".join(providers)), quote=False) + "</i>")
    if labels.useful:
        parts.append(q(labels.useful, quote=False))
    return "\n\n".join(parts)
