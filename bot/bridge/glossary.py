"""Terms that must not change: found in a text before it goes to a provider, put back after.

A provider receives protected terms in a form its API promises to leave alone: in HTML mode
wrapped in `<span translate="no">` (honoured by DeepL's `tag_handling=html`, Azure's
`textType=html` and LibreTranslate's `format=html`), or, where a provider cannot handle tags
for a language, as numbered tokens `⟦1⟧`. Restoring puts the term back as written, or its
fixed rendering for the target language when the glossary gives one.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.config import SUPPORTED_LOCALES

log = logging.getLogger(__name__)

GLOSSARY_FILE = Path(__file__).with_name("glossary.yaml")


class GlossaryError(ValueError):
    """The glossary file is malformed; the message names the entry."""


def _normal(surface: str) -> str:
    return " ".join(surface.split()).casefold()


@dataclass(frozen=True)
class Term:
    term: str
    translations: Mapping[str, str] = field(default_factory=dict)

    @property
    def exact_case(self) -> bool:
        """Acronyms in capitals match only in capitals ("MAP", not the Dutch word "map")."""
        return self.term.isupper()

    def render(self, target: str, surface: str) -> str:
        return self.translations.get(target, surface)


@dataclass(frozen=True)
class Kept:
    """One occurrence of a term in a text, as it was written."""

    surface: str
    term: Term


@dataclass(frozen=True)
class Protected:
    """A text split into free parts and kept terms."""

    text: str
    parts: tuple[str | Kept, ...]

    @property
    def kept(self) -> tuple[Kept, ...]:
        return tuple(p for p in self.parts if isinstance(p, Kept))

    def html(self) -> str:
        """Escaped HTML: line breaks as <br>, terms in <span translate="no">."""
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, Kept):
                out.append(f'<span translate="no">{html.escape(part.surface, quote=False)}</span>')
            else:
                out.append(html.escape(part, quote=False).replace("\n", "<br>"))
        return "".join(out)

    def tokens(self) -> str:
        """Plain text with each term replaced by ⟦n⟧ (1-based)."""
        out: list[str] = []
        number = 0
        for part in self.parts:
            if isinstance(part, Kept):
                number += 1
                out.append(f"⟦{number}⟧")
            else:
                out.append(part)
        return "".join(out)

    def restore_html(self, translated: str, target: str) -> str:
        by_surface = {_normal(k.surface): k for k in self.kept}
        rendered: list[str] = []

        def keep(match: re.Match[str]) -> str:
            inner = html.unescape(_TAG.sub("", match.group(1)))
            kept = by_surface.get(_normal(inner))
            rendered.append(kept.term.render(target, kept.surface) if kept else inner)
            return f"\x00{len(rendered) - 1}\x00"

        text = _SPAN.sub(keep, translated)
        text = _BR.sub("\n", text)
        text = html.unescape(_TAG.sub("", text))
        text = _SENTINEL.sub(lambda m: rendered[int(m.group(1))], text)
        self._check(len(rendered), target)
        return text

    def restore_tokens(self, translated: str, target: str) -> str:
        kept = self.kept
        found = 0

        def put_back(match: re.Match[str]) -> str:
            nonlocal found
            number = int(match.group(1))  # int() also reads Arabic-Indic digits
            if not 1 <= number <= len(kept):
                return match.group(0)
            found += 1
            return kept[number - 1].term.render(target, kept[number - 1].surface)

        text = _TOKEN.sub(put_back, translated)
        self._check(found, target)
        return text

    def _check(self, found: int, target: str) -> None:
        if found != len(self.kept):
            log.warning(
                "glossary terms changed in translation",
                extra={"target": target, "sent": len(self.kept), "returned": found},
            )


_SPAN = re.compile(
    r"<span\b[^>]*\btranslate\s*=\s*[\"']?no[\"']?[^>]*>(.*?)</span\s*>", re.S | re.I
)
_BR = re.compile(r"<br\s*/?>", re.I)
_TAG = re.compile(r"<[^>]*>")
_SENTINEL = re.compile(r"\x00(\d+)\x00")
_TOKEN = re.compile(r"⟦\s*(\d+)\s*⟧")


class Glossary:
    def __init__(self, terms: Iterable[Term]) -> None:
        self.terms: tuple[Term, ...] = tuple(terms)
        self._by_surface = {_normal(t.term): t for t in self.terms}
        self._pattern = _compile(self.terms)

    @classmethod
    def load(cls, path: Path = GLOSSARY_FILE) -> Glossary:
        return cls(_parse(yaml.safe_load(path.read_text(encoding="utf-8")), path.name))

    def with_terms(self, names: Iterable[str]) -> Glossary:
        """This glossary plus names kept as written (e.g. regions added by admins later)."""
        extra = [Term(n.strip()) for n in names if n.strip() and _normal(n) not in self._by_surface]
        return Glossary([*self.terms, *extra]) if extra else self

    def lookup(self, surface: str) -> Term | None:
        return self._by_surface.get(_normal(surface))

    def protect(self, text: str) -> Protected:
        if self._pattern is None:
            return Protected(text, (text,) if text else ())
        parts: list[str | Kept] = []
        position = 0
        for match in self._pattern.finditer(text):
            term = self.lookup(match.group(0))
            if term is None:  # cannot happen: the pattern is built from the terms
                continue
            if match.start() > position:
                parts.append(text[position : match.start()])
            parts.append(Kept(match.group(0), term))
            position = match.end()
        if position < len(text):
            parts.append(text[position:])
        return Protected(text, tuple(parts))


def _compile(terms: Iterable[Term]) -> re.Pattern[str] | None:
    exact: list[str] = []
    folded: list[str] = []
    for term in sorted(terms, key=lambda t: len(t.term), reverse=True):
        words = r"\s+".join(re.escape(w) for w in term.term.split())
        (exact if term.exact_case else folded).append(words)
    alternatives = [*exact]
    if folded:
        alternatives.append(f"(?i:{'|'.join(folded)})")
    if not alternatives:
        return None
    return re.compile(rf"(?<!\w)(?:{'|'.join(alternatives)})(?!\w)")


def _parse(data: Any, source: str) -> list[Term]:
    if not isinstance(data, dict) or not isinstance(data.get("terms"), list):
        raise GlossaryError(f"{source}: expected a mapping with a list under 'terms'")
    terms: list[Term] = []
    seen: set[str] = set()
    for number, entry in enumerate(data["terms"], start=1):
        where = f"{source}: entry {number}"
        if not isinstance(entry, dict) or not isinstance(entry.get("term"), str):
            raise GlossaryError(f"{where}: needs 'term' (a text)")
        unknown = set(entry) - {"term", "translations"}
        if unknown:
            raise GlossaryError(f"{where}: unknown key {sorted(unknown)[0]!r}")
        name = entry["term"].strip()
        if not name or _normal(name) in seen:
            raise GlossaryError(f"{where}: term {name!r} is empty or listed twice")
        seen.add(_normal(name))
        translations = entry.get("translations") or {}
        if not isinstance(translations, dict):
            raise GlossaryError(f"{where} ({name}): 'translations' must map languages to texts")
        for language, text in translations.items():
            if language not in SUPPORTED_LOCALES or not isinstance(text, str) or not text.strip():
                raise GlossaryError(f"{where} ({name}): bad translation for {language!r}")
        terms.append(Term(name, {k: v.strip() for k, v in translations.items()}))
    return terms


__all__ = ["GLOSSARY_FILE", "Glossary", "GlossaryError", "Kept", "Protected", "Term"]
