"""Stand-ins for the translation providers: small aiohttp servers on 127.0.0.1 written from
their public API references (paths, auth headers, status codes, error bodies).

- LibreTranslateServer: POST /translate (JSON q, source, target, format text|html, api_key),
  GET /languages ([{"code", "name", "targets"}]); errors {"error": "..."}: 400 bad request or
  pair, 400 key needed, 403 wrong key, 429 slow down, 500 cannot translate.
- DeepLServer: POST /v2/translate (Authorization: DeepL-Auth-Key <key>; JSON text list,
  source_lang, target_lang, tag_handling), GET /v2/languages?type=source|target; errors
  {"message": "..."}: 400, 403 wrong key, 413 body over 128 KiB, 429, 456 quota, 500.
- AzureServer: POST /translate?api-version=3.0&from=&to=[&textType=html] (headers
  Ocp-Apim-Subscription-Key and -Region; body [{"Text"}], at most 1,000 elements and 50,000
  characters), GET /languages?api-version=3.0&scope=translation (no key); errors
  {"error": {"code": 401000, "message": "..."}} with 400/401/403/429/500/503.

Every server translates by `fake_translation`: visibly fake and deterministic. It keeps what
real providers promise to keep in the mode asked for (tags and `translate="no"` spans in HTML
mode, ⟦n⟧ tokens) and "translates" everything else, so a term sent unprotected comes back
changed. Languages are configurable per server; faults are injected on the next translate
requests (`fail_next`, `rate_limit_next`, `hang_next`, `slow_next`); every request is logged.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

ALL_LANGUAGES = ("nl", "en", "ar", "fa", "ti", "tr", "uk", "so")
LANGUAGE_NAMES = {
    "nl": "Dutch", "en": "English", "ar": "Arabic", "fa": "Persian", "prs": "Dari",
    "ti": "Tigrinya", "tr": "Turkish", "uk": "Ukrainian", "so": "Somali", "de": "German",
}  # fmt: skip

_KEEP_HTML = re.compile(
    r"(<span\b[^>]*\btranslate=\"no\"[^>]*>.*?</span>|<[^>]+>|&#?\w+;|⟦\d+⟧)", re.S
)
_KEEP_TEXT = re.compile(r"(⟦\d+⟧)")
_WORD = re.compile(r"\w+")


def fake_translation(text: str, target: str, *, html: bool = False) -> str:
    """`[target] ` and every word's letters reversed; in HTML mode tags, entities and
    translate="no" spans stay, in both modes ⟦n⟧ tokens stay."""
    keep = _KEEP_HTML if html else _KEEP_TEXT
    pieces = keep.split(text)
    out = [p if i % 2 else _WORD.sub(lambda m: m.group(0)[::-1], p) for i, p in enumerate(pieces)]
    return f"[{target.lower()}] " + "".join(out)


@dataclass(frozen=True)
class Logged:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


@dataclass
class _Fault:
    status: int = 500
    retry_after: str | None = None
    hang: bool = False
    delay: float = 0.0  # answer normally, this many seconds late


@dataclass
class StandIn:
    """Common server machinery; subclasses add the provider's routes and error bodies."""

    requests: list[Logged] = field(default_factory=list)
    url: str = ""
    hang_seconds: float = 30.0
    _faults: deque[_Fault] = field(default_factory=deque)
    _runner: web.AppRunner | None = None
    _released: asyncio.Event = field(default_factory=asyncio.Event)

    # --- fault injection (translate requests only) ---

    def fail_next(self, count: int = 1, status: int = 500) -> None:
        self._faults.extend(_Fault(status=status) for _ in range(count))

    def rate_limit_next(self, count: int = 1, retry_after: float | None = None) -> None:
        header = None if retry_after is None else f"{retry_after:g}"
        self._faults.extend(_Fault(status=429, retry_after=header) for _ in range(count))

    def slow_next(self, count: int = 1, seconds: float = 1.0) -> None:
        """The next requests are answered normally, `seconds` late."""
        self._faults.extend(_Fault(delay=seconds) for _ in range(count))

    def hang_next(self, count: int = 1) -> None:
        """The next requests get no answer (until `hang_seconds` or the server closes)."""
        self._faults.extend(_Fault(hang=True) for _ in range(count))

    # --- what was asked ---

    def translate_requests(self) -> list[Logged]:
        return [r for r in self.requests if r.method == "POST"]

    def texts_sent(self) -> list[str]:
        raise NotImplementedError

    def pairs_sent(self) -> list[tuple[str, str]]:
        raise NotImplementedError

    # --- lifecycle ---

    def routes(self) -> list[web.RouteDef]:
        raise NotImplementedError

    async def start(self) -> StandIn:
        app = web.Application(middlewares=[self._log])
        app.add_routes(self.routes())
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self

    async def close(self) -> None:
        self._released.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> StandIn:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @web.middleware
    async def _log(self, request: web.Request, handler: Any) -> web.StreamResponse:
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        self.requests.append(
            Logged(request.method, request.path, dict(request.query), dict(request.headers), body)
        )
        return await handler(request)

    async def _fault(self) -> web.Response | None:
        """The next injected fault as a response (None: answer normally)."""
        if not self._faults:
            return None
        fault = self._faults.popleft()
        if fault.delay:
            await asyncio.sleep(fault.delay)
            return None
        if fault.hang:
            try:
                await asyncio.wait_for(self._released.wait(), self.hang_seconds)
            except TimeoutError:
                pass
            return self.error(504, "gateway timeout")
        headers = {"Retry-After": fault.retry_after} if fault.retry_after else None
        response = self.error(fault.status, "injected fault")
        if headers:
            response.headers.update(headers)
        return response

    def error(self, status: int, message: str) -> web.Response:
        raise NotImplementedError


@dataclass
class LibreTranslateServer(StandIn):
    """A LibreTranslate server; by default without Tigrinya and Somali, like most."""

    languages: tuple[str, ...] = ("nl", "en", "ar", "fa", "tr", "uk")
    api_key: str | None = None

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/languages", self._languages), web.post("/translate", self._translate)]

    def error(self, status: int, message: str) -> web.Response:
        documented = {
            403: "Invalid API key",
            429: "Slowdown: 60 per 1 minute",
            500: f"Cannot translate text: {message}",
        }
        return web.json_response({"error": documented.get(status, message)}, status=status)

    def texts_sent(self) -> list[str]:
        return [t for r in self.translate_requests() for t in _as_list(r.body.get("q"))]

    def pairs_sent(self) -> list[tuple[str, str]]:
        return [(r.body.get("source"), r.body.get("target")) for r in self.translate_requests()]

    async def _languages(self, request: web.Request) -> web.Response:
        return web.json_response(
            [
                {"code": c, "name": LANGUAGE_NAMES[c], "targets": [t for t in self.languages]}
                for c in self.languages
            ]
        )

    async def _translate(self, request: web.Request) -> web.Response:
        body = await _json(request)
        if body is None:
            return self.error(400, "Invalid JSON format")
        if self.api_key is not None:
            if not body.get("api_key"):
                return self.error(400, "Please contact the server operator to get an API key")
            if body["api_key"] != self.api_key:
                return self.error(403, "Invalid API key")
        for name in ("q", "source", "target"):
            if not body.get(name):
                return self.error(400, f"Invalid request: missing {name} parameter")
        source, target, form = body["source"], body["target"], body.get("format", "text")
        for code in (source, target):
            if code not in self.languages:
                return self.error(400, f"{code} is not supported")
        if form not in ("text", "html"):
            return self.error(400, f"{form} format is not supported")
        if (fault := await self._fault()) is not None:
            return fault
        texts = _as_list(body["q"])
        translated = [fake_translation(t, target, html=form == "html") for t in texts]
        answer = translated if isinstance(body["q"], list) else translated[0]
        return web.json_response({"translatedText": answer})


DEEPL_SOURCES = ("NL", "EN", "AR", "FA", "PRS", "TR", "UK", "DE")
DEEPL_TARGETS = ("NL", "EN-GB", "EN-US", "AR", "FA", "PRS", "TR", "UK", "DE")


@dataclass
class DeepLServer(StandIn):
    """The DeepL API: no Tigrinya or Somali; FA and PRS without tag handling."""

    key: str = "deepl-test-key:fx"
    sources: tuple[str, ...] = DEEPL_SOURCES
    targets: tuple[str, ...] = DEEPL_TARGETS
    quota_left: int | None = None  # characters before 456 Quota Exceeded

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/v2/languages", self._languages),
            web.post("/v2/translate", self._translate),
        ]

    def error(self, status: int, message: str) -> web.Response:
        documented = {
            403: "Authorization failed. Please supply a valid DeepL-Auth-Key via the "
            "Authorization header.",
            413: "Request Entity Too Large",
            429: "Too many requests. Please wait and resend your request.",
            456: "Quota exceeded. The character limit has been reached.",
            500: "Internal error",
        }
        return web.json_response({"message": documented.get(status, message)}, status=status)

    def texts_sent(self) -> list[str]:
        return [t for r in self.translate_requests() for t in r.body.get("text", [])]

    def pairs_sent(self) -> list[tuple[str, str]]:
        return [
            (r.body.get("source_lang"), r.body.get("target_lang"))
            for r in self.translate_requests()
        ]

    def _authorised(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"DeepL-Auth-Key {self.key}"

    async def _languages(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self.error(403, "")
        kind = request.query.get("type", "source")
        if kind not in ("source", "target"):
            return self.error(400, "Value for 'type' not supported.")
        codes = self.sources if kind == "source" else self.targets
        return web.json_response(
            [{"language": c, "name": LANGUAGE_NAMES.get(c.split("-")[0].lower(), c)} for c in codes]
        )

    async def _translate(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self.error(403, "")
        if request.content_length and request.content_length > 128 * 1024:
            return self.error(413, "")
        body = await _json(request)
        if body is None or not isinstance(body.get("text"), list) or not body["text"]:
            return self.error(400, "Parameter 'text' not specified.")
        source = str(body.get("source_lang", "")).upper()
        target = str(body.get("target_lang", "")).upper()
        if source and source not in self.sources:
            return self.error(400, "Value for 'source_lang' not supported.")
        if target not in self.targets:
            return self.error(400, "Value for 'target_lang' not supported.")
        tags = body.get("tag_handling")
        if tags not in (None, "xml", "html"):
            return self.error(400, "Value for 'tag_handling' not supported.")
        if tags and {source, target} & {"FA", "PRS"}:
            return self.error(400, "Tag handling is not supported for this language pair.")
        if (fault := await self._fault()) is not None:
            return fault
        characters = sum(len(t) for t in body["text"])
        if self.quota_left is not None:
            if characters > self.quota_left:
                return self.error(456, "")
            self.quota_left -= characters
        label = target.split("-")[0]
        return web.json_response(
            {
                "translations": [
                    {
                        "detected_source_language": source or "EN",
                        "text": fake_translation(t, label, html=tags is not None),
                    }
                    for t in body["text"]
                ]
            }
        )


AZURE_CODES = (*ALL_LANGUAGES, "prs", "de")


@dataclass
class AzureServer(StandIn):
    """Azure AI Translator v3.0: all eight of the project's languages (and Dari)."""

    key: str = "azure-test-key"
    region: str | None = "westeurope"
    languages: tuple[str, ...] = AZURE_CODES

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/languages", self._languages), web.post("/translate", self._translate)]

    _CODES = {
        400: 400000,
        401: 401000,
        403: 403001,
        429: 429000,
        500: 500000,
        503: 503000,
        504: 500000,
    }
    _MESSAGES = {
        401000: "The request isn't authorized because credentials are missing or invalid.",
        403001: "The operation isn't allowed because the subscription exceeded its free quota.",
        429000: "The server rejected the request because the client has exceeded request limits.",
        500000: "An unexpected error occurred.",
        503000: "Service is temporarily unavailable.",
    }

    def error(self, status: int, message: str, code: int | None = None) -> web.Response:
        code = code or self._CODES.get(status, status * 1000)
        text = self._MESSAGES.get(code, message)
        return web.json_response({"error": {"code": code, "message": text}}, status=status)

    def texts_sent(self) -> list[str]:
        return [e["Text"] for r in self.translate_requests() for e in r.body]

    def pairs_sent(self) -> list[tuple[str, str]]:
        return [(r.query.get("from"), r.query.get("to")) for r in self.translate_requests()]

    async def _languages(self, request: web.Request) -> web.Response:
        if request.query.get("api-version") != "3.0":
            return self.error(400, "The API version parameter is missing or invalid.", 400021)
        return web.json_response(
            {
                "translation": {
                    c: {"name": LANGUAGE_NAMES.get(c, c), "nativeName": c, "dir": "ltr"}
                    for c in self.languages
                }
            }
        )

    async def _translate(self, request: web.Request) -> web.Response:
        if request.query.get("api-version") != "3.0":
            return self.error(400, "The API version parameter is missing or invalid.", 400021)
        if request.headers.get("Ocp-Apim-Subscription-Key") != self.key:
            return self.error(401, "")
        if self.region and request.headers.get("Ocp-Apim-Subscription-Region") != self.region:
            return self.error(401, "")
        source, target = request.query.get("from"), request.query.get("to", "")
        if source is not None and source not in self.languages:
            return self.error(400, "The source language is not valid.", 400035)
        if target not in self.languages:
            return self.error(400, "The target language is not valid.", 400036)
        text_type = request.query.get("textType", "plain")
        if text_type not in ("plain", "html"):
            return self.error(400, "The TextType parameter is not valid.", 400064)
        body = await _json(request)
        if not isinstance(body, list) or not all(
            isinstance(e, dict) and isinstance(e.get("Text"), str) for e in body
        ):
            return self.error(400, "The body of the request is not valid JSON.", 400074)
        if len(body) > 1000:
            return self.error(400, "The array element limit has been exceeded.", 400034)
        if sum(len(e["Text"]) for e in body) > 50_000:
            return self.error(400, "The maximum request size has been exceeded.", 400077)
        if (fault := await self._fault()) is not None:
            return fault
        return web.json_response(
            [
                {
                    "translations": [
                        {
                            "text": fake_translation(e["Text"], target, html=text_type == "html"),
                            "to": target,
                        }
                    ]
                }
                for e in body
            ]
        )


def _as_list(value: Any) -> list[str]:
    return value if isinstance(value, list) else [value]


async def _json(request: web.Request) -> Any:
    try:
        return await request.json()
    except ValueError:
        return None
