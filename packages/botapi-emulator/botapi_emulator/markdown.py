"""``parse_mode=MarkdownV2`` and legacy ``Markdown``, following Telegram's parser rules.

MarkdownV2: every character of ``_*[]()~`>#+-=|{}.!`` outside an entity marker must be
escaped with ``\\``; markers must close in nesting order. Legacy Markdown: ``*bold*``,
``_italic_``, `` `code` ``, ````` ```pre``` `````, ``[text](url)``, not nestable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .formatting import entities_error, utf16_len

_RESERVED = set("_*[]()~`>#+-=|{}.!")
_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}


@dataclass
class _Open:
    type: str
    start: int  # UTF-16 offset in output
    byte_offset: int
    language: str = ""


class _Output:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.entities: list[dict[str, Any]] = []

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.length += utf16_len(text)

    def entity(self, kind: str, start: int, **extra: Any) -> None:
        if self.length > start:
            self.entities.append(
                {"type": kind, "offset": start, "length": self.length - start, **extra}
            )

    def result(self) -> tuple[str, list[dict[str, Any]]]:
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), self.entities


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _closes(top: _Open, text: str, i: int) -> int:
    """Length of the closing marker of ``top`` at ``i`` (0 when it doesn't close there)."""
    c, nxt = text[i], text[i + 1 : i + 2]
    match top.type:
        case "bold":
            return 1 if c == "*" else 0
        case "italic":
            return 1 if c == "_" and nxt != "_" else 0
        case "underline":
            return 2 if c == "_" and nxt == "_" else 0
        case "strikethrough":
            return 1 if c == "~" else 0
        case "spoiler":
            return 2 if c == "|" and nxt == "|" else 0
        case "code":
            return 1 if c == "`" else 0
        case "pre":
            return 3 if text.startswith("```", i) else 0
        case _:
            return 1 if c == "]" else 0


def _reserved(c: str) -> Exception:
    return entities_error(
        f"Character '{c}' is reserved and must be escaped with the preceding '\\'"
    )


def parse_markdown_v2(text: str) -> tuple[str, list[dict[str, Any]]]:
    out = _Output()
    stack: list[_Open] = []
    quote_start: int | None = None
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        in_code = bool(stack) and stack[-1].type in ("code", "pre")
        at_line_start = i == 0 or text[i - 1] == "\n"
        if at_line_start and not in_code:
            if c == ">":
                quote_start = out.length if quote_start is None else quote_start
                i += 1
                continue
            if quote_start is not None:
                out.entity("blockquote", quote_start)
                quote_start = None
        if c == "\\" and i + 1 < n and 0 < ord(text[i + 1]) < 127:
            out.add(text[i + 1])
            i += 2
            continue
        if stack and (size := _closes(stack[-1], text, i)):
            top = stack.pop()
            i += size
            if top.type in ("text_link", "custom_emoji"):
                i = _close_link(text, i, out, top)
            elif top.type == "pre":
                out.entity("pre", top.start, **({"language": top.language} if top.language else {}))
            else:
                out.entity(top.type, top.start)
            continue
        if in_code or c not in _RESERVED:
            out.add(c)
            i += 1
            continue
        i = _open_entity(text, i, out, stack)
    if stack:
        top = stack[-1]
        raise entities_error(
            f"Can't find end of {_NAMES[top.type]} entity at byte offset {top.byte_offset}"
        )
    if quote_start is not None:
        out.entity("blockquote", quote_start)
    return out.result()


def _open_entity(text: str, i: int, out: _Output, stack: list[_Open]) -> int:
    c, nxt = text[i], text[i + 1 : i + 2]
    offset = _byte_offset(text, i)
    if c == "_" and nxt == "_":
        stack.append(_Open("underline", out.length, offset))
        return i + 2
    simple = {"_": "italic", "*": "bold", "~": "strikethrough", "[": "text_link"}
    if c in simple:
        stack.append(_Open(simple[c], out.length, offset))
        return i + 1
    if c == "|" and nxt == "|":
        stack.append(_Open("spoiler", out.length, offset))
        return i + 2
    if c == "!" and nxt == "[":
        stack.append(_Open("custom_emoji", out.length, offset))
        return i + 2
    if c == "`":
        if text.startswith("```", i):
            end_of_line = text.find("\n", i + 3)
            language = text[i + 3 : end_of_line].strip() if end_of_line >= 0 else ""
            start = end_of_line + 1 if end_of_line >= 0 and language.isidentifier() else i + 3
            stack.append(_Open("pre", out.length, offset, language if start != i + 3 else ""))
            return start
        stack.append(_Open("code", out.length, offset))
        return i + 1
    raise _reserved(c)


def _close_link(text: str, i: int, out: _Output, top: _Open) -> int:
    if not text.startswith("(", i):
        if top.type == "custom_emoji":
            raise entities_error("Custom emoji entity must contain a tg://emoji URL")
        return i
    j, url = i + 1, []
    while j < len(text) and text[j] != ")":
        if text[j] == "\\" and j + 1 < len(text):
            j += 1
        url.append(text[j])
        j += 1
    if j >= len(text):
        raise entities_error(f"Can't find end of a URL at byte offset {_byte_offset(text, i)}")
    link = "".join(url)
    if top.type == "custom_emoji":
        emoji_id = link.partition("id=")[2]
        if not link.startswith("tg://emoji?") or not emoji_id:
            raise entities_error("Custom emoji entity must contain a tg://emoji URL")
        out.entity("custom_emoji", top.start, custom_emoji_id=emoji_id)
    elif link:
        out.entity("text_link", top.start, url=link)
    return j + 1


_LEGACY = {"*": "bold", "_": "italic", "`": "code", "[": "text_link"}


def parse_markdown(text: str) -> tuple[str, list[dict[str, Any]]]:
    out = _Output()
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            out.add(text[i + 1])
            i += 2
            continue
        if c not in _LEGACY:
            out.add(c)
            i += 1
            continue
        begin, start = i, out.length
        if text.startswith("```", i):
            end = text.find("```", i + 3)
            kind, body_from, close_len = "pre", i + 3, 3
        else:
            end = text.find("]" if c == "[" else c, i + 1)
            kind, body_from, close_len = _LEGACY[c], i + 1, 1
        if end < 0:
            raise entities_error(
                f"Can't find end of the entity starting at byte offset {_byte_offset(text, begin)}"
            )
        out.add(text[body_from:end])
        i = end + close_len
        if kind == "text_link":
            url_end = text.find(")", i) if text.startswith("(", i) else -1
            if url_end >= 0:
                out.entity("text_link", start, url=text[i + 1 : url_end])
                i = url_end + 1
        else:
            out.entity(kind, start)
    return out.result()
