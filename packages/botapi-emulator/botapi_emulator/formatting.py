"""``parse_mode=HTML`` the way Telegram parses it: plain text plus MessageEntity dicts.

Offsets and lengths are in UTF-16 code units; error texts follow the Bot API server
("can't parse entities: Unsupported start tag "foo" at byte offset 3", ...). Only
``&lt; &gt; &amp; &quot;`` and numeric references are decoded; any other ``&`` stays
literal, as on Telegram.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .errors import ApiError, bad_request

_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
_ALL_TAGS = {*_SIMPLE_TAGS, "a", "span", "tg-emoji"}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);")
_ATTR_RE = re.compile(r"""\s*([a-zA-Z-]+)\s*(?:=\s*("[^"]*"|'[^']*'|[^\s>"']+))?""")


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def entities_error(reason: str) -> ApiError:
    return bad_request(f"can't parse entities: {reason}")


@dataclass
class _Open:
    tag: str
    byte_offset: int
    start: int  # UTF-16 offset in the output
    attrs: dict[str, str] = field(default_factory=dict)


class _HtmlParser:
    def __init__(self, source: str) -> None:
        self.src = source
        self.out: list[str] = []
        self.out_len = 0  # UTF-16 units emitted so far
        self.stack: list[_Open] = []
        self.entities: list[dict[str, Any]] = []

    def byte_offset(self, index: int) -> int:
        return len(self.src[:index].encode("utf-8"))

    def emit(self, text: str) -> None:
        if text:
            self.out.append(text)
            self.out_len += utf16_len(text)

    def run(self) -> tuple[str, list[dict[str, Any]]]:
        src, i, n = self.src, 0, len(self.src)
        while i < n:
            lt = src.find("<", i)
            amp = src.find("&", i)
            stop = min(x for x in (lt, amp, n) if x >= 0)
            self.emit(src[i:stop])
            i = stop
            if i >= n:
                break
            if src[i] == "&":
                i = self._entity(i)
            elif src.startswith("</", i):
                i = self._end_tag(i)
            else:
                i = self._start_tag(i)
        if self.stack:
            raise entities_error(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].tag}"'
            )
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.out), self.entities

    def _entity(self, i: int) -> int:
        match = _ENTITY_RE.match(self.src, i)
        if match is None:
            self.emit("&")
            return i + 1
        name = match.group(1)
        if name.startswith("#"):
            try:
                code = int(name[2:], 16) if name[1] in "xX" else int(name[1:])
                char = chr(code) if 0 < code <= 0x10FFFF else None
            except (ValueError, OverflowError):
                char = None
        else:
            char = _NAMED.get(name)
        if char is None:  # unknown entity: Telegram keeps the text as is
            self.emit("&")
            return i + 1
        self.emit(char)
        return match.end()

    def _start_tag(self, i: int) -> int:
        begin, src = i, self.src
        j = i + 1
        while j < len(src) and not src[j].isspace() and src[j] != ">":
            j += 1
        if j >= len(src):
            raise entities_error(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
        name = src[i + 1 : j].lower()
        if name not in _ALL_TAGS:
            raise entities_error(
                f'Unsupported start tag "{name}" at byte offset {self.byte_offset(begin)}'
            )
        close = src.find(">", j)
        if close < 0:
            raise entities_error(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
        attrs = {
            m.group(1).lower(): (m.group(2) or "").strip("\"'")
            for m in _ATTR_RE.finditer(src[j:close])
            if m.group(1)
        }
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise entities_error('Tag "span" must have class "tg-spoiler"')
        if name == "tg-emoji" and not attrs.get("emoji-id"):
            raise entities_error('Tag "tg-emoji" must have attribute "emoji-id"')
        self.stack.append(_Open(name, self.byte_offset(begin), self.out_len, attrs))
        return close + 1

    def _end_tag(self, i: int) -> int:
        begin, src = i, self.src
        close = src.find(">", i)
        if not self.stack:
            raise entities_error(f"Unexpected end tag at byte offset {self.byte_offset(begin)}")
        if close < 0:
            raise entities_error(f"Unclosed end tag at byte offset {self.byte_offset(begin)}")
        name = src[i + 2 : close].strip().lower()
        opened = self.stack[-1]
        if name and name != opened.tag:
            raise entities_error(
                f"Unmatched end tag at byte offset {self.byte_offset(begin)}, "
                f'expected "</{opened.tag}>", found "</{name}>"'
            )
        self.stack.pop()
        self._add_entity(opened)
        return close + 1

    def _add_entity(self, opened: _Open) -> None:
        length = self.out_len - opened.start
        if length <= 0:
            return
        entity: dict[str, Any] = {"offset": opened.start, "length": length}
        tag, attrs = opened.tag, opened.attrs
        if tag == "a":
            href = attrs.get("href", "")
            if not href:
                return
            entity.update(type="text_link", url=href)
        elif tag == "span":
            entity["type"] = "spoiler"
        elif tag == "tg-emoji":
            entity.update(type="custom_emoji", custom_emoji_id=attrs["emoji-id"])
        elif tag == "blockquote":
            entity["type"] = "expandable_blockquote" if "expandable" in attrs else "blockquote"
        elif tag == "code" and self.stack and self.stack[-1].tag == "pre":
            language = attrs.get("class", "")
            if language.startswith("language-"):
                self.stack[-1].attrs["language"] = language.removeprefix("language-")
                return
            entity["type"] = "code"
        elif tag == "pre" and attrs.get("language"):
            entity.update(type="pre", language=attrs["language"])
        else:
            entity["type"] = _SIMPLE_TAGS[tag]
        self.entities.append(entity)


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Return ``(plain_text, entities)`` or raise ``ApiError`` with Telegram's text."""
    if "<" not in source and "&" not in source:
        return source, []
    return _HtmlParser(source).run()
