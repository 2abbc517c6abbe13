"""What asking for a translation gives: a translation, or the reason there is none."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from bot.marking import N_

# Longest text the bridge sends (characters). Telegram texts are at most 4,096 and captions
# 1,024 characters, so only something other than one message can be longer.
MAX_CHARS = 5000


class Reason(enum.StrEnum):
    NOT_CONFIGURED = "not_configured"  # TRANSLATION_PROVIDER=none
    SAME_LANGUAGE = "same_language"  # source and target are the same: nothing to do
    EMPTY = "empty"  # nothing but white space
    TOO_LONG = "too_long"  # more than MAX_CHARS characters
    PAIR_UNSUPPORTED = "pair_unsupported"  # no configured provider has this pair
    TEMPORARY = "temporary"  # 5xx, 429, network error or timeout: try again later
    PERMANENT = "permanent"  # the provider refused this request (400/403/413/456...)


@dataclass(frozen=True)
class Translation:
    text: str  # the translation, glossary terms restored
    source: str
    target: str
    provider: str
    cached: bool = False


@dataclass(frozen=True)
class Untranslated:
    """No translation now: show the original. `retry_later` says whether asking again may help,
    not before `retry_after` seconds when given (a provider's Retry-After or backoff)."""

    reason: Reason
    provider: str | None = None
    retry_after: float | None = None
    detail: str | None = None  # the provider's error message or status, for logs

    @property
    def retry_later(self) -> bool:
        return self.reason is Reason.TEMPORARY


Result = Translation | Untranslated

PROVIDER_NAMES = {"libretranslate": "LibreTranslate", "deepl": "DeepL", "azure": "Azure"}


# The sandbox's translator: never passed off as a real service.
DEMO_NAME = N_("demo translator")


def provider_name(provider: str, translate: Callable[[str], str] = str) -> str:
    """How readers see a provider's name; `translate` puts the demo's label into the
    reader's language."""
    if provider == "demo":
        return translate(DEMO_NAME)
    return PROVIDER_NAMES.get(provider, provider)


__all__ = [
    "MAX_CHARS", "PROVIDER_NAMES", "Reason", "Result", "Translation", "Untranslated",
    "provider_name",
]  # fmt: skip
