"""LibreTranslate (self-hostable): POST /translate, GET /languages.

`/languages` lists each source language with the targets the server has for it; servers
rarely have Tigrinya or Somali. Protected terms go in HTML mode (`format: "html"`) inside
`<span translate="no">`, which its HTML translator leaves alone.
"""

from __future__ import annotations

from datetime import UTC, datetime

import aiohttp

from bot.bridge.languages import LanguageSupport, match_codes
from bot.bridge.providers.base import Markup, Provider


class LibreTranslate(Provider):
    name = "libretranslate"
    max_items = 25
    max_chars = 20_000

    def __init__(self, base_url: str, timeout: float, api_key: str | None = None) -> None:
        super().__init__(base_url, timeout)
        self.api_key = api_key

    async def languages(self, http: aiohttp.ClientSession) -> LanguageSupport:
        data = await self._request(http, "GET", "/languages")
        if not isinstance(data, list) or not all(isinstance(e, dict) for e in data):
            raise self.unexpected("languages is not a list of objects")
        codes = match_codes((str(e.get("code", "")) for e in data), {})
        project = {code: language for language, code in codes.items()}
        pairs: set[tuple[str, str]] = set()
        for entry in data:
            source = project.get(str(entry.get("code", "")))
            for target_code in entry.get("targets") or ():
                target = project.get(str(target_code))
                if source and target and source != target:
                    pairs.add((source, target))
        return LanguageSupport(self.name, codes, codes, frozenset(pairs), datetime.now(UTC))

    async def _send(
        self,
        http: aiohttp.ClientSession,
        texts: list[str],
        source: str,
        target: str,
        markup: Markup,
    ) -> list[str]:
        body: dict[str, object] = {
            "q": texts,
            "source": source,
            "target": target,
            "format": "html" if markup is Markup.HTML else "text",
        }
        if self.api_key:
            body["api_key"] = self.api_key
        data = await self._request(http, "POST", "/translate", body=body)
        translated = data.get("translatedText") if isinstance(data, dict) else None
        if not isinstance(translated, list) or not all(isinstance(t, str) for t in translated):
            raise self.unexpected("translatedText is not a list of texts")
        return translated


class DemoTranslator(LibreTranslate):
    """A LibreTranslate-compatible server that does not really translate (the sandbox's
    demo translator): named `demo` in labels, the cache and the privacy notice, so nobody
    takes its output for a real translation service's."""

    name = "demo"
