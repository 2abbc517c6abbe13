"""Catalogue check: every user-facing string is translated, correctly, in every locale.

Beyond completeness (placeholders, tags, plural forms) the checks here keep the promises of
locales/REVIEW.md: right-to-left lines start right-to-left, every sentence with a count is a
plural entry, the glossary's key terms are used (locales/glossary.yaml explains the stem
matching), no forbidden wording, and headers say how each catalogue was made.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
import yaml
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from bot.config import SUPPORTED_LOCALES
from bot.i18n import (
    LOCALES_DIR,
    NATIVE_NAMES,
    RTL_LOCALES,
    _native_name,
    create_i18n,
    language_name,
    pgettext,
)
from tools.translations import PLACEHOLDER, TAG, glossary, ids, strings

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "__": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
    "N_": None,
    "N_plural": (1, 2),
}
# Explicit left-to-right marks and embeddings break Arabic/Farsi lines in Telegram.
LTR_CONTROLS = re.compile("[\u200e\u202a\u202d\u2066]")


Key = tuple[str | None, str]  # (msgctxt, msgid)


def _source_messages() -> dict[Key, tuple[str, ...] | str]:
    found: dict[Key, tuple[str, ...] | str] = {}
    for package in ("bot", "handlers", "db"):
        for _file, _line, message, _comments, context in extract_from_dir(
            ROOT / package, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            key = message[0] if isinstance(message, tuple) else message
            found[(context, key)] = message
    return found


SOURCE = _source_messages()


def _catalog(locale: str) -> Catalog:
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=locale)


_strings, _ids = strings, ids


def _entries(catalog: Catalog) -> dict[Key, Message]:
    return {(m.context, _ids(m)[0]): m for m in catalog if m.id}


def test_source_has_strings() -> None:
    assert len(SOURCE) > 5


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_catalogue_complete_and_consistent(locale: str) -> None:
    catalog = _catalog(locale)
    problems: list[str] = []
    entries = _entries(catalog)
    for key, source in SOURCE.items():
        if key not in entries:
            problems.append(f"missing: {key!r}")
        elif isinstance(source, tuple) != entries[key].pluralizable:
            problems.append(f"plural in the source but not in the catalogue, or back: {key!r}")
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


def test_the_stored_native_names_are_babels() -> None:
    """NATIVE_NAMES (kept so the picker needs no CLDR data) say what Babel says, for every
    supported language and no other."""
    assert set(NATIVE_NAMES) == set(SUPPORTED_LOCALES)
    assert {code: _native_name(code) for code in SUPPORTED_LOCALES} == NATIVE_NAMES
    assert language_name("de") == "Deutsch"  # others still from Babel


def test_language_names_examples() -> None:
    assert language_name("ar") == "العربية"
    assert language_name("ti") == "ትግርኛ"
    assert language_name("fa").startswith("فارسی")
    assert language_name("uk") == "Українська"


# --- right-to-left lines ------------------------------------------------------------------------


def _first_strong(line: str) -> str | None:
    """The bidi class (L, R or AL) of the first strong character, ignoring tags and
    placeholders (numbers and most values are neutral; a Latin value at the start of a line is
    caught by the rule that every line starts with words of the language)."""
    line = PLACEHOLDER.sub("", TAG.sub("", line))
    for char in line:
        kind = unicodedata.bidirectional(char)
        if kind in ("L", "R", "AL"):
            return kind
    return None


@pytest.mark.parametrize("locale", sorted(RTL_LOCALES))
def test_rtl_lines_start_right_to_left(locale: str) -> None:
    """Telegram sets each line's direction by its first strong character: a line of an Arabic
    or Farsi text that starts with a command or a Latin word is shown left to right."""
    bad = [
        f"{_ids(message)[0]!r}: {line!r}"
        for message in _catalog(locale)
        if message.id
        for text in _strings(message)
        for line in text.split("\n")
        if _first_strong(line) == "L"
    ]
    assert not bad, f"{locale}: lines starting with Latin text:\n" + "\n".join(bad)


def test_first_strong_character() -> None:
    assert _first_strong("/help – هذه القائمة") == "L"
    assert _first_strong("\u200f/help – هذه القائمة") == "R"
    assert _first_strong("<b>{count}</b> ردود") == "AL"
    assert _first_strong("12 · 3") is None


# --- counts are plural entries -----------------------------------------------------------------

# Placeholders that hold a number of things. In a sentence the words around them agree with the
# number (Arabic has 6 forms, Ukrainian 3), so such a msgid must be a plural entry (ngettext).
COUNT_PLACEHOLDERS = {
    "count", "n", "total", "sent", "removed", "hours", "limit", "asked", "answered", "open",
    "unreachable", "finished", "delivered", "runs", "pages",
}  # fmt: skip
# A count that stands alone needs no agreement: a value after a label ("Sent: {count}"), in
# brackets ("Added ({count})"), a fraction ("{sent} of {total}") or before a unit symbol ("h").
BARE_COUNT = (
    r"(?::\s*|\(|\bof\s+|·\s*){ph}(?=$|[\s.,;·)])"  # after a label, bracket, "of", separator
    r"|{ph}(?=\s+of\b|\s+h\b|\))"  # before "of", an "h" unit or a closing bracket
)
# Sentences where a count is not bare but the translations use label-value order instead.
COUNT_EXCEPTIONS: set[str] = set()


def _unplural_counts(msgid: str) -> list[str]:
    found = []
    for name in COUNT_PLACEHOLDERS:
        placeholder = re.escape("{" + name + "}")
        if not re.search(placeholder, msgid):
            continue
        total = len(re.findall(placeholder, msgid))
        bare = len(re.findall(BARE_COUNT.format(ph=placeholder), msgid))
        if bare < total:
            found.append(name)
    return found


def test_counts_are_plural_entries() -> None:
    bad = [
        f"{{{', '.join(names)}}} in {key[1]!r}"
        for key, message in SOURCE.items()
        if not isinstance(message, tuple) and key[1] not in COUNT_EXCEPTIONS
        for names in [_unplural_counts(key[1])]
        if names
    ]
    assert not bad, "counts outside ngettext (use ngettext, or make the count a label value):\n" + (
        "\n".join(bad)
    )


def test_count_rule() -> None:
    assert _unplural_counts("You have {count} open questions.") == ["count"]
    assert _unplural_counts("Sent: {count}") == []
    assert _unplural_counts("sent {sent} of {total} · unreachable: {unreachable}") == []
    assert _unplural_counts("Median time: {hours} h") == []
    assert _unplural_counts("Added ({count}). Send more.") == []


# --- glossary and forbidden wording --------------------------------------------------------------

GLOSSARY = glossary()
FORBIDDEN = {
    locale: [re.compile(pattern, re.IGNORECASE) for pattern in patterns]
    for locale, patterns in yaml.safe_load(
        (LOCALES_DIR / "glossary.yaml").read_text(encoding="utf-8")
    )["forbidden"].items()
}
CHECKED_TERMS = {
    key
    for key, entry in yaml.safe_load((LOCALES_DIR / "glossary.yaml").read_text(encoding="utf-8"))[
        "terms"
    ].items()
    if entry.get("checked")
}
GLOSSARY_KEYS = {
    "pool", "expert pool", "member", "coordinator", "municipality", "consent", "survey",
    "Telegram ID", "question", "answer",
}  # fmt: skip


def test_glossary_has_every_term_in_every_language() -> None:
    assert {term.key for term in GLOSSARY} >= GLOSSARY_KEYS
    for term in GLOSSARY:
        assert set(term.rendering) == set(SUPPORTED_LOCALES), term.key
        if term.key in CHECKED_TERMS:
            assert set(term.stems) == set(SUPPORTED_LOCALES), term.key
    assert set(FORBIDDEN) == set(SUPPORTED_LOCALES)


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_glossary_terms_are_used(locale: str) -> None:
    problems = []
    for message in _catalog(locale):
        if not message.id:
            continue
        # Placeholders are not words: "{municipality}" is filled in, not translated.
        source = PLACEHOLDER.sub("", " ".join(_ids(message)))
        for term in GLOSSARY:
            if term.key not in CHECKED_TERMS or not term.english.search(source):
                continue
            stems = [stem.lower() for stem in term.stems[locale]]
            for text in _strings(message):
                if not any(stem in text.lower() for stem in stems):
                    problems.append(f"{term.key} = {term.rendering[locale]}: {text!r}")
    assert not problems, f"{locale}: glossary term missing:\n" + "\n".join(problems)


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_no_forbidden_wording(locale: str) -> None:
    problems = [
        f"{pattern.pattern!r} in {text!r}"
        for message in _catalog(locale)
        if message.id
        for text in _strings(message)
        for pattern in FORBIDDEN[locale]
        if pattern.search(text)
    ]
    assert not problems, f"{locale}: forbidden wording:\n" + "\n".join(problems)


# --- the same checks for the texts in data files (intake, surveys) -----------------------------

DATA_FILES = [ROOT / "bot" / "data" / "intake.yaml", *sorted((ROOT / "surveys").glob("*.yaml"))]


def _data_texts(node: object) -> list[dict[str, str]]:
    """Every translated text of a data file: a mapping with "en" and other language codes."""
    if isinstance(node, dict):
        if isinstance(node.get("en"), str) and set(node) <= set(SUPPORTED_LOCALES) | {"en"}:
            return [node]
        return [text for value in node.values() for text in _data_texts(value)]
    if isinstance(node, list):
        return [text for value in node for text in _data_texts(value)]
    return []


@pytest.mark.parametrize("path", DATA_FILES, ids=lambda p: p.name)
def test_data_files_follow_the_glossary(path: Path) -> None:
    """The intake and the surveys use the catalogue's terms ("Guri" for housing in Somali,
    not "Hoy" in one place and "Guri" in another) and no forbidden wording."""
    problems = []
    for texts in _data_texts(yaml.safe_load(path.read_text(encoding="utf-8"))):
        source = PLACEHOLDER.sub("", texts["en"])
        for locale, text in texts.items():
            for term in GLOSSARY:
                if term.key not in CHECKED_TERMS or not term.english.search(source):
                    continue
                if not any(stem.lower() in text.lower() for stem in term.stems[locale]):
                    problems.append(f"{locale}: {term.key} = {term.rendering[locale]}: {text!r}")
            problems += [
                f"{locale}: forbidden {pattern.pattern!r} in {text!r}"
                for pattern in FORBIDDEN[locale]
                if pattern.search(text)
            ]
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


def test_data_files_are_checked() -> None:
    assert len(DATA_FILES) >= 3
    assert all(_data_texts(yaml.safe_load(p.read_text(encoding="utf-8"))) for p in DATA_FILES)


# --- honest headers --------------------------------------------------------------------------

TEMPLATE_PLACEHOLDERS = ("VERSION", "FULL NAME", "EMAIL@ADDRESS", "LL@li.org", "FIRST AUTHOR")


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_headers_say_how_the_catalogue_was_made(locale: str) -> None:
    path = LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po"
    header = path.read_text(encoding="utf-8").split("\n\n", 1)[0]
    for placeholder in TEMPLATE_PLACEHOLDERS:
        assert placeholder not in header, f"{locale}: template placeholder {placeholder!r}"
    assert "# Translation status:" in header, f"{locale}: no '# Translation status:' comment"
    review = (LOCALES_DIR / "REVIEW.md").read_text(encoding="utf-8")
    assert f"## {locale} " in review or f"## {locale}\n" in review, f"{locale}: not in REVIEW.md"


def test_msgctxt_tells_the_roles_of_one_word_apart() -> None:
    """ "closed" of a region (no new members) and of a question (answered) differ in Arabic."""
    i18n = create_i18n()
    with i18n.context(), i18n.use_locale("ar"):
        region, question = pgettext("region", "closed"), pgettext("question status", "closed")
    assert region != question and "الانضمام" in region
    assert pgettext("region", "closed") == "closed"  # outside a request: the msgid
