"""Pure rules of findings (bot/findings/rules.py) and the broadcaster's generated pictures:
a caption that fits goes with the photo, a longer text follows it; the upload happens once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from bot.broadcast.content import CAPTION_LIMIT, Content
from bot.broadcast.telegram import send
from bot.findings import rules
from bot.findings.rules import Labels, Text
from bot.findings.views import packed

LABELS = Labels("You said:", "We did:", lambda p: f"Machine translation ({p}).", "Useful?")


def test_check_trims_and_limits() -> None:
    assert rules.check("  one\npoint   \n") == "one\npoint"
    with pytest.raises(rules.TextProblem) as empty:
        rules.check(" \n ")
    assert empty.value.why == "empty"
    assert rules.check("x" * rules.TEXT_LIMIT)
    with pytest.raises(rules.TextProblem) as long:
        rules.check("x" * (rules.TEXT_LIMIT + 1))
    assert long.value.why == "long"


def test_drafts_wait_for_review_and_readers_get_only_reviewed_texts() -> None:
    texts = rules.written("nl", "Te lang wachten", {"ar": ("[ar] ...", "deepl"), "nl": ("x", "y")})
    assert texts["nl"] == Text("Te lang wachten") and texts["ar"].machine
    assert rules.unreviewed(texts) == ["ar"]
    assert rules.for_reader(texts, "ar") == ("nl", texts["nl"])  # the draft is not sent yet
    stored = rules.load(rules.dump(rules.reviewed_all(texts)))
    assert rules.unreviewed(stored) == [] and rules.for_reader(stored, "ar") == ("ar", stored["ar"])
    assert rules.for_reader(stored, "ti") == ("nl", stored["nl"])  # fallback: en, nl, first
    assert rules.for_reader({}, "nl") is None


def test_compose_escapes_and_labels_machine_texts() -> None:
    said = Text("<b>wait</b> & see", "deepl", True)
    did = Text("Two more classes")
    body = rules.compose("Pulse <1>", said, did, LABELS)
    assert "&lt;b&gt;wait&lt;/b&gt; &amp; see" in body and "Pulse &lt;1&gt;" in body
    assert (
        body.index("You said:") < body.index("We did:") < body.index("Machine translation (deepl).")
    )
    assert body.endswith("Useful?")
    assert "We did:" not in rules.compose("P", Text("a"), None, LABELS)
    assert "Machine" not in rules.compose("P", Text("a"), None, LABELS)


def test_packed_keeps_messages_under_the_limit() -> None:
    blocks = ["a" * 2000, "b" * 2000, "c" * 10]
    assert [len(m) for m in packed(blocks)] == [2000, 2012]
    assert packed(["x" * 5000])[0] == "x" * 3900


@dataclass
class _Sent:
    message_id: int
    photo: list[Any] | None = None


@dataclass
class _Bot:
    calls: list[tuple[str, Any, dict[str, Any]]] = field(default_factory=list)

    async def send_photo(self, chat_id: int, photo: Any, **kw: Any) -> _Sent:
        self.calls.append(("photo", photo, kw))
        return _Sent(len(self.calls), [type("P", (), {"file_id": "F1"})()])

    async def send_message(self, chat_id: int, text: str, **kw: Any) -> _Sent:
        self.calls.append(("text", text, kw))
        return _Sent(len(self.calls))


async def test_a_generated_picture_is_uploaded_once_and_long_texts_follow_it() -> None:
    bot = _Bot()
    markup = '{"inline_keyboard": [[{"text": "👍", "callback_data": "x"}]]}'
    short = Content("photo", "short", 5, markup=markup, file_data=b"\x89PNG")
    ids: list[str] = []
    assert await send(bot, 1, short, "News", uploaded=ids.append) == 1  # type: ignore[arg-type]
    kind, photo, kw = bot.calls[0]
    assert kind == "photo" and not isinstance(photo, str) and kw["caption"] == "News\n\nshort"
    assert kw["reply_markup"] is not None and ids == ["F1"]

    again = Content("photo", "short", 5, "F1", markup, file_data=b"\x89PNG")
    await send(bot, 2, again, "News", uploaded=ids.append)  # type: ignore[arg-type]
    assert bot.calls[1][1] == "F1" and ids == ["F1"]  # by its id, nothing new heard

    long = Content("photo", "x" * CAPTION_LIMIT, CAPTION_LIMIT, "F1", markup, file_data=b"\x89PNG")
    assert await send(bot, 3, long, "News") == 4  # type: ignore[arg-type]
    (_, _, first), (kind, text, last) = bot.calls[2], bot.calls[3]
    assert first["caption"] == "News" and "reply_markup" not in first
    assert (
        kind == "text" and text.endswith("x" * CAPTION_LIMIT) and last["reply_markup"] is not None
    )
