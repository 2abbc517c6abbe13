"""What every provider client shares: batching, glossary modes and HTTP error mapping.

Errors are classified once, here:
- 429 (and DeepL's 529) -> temporary and rate limited: back off, honouring Retry-After;
- 5xx, network errors and timeouts (TRANSLATION_TIMEOUT) -> temporary: try again later;
- 400, 401, 403, 404, 413, 456 (DeepL's quota) and any other 4xx -> permanent for that
  request: never retried;
- a 200 whose body is not the documented shape -> permanent (it may have been billed).
"""

from __future__ import annotations

import enum
import json
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar

import aiohttp

from bot.bridge.glossary import Protected
from bot.bridge.languages import LanguageSupport


class FailureKind(enum.StrEnum):
    TEMPORARY = "temporary"
    PERMANENT = "permanent"


class Markup(enum.StrEnum):
    PLAIN = "plain"  # no glossary term in the text: sent as it is
    HTML = "html"  # terms in <span translate="no">, the provider in its HTML mode
    TOKENS = "tokens"  # terms as ⟦n⟧, for languages a provider handles no tags in


class ProviderFailure(Exception):
    def __init__(
        self,
        provider: str,
        kind: FailureKind,
        detail: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        rate_limited: bool = False,
    ) -> None:
        super().__init__(f"{provider}: {detail}")
        self.provider = provider
        self.kind = kind
        self.detail = detail
        self.status = status
        self.retry_after = retry_after
        self.rate_limited = rate_limited


class Provider(ABC):
    name: ClassVar[str]
    max_items: ClassVar[int]  # texts per request
    max_chars: ClassVar[int]  # characters per request, counted as sent

    def __init__(self, base_url: str, timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    @abstractmethod
    async def languages(self, http: aiohttp.ClientSession) -> LanguageSupport:
        """Read the provider's languages endpoint."""

    @abstractmethod
    async def _send(
        self,
        http: aiohttp.ClientSession,
        texts: list[str],
        source: str,
        target: str,
        markup: Markup,
    ) -> list[str]:
        """One request; `source` and `target` are the provider's codes."""

    def markup_for(self, support: LanguageSupport, source: str, target: str) -> Markup:
        return Markup.HTML

    async def translate(
        self,
        http: aiohttp.ClientSession,
        texts: Sequence[Protected],
        source: str,
        target: str,
        support: LanguageSupport,
    ) -> list[str]:
        """Translate (in as few requests as the limits allow) and restore glossary terms."""
        if not support.has(source, target):
            raise ValueError(f"{self.name} does not have {source}->{target}")  # a routing bug
        # One mode per batch (it is one request parameter): the glossary's if any text needs it.
        markup = Markup.PLAIN
        if any(text.kept for text in texts):
            markup = self.markup_for(support, source, target)
        wire = [_encode(text, markup) for text in texts]
        results: list[str] = []
        for start, end in _chunks(wire, self.max_items, self.max_chars):
            answers = await self._send(
                http,
                wire[start:end],
                support.source_codes[source],
                support.target_codes[target],
                markup,
            )
            if len(answers) != end - start:
                raise self.unexpected("a different number of translations than texts")
            results += [
                _decode(texts[i], answer, markup, target)
                for i, answer in zip(range(start, end), answers, strict=True)
            ]
        return results

    def unexpected(self, what: str) -> ProviderFailure:
        return ProviderFailure(self.name, FailureKind.PERMANENT, f"unexpected answer: {what}")

    async def _request(
        self,
        http: aiohttp.ClientSession,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> Any:
        url = f"{self.base_url}{path}"
        try:
            async with http.request(
                method,
                url,
                headers=dict(headers or {}),
                params=dict(params or {}),
                json=body,
                timeout=aiohttp.ClientTimeout(total=self.timeout),
            ) as response:
                raw = await response.read()
                if response.status == 200:
                    try:
                        return json.loads(raw)
                    except ValueError:
                        raise self.unexpected("not JSON") from None
                raise self._failure(response.status, raw, response.headers)
        except TimeoutError:
            raise ProviderFailure(
                self.name, FailureKind.TEMPORARY, f"no answer within {self.timeout:g} s"
            ) from None
        except aiohttp.ClientError as exc:
            raise ProviderFailure(
                self.name, FailureKind.TEMPORARY, f"network error: {type(exc).__name__}"
            ) from None

    def _failure(self, status: int, raw: bytes, headers: Mapping[str, str]) -> ProviderFailure:
        detail = _error_detail(status, raw)
        if status in (429, 529):
            return ProviderFailure(
                self.name,
                FailureKind.TEMPORARY,
                detail,
                status=status,
                retry_after=retry_after_seconds(headers.get("Retry-After")),
                rate_limited=True,
            )
        kind = FailureKind.TEMPORARY if status >= 500 else FailureKind.PERMANENT
        return ProviderFailure(self.name, kind, detail, status=status)


def _encode(text: Protected, markup: Markup) -> str:
    if markup is Markup.HTML:
        return text.html()
    if markup is Markup.TOKENS:
        return text.tokens()
    return text.text


def _decode(text: Protected, answer: str, markup: Markup, target: str) -> str:
    if markup is Markup.HTML:
        return text.restore_html(answer, target)
    if markup is Markup.TOKENS:
        return text.restore_tokens(answer, target)
    return answer


def _chunks(wire: list[str], max_items: int, max_chars: int) -> list[tuple[int, int]]:
    """(start, end) slices within both limits; a single text over max_chars goes alone."""
    chunks: list[tuple[int, int]] = []
    start, chars = 0, 0
    for index, text in enumerate(wire):
        if index > start and (index - start >= max_items or chars + len(text) > max_chars):
            chunks.append((start, index))
            start, chars = index, 0
        chars += len(text)
    if start < len(wire):
        chunks.append((start, len(wire)))
    return chunks


def _error_detail(status: int, raw: bytes) -> str:
    """The documented error bodies: LibreTranslate {"error": "..."}, DeepL {"message": "..."},
    Azure {"error": {"code": 401000, "message": "..."}}."""
    try:
        data = json.loads(raw)
    except ValueError:
        return str(status)
    if isinstance(data, dict):
        error = data.get("error", data.get("message"))
        if isinstance(error, dict):
            error = f"{error.get('code')} {error.get('message')}"
        if error:
            return f"{status} {str(error)[:200]}"
    return str(status)


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


__all__ = [
    "FailureKind",
    "Markup",
    "Provider",
    "ProviderFailure",
    "retry_after_seconds",
]
