"""Language bridge: machine translation between members and coordinators.

A `Bridge` (built from settings, started once, closed at shutdown) holds the providers in
order of preference, their language tables and one HTTP session. `service.translate` asks it
through the database cache. No Telegram here: features label and show the results.
"""

from __future__ import annotations

from bot.bridge.bridge import Bridge, Delivered
from bot.bridge.glossary import Glossary
from bot.bridge.privacy import forget_member_translations, member_translations
from bot.bridge.results import (
    MAX_CHARS,
    Reason,
    Result,
    Translation,
    Untranslated,
    provider_name,
)
from bot.bridge.service import cached, purge_translations, translate, translate_many

__all__ = [
    "MAX_CHARS",
    "Bridge",
    "Delivered",
    "Glossary",
    "Reason",
    "Result",
    "Translation",
    "Untranslated",
    "cached",
    "forget_member_translations",
    "member_translations",
    "provider_name",
    "purge_translations",
    "translate",
    "translate_many",
]
