"""The sandbox's demo translator: a tiny LibreTranslate-compatible server that never
pretends to be real.

It knows a few phrases of the demo (the demo questions, the demo answer, the browser test's
question and answer) and marks every output as a demo translation; any other text comes back
as it was, with the same mark. The bot talks to it as to a LibreTranslate server named
`demo` (TRANSLATION_PROVIDER=demo), so the sandbox shows the language bridge without sending
anything anywhere, and its labels and privacy notice call it a demo. Not part of the bot.
"""

from __future__ import annotations

import html
import re
from typing import Any

from aiohttp import web

LANGUAGES = ("nl", "en", "ar", "fa", "ti", "tr", "uk", "so")
NAMES = {
    "nl": "Dutch", "en": "English", "ar": "Arabic", "fa": "Persian", "ti": "Tigrinya",
    "tr": "Turkish", "uk": "Ukrainian", "so": "Somali",
}  # fmt: skip
MARK = "[demo translation]"

# (source, target, text) -> translation: just enough for the demo's own texts.
PHRASES: dict[tuple[str, str, str], str] = {
    (
        "uk",
        "nl",
        "Ми вже вісім місяців живемо в AZC. Як отримати соціальне житло в Роттердамі?",
    ): "We wonen al acht maanden in het AZC. Hoe krijg ik een sociale huurwoning in Rotterdam?",
    (
        "ti",
        "nl",
        "ስራሕ ክደሊ ደልየ ኣለኹ። ቅድሚ B1 ምውዳእ ክሰርሕ ይኽእል ድየ?",
    ): "Ik zoek werk. Mag ik werken voordat ik B1 heb gehaald?",
    ("ar", "nl", "كيف أجد مدرسة لابني؟"): "Hoe vind ik een school voor mijn zoon?",
    (
        "nl",
        "ar",
        "Het Onderwijsloket van de gemeente helpt je een school te vinden.",
    ): "يساعدك مكتب التعليم في gemeente على إيجاد مدرسة.",
    (
        "nl",
        "uk",
        "Dag Olena! De gemeente zoekt een huis voor je; je hoeft zelf niets aan te vragen. "
        "Vraag je contactpersoon bij het COA naar de stand van zaken.",
    ): "Добрий день, Олено! gemeente шукає для вас житло; самій нічого подавати не треба. "
    "Запитайте свою контактну особу в COA, як просуваються справи.",
}

_SPAN = re.compile(r'<span translate="no">(.*?)</span>', re.S)
_TAG = re.compile(r"<[^>]+>")
_RTL = ("ar", "fa")


def demo_translation(text: str, source: str, target: str, *, as_html: bool) -> str:
    """The demo's answer for one text: a known phrase or the text itself, always marked.
    In HTML mode protected terms (<span translate="no">) are kept, as real servers do."""
    spans = _SPAN.findall(text) if as_html else []
    plain = html.unescape(_TAG.sub("", text.replace("<br>", "\n"))) if as_html else text
    phrase = PHRASES.get((source, target, plain))
    if phrase is None:
        body = text
    elif as_html:
        body = html.escape(phrase, quote=False)
        for inner in spans:
            span = f'<span translate="no">{inner}</span>'
            if inner in body:
                body = body.replace(inner, span, 1)
            else:
                body += " " + span
    else:
        body = phrase
    # Right-to-left readers get the mark at the end, so their line starts with their script.
    return f"{body} {MARK}" if target in _RTL else f"{MARK} {body}"


class DemoTranslator:
    """`async with DemoTranslator() as demo: demo.url` (127.0.0.1, a free port)."""

    def __init__(self) -> None:
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> DemoTranslator:
        app = web.Application()
        app.add_routes(
            [web.get("/languages", self._languages), web.post("/translate", self._translate)]
        )
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> DemoTranslator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _languages(self, request: web.Request) -> web.Response:
        return web.json_response(
            [
                {"code": code, "name": f"{NAMES[code]} (demo)", "targets": list(LANGUAGES)}
                for code in LANGUAGES
            ]
        )

    async def _translate(self, request: web.Request) -> web.Response:
        try:
            body: Any = await request.json()
        except ValueError:
            return web.json_response({"error": "Invalid request: JSON body expected"}, status=400)
        source, target = body.get("source"), body.get("target")
        if source not in LANGUAGES or target not in LANGUAGES:
            return web.json_response(
                {"error": f"{source} or {target} is not supported"}, status=400
            )
        as_html = body.get("format") == "html"
        q = body.get("q")
        texts = q if isinstance(q, list) else [q]
        if not all(isinstance(t, str) for t in texts):
            return web.json_response({"error": "Invalid request: missing q parameter"}, status=400)
        out = [demo_translation(t, source, target, as_html=as_html) for t in texts]
        return web.json_response({"translatedText": out if isinstance(q, list) else out[0]})
