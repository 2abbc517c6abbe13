"""parse_mode parsing as Telegram does it: plain text, UTF-16 entities, Telegram's error texts."""

from __future__ import annotations

import pytest

from botapi_emulator.errors import ApiError
from botapi_emulator.formatting import parse_html, utf16_len
from botapi_emulator.markdown import parse_markdown, parse_markdown_v2


def test_html_entities_and_tags() -> None:
    text, entities = parse_html('<b>Hi</b> &lt;you&gt; &amp; <a href="https://x.org">link</a>')
    assert text == "Hi <you> & link"
    assert entities == [
        {"offset": 0, "length": 2, "type": "bold"},
        {"offset": 11, "length": 4, "type": "text_link", "url": "https://x.org"},
    ]


def test_html_offsets_are_utf16() -> None:
    text, entities = parse_html("😀 <i>ok</i>")
    assert utf16_len("😀 ") == 3
    assert entities == [{"offset": 3, "length": 2, "type": "italic"}]


def test_html_blockquote_and_expandable_blockquote() -> None:
    text, entities = parse_html(
        "[ar] نص\n🌐 <i>label</i>\n<blockquote expandable>De &lt;b&gt; tekst</blockquote>"
        "<blockquote>kort</blockquote>"
    )
    assert text == "[ar] نص\n🌐 label\nDe <b> tekst" + "kort"
    quote, plain = entities[1], entities[2]
    assert quote == {"offset": 17, "length": 12, "type": "expandable_blockquote"}
    assert plain == {"offset": 29, "length": 4, "type": "blockquote"}


def test_html_nested_spoiler_pre_language_and_unknown_entity() -> None:
    text, entities = parse_html(
        '<span class="tg-spoiler">s</span><pre><code class="language-py">x</code></pre> &nbsp;'
    )
    assert text == "sx &nbsp;"
    assert {"offset": 0, "length": 1, "type": "spoiler"} in entities
    assert {"offset": 1, "length": 1, "type": "pre", "language": "py"} in entities


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("é<b", "Unclosed start tag at byte offset 2"),
        ('<span class="x">y</span>', 'Tag "span" must have class "tg-spoiler"'),
    ],
)
def test_html_errors(source: str, reason: str) -> None:
    with pytest.raises(ApiError) as caught:
        parse_html(source)
    assert caught.value.code == 400
    assert caught.value.description == f"Bad Request: can't parse entities: {reason}"


def test_markdown_v2_entities_and_escapes() -> None:
    text, entities = parse_markdown_v2(
        r"*bold* _it_ __u__ ~s~ ||sp|| `c` [l](https://x.org) 1\.5\!"
    )
    assert text == "bold it u s sp c l 1.5!"
    assert [e["type"] for e in entities] == [
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "code",
        "text_link",
    ]


def test_markdown_v2_reserved_character() -> None:
    with pytest.raises(ApiError) as caught:
        parse_markdown_v2("Version 1.5")
    assert caught.value.description == (
        "Bad Request: can't parse entities: Character '.' is reserved and must be escaped "
        "with the preceding '\\'"
    )


def test_markdown_v2_unclosed_entity() -> None:
    with pytest.raises(ApiError) as caught:
        parse_markdown_v2("a *bold")
    assert "Can't find end of Bold entity at byte offset 2" in caught.value.description


def test_legacy_markdown() -> None:
    assert parse_markdown("*b* and [x](https://y.z)") == (
        "b and x",
        [
            {"type": "bold", "offset": 0, "length": 1},
            {"type": "text_link", "offset": 6, "length": 1, "url": "https://y.z"},
        ],
    )
    with pytest.raises(ApiError, match="Can't find end of the entity starting at byte offset 0"):
        parse_markdown("_open")
