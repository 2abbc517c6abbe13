"""Which language pairs a provider has, in the project's language codes.

The project's codes are the bot's locales: nl en ar fa ti tr uk so ("fa" serves Farsi and
Dari readers alike). Each provider names them its own way; a table maps them to the codes
the provider listed on its languages endpoint, so only pairs it listed are ever sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.config import SUPPORTED_LOCALES

PROJECT_LANGUAGES: tuple[str, ...] = SUPPORTED_LOCALES


@dataclass(frozen=True)
class LanguageSupport:
    """A provider's pairs as read from its languages endpoint at `fetched_at`."""

    provider: str
    source_codes: Mapping[str, str]  # project code -> the provider's code
    target_codes: Mapping[str, str]
    pairs: frozenset[tuple[str, str]]
    fetched_at: datetime

    def has(self, source: str, target: str) -> bool:
        return (source, target) in self.pairs

    @classmethod
    def any_to_any(
        cls,
        provider: str,
        source_codes: Mapping[str, str],
        target_codes: Mapping[str, str],
        fetched_at: datetime,
    ) -> LanguageSupport:
        """Every listed source to every listed target (DeepL, Azure)."""
        pairs = frozenset((s, t) for s in source_codes for t in target_codes if s != t)
        return cls(provider, dict(source_codes), dict(target_codes), pairs, fetched_at)


def match_codes(offered: Iterable[str], candidates: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """Project code -> the first of its candidate codes the provider offers (any case),
    spelled as the provider spells it."""
    by_folded = {code.casefold(): code for code in offered}
    found: dict[str, str] = {}
    for language in PROJECT_LANGUAGES:
        for candidate in candidates.get(language, (language,)):
            if candidate.casefold() in by_folded:
                found[language] = by_folded[candidate.casefold()]
                break
    return found


__all__ = ["PROJECT_LANGUAGES", "LanguageSupport", "match_codes"]
