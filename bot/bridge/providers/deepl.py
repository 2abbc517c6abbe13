"""DeepL API: POST /v2/translate, GET /v2/languages?type=source|target.

Authorization: `DeepL-Auth-Key <key>`. Codes are DeepL's: NL, AR, TR, UK, FA (Persian) or PRS
(Dari) for "fa", and for English EN as a source but EN-GB as a target. DeepL has neither
Tigrinya nor Somali today; the languages endpoint decides, so they are used once listed.
Protected terms go in `tag_handling=html` inside `<span translate="no">`, except for Persian
and Dari, for which DeepL documents no tag handling: there terms travel as ⟦n⟧ tokens.
"""

from __future__ import annotations

from datetime import UTC, datetime

import aiohttp

from bot.bridge.languages import LanguageSupport, match_codes
from bot.bridge.providers.base import Markup, Provider

# Other languages: their code in any case (NL, AR, TR, UK).
SOURCE_CODES = {"fa": ("FA", "PRS")}
TARGET_CODES = {"fa": ("FA", "PRS"), "en": ("EN-GB", "EN-US", "EN")}
# From DeepL's table of supported languages (tag handling column).
NO_TAG_HANDLING = frozenset({"FA", "PRS"})


class DeepL(Provider):
    name = "deepl"
    max_items = 50
    max_chars = 30_000  # the request body may be at most 128 KiB

    def __init__(self, base_url: str, timeout: float, api_key: str) -> None:
        super().__init__(base_url, timeout)
        self.headers = {"Authorization": f"DeepL-Auth-Key {api_key}"}

    async def languages(self, http: aiohttp.ClientSession) -> LanguageSupport:
        listed = {}
        for kind in ("source", "target"):
            data = await self._request(
                http, "GET", "/v2/languages", headers=self.headers, params={"type": kind}
            )
            if not isinstance(data, list) or not all(isinstance(e, dict) for e in data):
                raise self.unexpected("languages is not a list of objects")
            listed[kind] = [str(e.get("language", "")) for e in data]
        return LanguageSupport.any_to_any(
            self.name,
            match_codes(listed["source"], SOURCE_CODES),
            match_codes(listed["target"], TARGET_CODES),
            datetime.now(UTC),
        )

    def markup_for(self, support: LanguageSupport, source: str, target: str) -> Markup:
        codes = {support.source_codes[source].upper(), support.target_codes[target].upper()}
        return Markup.TOKENS if codes & NO_TAG_HANDLING else Markup.HTML

    async def _send(
        self,
        http: aiohttp.ClientSession,
        texts: list[str],
        source: str,
        target: str,
        markup: Markup,
    ) -> list[str]:
        body: dict[str, object] = {"text": texts, "source_lang": source, "target_lang": target}
        if markup is Markup.HTML:
            body["tag_handling"] = "html"
        data = await self._request(http, "POST", "/v2/translate", headers=self.headers, body=body)
        items = data.get("translations") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise self.unexpected("no translations list")
        texts_out = [i.get("text") if isinstance(i, dict) else None for i in items]
        if not all(isinstance(t, str) for t in texts_out):
            raise self.unexpected("a translation without text")
        return [str(t) for t in texts_out]
