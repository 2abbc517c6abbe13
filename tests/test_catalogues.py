"""Catalogue check: every user-facing string is translated, correctly, in every locale."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from bot.config import SUPPORTED_LOCALES
from bot.i18n import LOCALES_DIR, RTL_LOCALES, language_name

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {**DEFAULT_KEYWORDS, "__": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}
PLACEHOLDER = re.compile(
    r"\{[a-zA-Z_][a-zA-Z0-9_]*(?:![rsa])?(?::[^{}]*)?\}|%\([a-z_]+\)[sd]|%[sd]"
)
TAG = re.compile(r"</?[a-z][a-z0-9-]*(?:\s[^<>]*)?>")
# Explicit left-to-right marks and embeddings break Arabic/Farsi lines in Telegram.
LTR_CONTROLS = re.compile("[\u200e\u202a\u202d\u2066]")


def _source_messages() -> dict[str, tuple[str, ...] | str]:
    found: dict[str, tuple[str, ...] | str] = {}
    for package in ("bot", "handlers", "db"):
        for _file, _line, message, _comments, _ctx in extract_from_dir(
            ROOT / package, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            key = message[0] if isinstance(message, tuple) else message
            found[key] = message
    return found


SOURCE = _source_messages()


def _catalog(locale: str) -> Catalog:
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=locale)


def _strings(message: Message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple | list) else [message.string]


def _ids(message: Message) -> list[str]:
    return list(message.id) if isinstance(message.id, tuple | list) else [message.id]


def test_source_has_strings() -> None:
    assert len(SOURCE) > 5


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_catalogue_complete_and_consistent(locale: str) -> None:
    catalog = _catalog(locale)
    problems: list[str] = []
    entries = {m.id[0] if isinstance(m.id, tuple) else m.id: m for m in catalog if m.id}
    for key in SOURCE:
        if key not in entries:
            problems.append(f"missing: {key!r}")
    for key, message in entries.items():
        if key not in SOURCE:
            problems.append(f"no longer in the source (run make update-catalogues): {key!r}")
        if message.fuzzy:
            problems.append(f"fuzzy: {key!r}")
        strings = _strings(message)
        if any(not s for s in strings):
            problems.append(f"untranslated: {key!r}")
            continue
        ids = _ids(message)
        if message.pluralizable and len(strings) != catalog.num_plurals:
            problems.append(f"{len(strings)} plural forms, expected {catalog.num_plurals}: {key!r}")
        want_placeholders = set().union(*(set(PLACEHOLDER.findall(i)) for i in ids))
        want_tags = sorted(TAG.findall(ids[0]))
        for text in strings:
            got = set(PLACEHOLDER.findall(text))
            # A plural form for exactly one may leave out the number.
            if got != want_placeholders and not (message.pluralizable and got < want_placeholders):
                problems.append(
                    f"placeholders {sorted(got)} != {sorted(want_placeholders)}: {key!r}"
                )
            if sorted(TAG.findall(text)) != want_tags:
                problems.append(f"HTML tags differ: {key!r} -> {text!r}")
            if locale in RTL_LOCALES and LTR_CONTROLS.search(text):
                problems.append(f"left-to-right control character breaks RTL: {key!r}")
    assert not problems, f"{locale}: " + "\n".join(problems)


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_plural_forms_header_matches_language(locale: str) -> None:
    catalog = _catalog(locale)
    expected = get_plural(locale)
    assert catalog.num_plurals == expected.num_plurals
    assert catalog.plural_expr.replace(" ", "") == expected.plural_expr.replace(" ", "")


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_language_names_in_own_script(locale: str) -> None:
    name = language_name(locale)
    assert name and name[0] != "?"


def test_language_names_examples() -> None:
    assert language_name("ar") == "العربية"
    assert language_name("ti") == "ትግርኛ"
    assert language_name("fa").startswith("فارسی")
    assert language_name("uk") == "Українська"
