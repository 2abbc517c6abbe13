"""Azure AI Translator v3.0: POST /translate, GET /languages?scope=translation.

Headers `Ocp-Apim-Subscription-Key` and (for regional resources) `Ocp-Apim-Subscription-Region`;
the body is `[{"Text": ...}]` (at most 1,000 elements, 50,000 characters), the answer
`[{"translations": [{"text": ..., "to": ...}]}]`. Languages need no key, and any listed
language translates to any other: Azure has all eight of the project's. Protected terms go in
`textType=html` inside `<span translate="no">`.
"""

from __future__ import annotations

from datetime import UTC, datetime

import aiohttp

from bot.bridge.languages import LanguageSupport, match_codes
from bot.bridge.providers.base import Markup, Provider

API_VERSION = "3.0"
CODES = {"fa": ("fa", "prs")}


class Azure(Provider):
    name = "azure"
    max_items = 1000
    max_chars = 45_000

    def __init__(self, base_url: str, timeout: float, key: str, region: str | None) -> None:
        super().__init__(base_url, timeout)
        self.headers = {"Ocp-Apim-Subscription-Key": key}
        if region:
            self.headers["Ocp-Apim-Subscription-Region"] = region

    async def languages(self, http: aiohttp.ClientSession) -> LanguageSupport:
        data = await self._request(
            http,
            "GET",
            "/languages",
            params={"api-version": API_VERSION, "scope": "translation"},
        )
        table = data.get("translation") if isinstance(data, dict) else None
        if not isinstance(table, dict):
            raise self.unexpected("no translation languages")
        codes = match_codes(table, CODES)
        return LanguageSupport.any_to_any(self.name, codes, codes, datetime.now(UTC))

    async def _send(
        self,
        http: aiohttp.ClientSession,
        texts: list[str],
        source: str,
        target: str,
        markup: Markup,
    ) -> list[str]:
        params = {"api-version": API_VERSION, "from": source, "to": target}
        if markup is Markup.HTML:
            params["textType"] = "html"
        data = await self._request(
            http,
            "POST",
            "/translate",
            headers=self.headers,
            params=params,
            body=[{"Text": text} for text in texts],
        )
        if not isinstance(data, list):
            raise self.unexpected("not a list")
        out: list[str] = []
        for item in data:
            translations = item.get("translations") if isinstance(item, dict) else None
            first = translations[0] if isinstance(translations, list) and translations else None
            text = first.get("text") if isinstance(first, dict) else None
            if not isinstance(text, str):
                raise self.unexpected("an element without a translation")
            out.append(text)
        return out
