"""Clients of the translation providers' public HTTP APIs (aiohttp, no SDKs)."""

from __future__ import annotations

from bot.bridge.providers.azure import Azure
from bot.bridge.providers.base import FailureKind, Markup, Provider, ProviderFailure
from bot.bridge.providers.deepl import DeepL
from bot.bridge.providers.libretranslate import DemoTranslator, LibreTranslate

__all__ = [
    "Azure",
    "DeepL",
    "DemoTranslator",
    "FailureKind",
    "LibreTranslate",
    "Markup",
    "Provider",
    "ProviderFailure",
]
