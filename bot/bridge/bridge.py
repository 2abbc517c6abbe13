"""The Bridge: configured providers, their language tables, one HTTP session, routing.

For each (source, target) pair the first provider in TRANSLATION_PROVIDER order whose
languages endpoint lists the pair translates it; a pair no provider lists is never sent.
Language tables are read at start and again once they are a day old (`refresh_languages`
for the scheduler; `machine_translate` also refreshes them when due). A provider that
answered 429 is not asked again before its Retry-After (or a growing backoff) has passed.
Concurrent requests for the same text share one provider call, and a text delivered in the
last minutes is not sent again (its cache row may not be committed yet).

No database here: the cache is `bot.bridge.service`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import TracebackType

import aiohttp

from bot.bridge.glossary import Glossary
from bot.bridge.languages import PROJECT_LANGUAGES, LanguageSupport
from bot.bridge.providers import (
    Azure,
    DeepL,
    DemoTranslator,
    FailureKind,
    LibreTranslate,
    Provider,
    ProviderFailure,
)
from bot.bridge.results import Reason, Untranslated
from bot.config import Settings

log = logging.getLogger(__name__)

REFRESH_EVERY = timedelta(days=1)
RETRY_LANGUAGES_AFTER = 60.0  # seconds before asking a failed languages endpoint again
BACKOFF_FIRST = 5.0  # seconds after a 429 without Retry-After; doubles, at most BACKOFF_MAX
BACKOFF_MAX = 600.0
# Translations just delivered, kept in memory until the caller's transaction has surely
# stored them: a concurrent request that missed the cache then still sends nothing.
RECENT_SECONDS = 300.0
RECENT_MAX = 1024


@dataclass(frozen=True)
class Delivered:
    """A provider's translation of one text (glossary terms restored)."""

    text: str
    provider: str


Outcome = Delivered | Untranslated
_Key = tuple[str, str, str]  # (text, source, target)


class Bridge:
    def __init__(
        self,
        providers: Sequence[Provider],
        *,
        staff_language: str = "nl",
        glossary: Glossary | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.providers: tuple[Provider, ...] = tuple(providers)
        self.staff_language = staff_language
        self.glossary = glossary if glossary is not None else Glossary.load()
        self._clock = clock
        self._http: aiohttp.ClientSession | None = None
        self._support: dict[str, LanguageSupport] = {}
        self._languages_tried: dict[str, float] = {}
        self._refreshing = asyncio.Lock()
        self._paused_until: dict[str, float] = {}
        self._backoff: dict[str, float] = {}
        self._in_flight: dict[_Key, asyncio.Future[Outcome]] = {}
        self._recent: OrderedDict[_Key, tuple[float, Delivered]] = OrderedDict()
        # Told (provider, outcome, number of texts) after each provider call (metrics).
        self.on_outcome: Callable[[str, str, int], None] | None = None

    @classmethod
    def from_settings(cls, settings: Settings, glossary: Glossary | None = None) -> Bridge:
        timeout = settings.translation_timeout
        providers: list[Provider] = []
        for name in settings.translation_provider:
            if name == "libretranslate":
                key = settings.libretranslate_api_key
                providers.append(
                    LibreTranslate(
                        settings.libretranslate_url or "",
                        timeout,
                        key.get_secret_value() if key else None,
                    )
                )
            elif name == "demo":
                providers.append(DemoTranslator(settings.libretranslate_url or "", timeout))
            elif name == "deepl" and settings.deepl_api_key is not None:
                providers.append(
                    DeepL(
                        settings.deepl_api_url, timeout, settings.deepl_api_key.get_secret_value()
                    )
                )
            elif name == "azure" and settings.azure_translator_key is not None:
                providers.append(
                    Azure(
                        settings.azure_translator_url,
                        timeout,
                        settings.azure_translator_key.get_secret_value(),
                        settings.azure_translator_region,
                    )
                )
        return cls(providers, staff_language=settings.staff_language, glossary=glossary)

    @property
    def configured(self) -> bool:
        return bool(self.providers)

    @property
    def provider_names(self) -> tuple[str, ...]:
        """Who may see texts, in order of preference (for the privacy notice)."""
        return tuple(p.name for p in self.providers)

    # --- lifecycle ---

    async def start(self) -> None:
        """Open the HTTP session and read every provider's languages (failures are logged
        and retried later; start never fails because a provider is down)."""
        if self._http is None:
            self._http = aiohttp.ClientSession(raise_for_status=False)
        if self.configured:
            await self.refresh_languages()

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def __aenter__(self) -> Bridge:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # --- languages ---

    async def refresh_languages(self, *, only_due: bool = False) -> dict[str, bool]:
        """Read the languages endpoints (all, or `only_due`: missing or a day old); keep a
        provider's previous table when its endpoint fails. Returns provider -> success."""
        http = await self._session()
        async with self._refreshing:
            due = [p for p in self.providers if not only_due or self._languages_due(p)]
            outcomes = await asyncio.gather(*(self._read_languages(http, p) for p in due))
        return {p.name: ok for p, ok in zip(due, outcomes, strict=True)}

    def support(self, provider: str) -> LanguageSupport | None:
        return self._support.get(provider)

    def route(self, source: str, target: str) -> Provider | None:
        """The first provider, in order of preference, that lists the pair."""
        for provider in self.providers:
            support = self._support.get(provider.name)
            if support is not None and support.has(source, target):
                return provider
        return None

    def _languages_due(self, provider: Provider) -> bool:
        support = self._support.get(provider.name)
        if support is not None:
            return datetime.now(UTC) - support.fetched_at >= REFRESH_EVERY
        tried = self._languages_tried.get(provider.name)
        return tried is None or self._clock() - tried >= RETRY_LANGUAGES_AFTER

    async def _read_languages(self, http: aiohttp.ClientSession, provider: Provider) -> bool:
        self._languages_tried[provider.name] = self._clock()
        try:
            self._support[provider.name] = await provider.languages(http)
        except ProviderFailure as failure:
            log.warning(
                "could not read a translation provider's languages",
                extra={"provider": provider.name, "detail": failure.detail},
            )
            return False
        pairs = len(self._support[provider.name].pairs)
        log.info("translation languages read", extra={"provider": provider.name, "pairs": pairs})
        return True

    # --- translating ---

    async def machine_translate(
        self, texts: Sequence[str], source: str, target: str
    ) -> list[Outcome]:
        """One outcome per text. No cache, no length checks: see bot.bridge.service."""
        if not self.configured:
            return [Untranslated(Reason.NOT_CONFIGURED)] * len(texts)
        if source not in PROJECT_LANGUAGES or target not in PROJECT_LANGUAGES:
            return [Untranslated(Reason.PAIR_UNSUPPORTED)] * len(texts)
        found: dict[str, Outcome] = {}
        for text in texts:
            if (recent := self._recently((text, source, target))) is not None:
                found[text] = recent
        if len(found) < len(set(texts)):
            await self._translate_into(found, texts, source, target)
        return [found[text] for text in texts]

    async def _translate_into(
        self, found: dict[str, Outcome], texts: Sequence[str], source: str, target: str
    ) -> None:
        if any(self._languages_due(p) for p in self.providers):
            await self.refresh_languages(only_due=True)
        provider = self.route(source, target)
        paused = self._paused_until.get(provider.name, 0.0) - self._clock() if provider else 0
        waiting: dict[str, asyncio.Future[Outcome]] = {}
        mine: dict[str, asyncio.Future[Outcome]] = {}
        loop = asyncio.get_running_loop()
        for text in dict.fromkeys(texts):
            key = (text, source, target)
            if text in found:
                continue
            if provider is None:
                found[text] = self._no_route()
            elif paused > 0:
                found[text] = Untranslated(Reason.TEMPORARY, provider.name, paused, "backing off")
            elif key in self._in_flight:
                waiting[text] = self._in_flight[key]
            else:
                mine[text] = self._in_flight[key] = loop.create_future()
        try:
            if mine and provider is not None:
                for text, outcome in zip(
                    mine, await self._call(provider, list(mine), source, target), strict=True
                ):
                    mine[text].set_result(outcome)
                    if isinstance(outcome, Delivered):
                        self._remember((text, source, target), outcome)
        finally:
            for text, future in mine.items():
                self._in_flight.pop((text, source, target), None)
                if not future.done():  # cancelled: whoever waits retries later
                    future.set_result(Untranslated(Reason.TEMPORARY))
        found |= {text: future.result() for text, future in mine.items()}
        for text, future in waiting.items():
            found[text] = await asyncio.shield(future)

    def _recently(self, key: _Key) -> Delivered | None:
        entry = self._recent.get(_hashed(key))
        if entry is None or self._clock() - entry[0] > RECENT_SECONDS:
            return None
        return entry[1]

    def _remember(self, key: _Key, delivered: Delivered) -> None:
        self._recent[_hashed(key)] = (self._clock(), delivered)
        self._recent.move_to_end(_hashed(key))
        while len(self._recent) > RECENT_MAX:
            self._recent.popitem(last=False)

    def _no_route(self) -> Untranslated:
        if any(p.name not in self._support for p in self.providers):
            # A provider's languages could not be read yet: it may have the pair.
            return Untranslated(Reason.TEMPORARY, None, RETRY_LANGUAGES_AFTER, "languages unknown")
        return Untranslated(Reason.PAIR_UNSUPPORTED)

    async def _call(
        self, provider: Provider, texts: list[str], source: str, target: str
    ) -> list[Outcome]:
        support = self._support[provider.name]
        protected = [self.glossary.protect(text) for text in texts]
        try:
            translated = await provider.translate(
                await self._session(), protected, source, target, support
            )
        except ProviderFailure as failure:
            self._tell(
                provider, "rate_limited" if failure.rate_limited else failure.kind.value, texts
            )
            return [self._failed(provider, failure)] * len(texts)
        except Exception:
            log.exception("translation provider client failed", extra={"provider": provider.name})
            self._tell(provider, "client_error", texts)
            return [Untranslated(Reason.TEMPORARY, provider.name, None, "client error")] * len(
                texts
            )
        self._backoff.pop(provider.name, None)
        self._tell(provider, "translated", texts)
        return [Delivered(text, provider.name) for text in translated]

    def _tell(self, provider: Provider, outcome: str, texts: list[str]) -> None:
        if self.on_outcome is not None:
            self.on_outcome(provider.name, outcome, len(texts))

    def _failed(self, provider: Provider, failure: ProviderFailure) -> Untranslated:
        retry_after = failure.retry_after
        if failure.rate_limited:
            if retry_after is None:
                retry_after = self._backoff.get(provider.name, BACKOFF_FIRST / 2) * 2
                retry_after = min(retry_after, BACKOFF_MAX)
                self._backoff[provider.name] = retry_after
            self._paused_until[provider.name] = self._clock() + retry_after
        log.warning(
            "translation failed",
            extra={"provider": provider.name, "kind": failure.kind.value, "detail": failure.detail},
        )
        reason = Reason.TEMPORARY if failure.kind is FailureKind.TEMPORARY else Reason.PERMANENT
        return Untranslated(reason, provider.name, retry_after, failure.detail)

    async def _session(self) -> aiohttp.ClientSession:
        if self._http is None:
            self._http = aiohttp.ClientSession(raise_for_status=False)
        return self._http


def _hashed(key: _Key) -> _Key:
    """The memo keeps no originals: (sha256 of the text, source, target)."""
    text, source, target = key
    return (hashlib.sha256(text.encode("utf-8")).hexdigest(), source, target)


__all__ = ["BACKOFF_MAX", "REFRESH_EVERY", "Bridge", "Delivered", "Outcome"]
