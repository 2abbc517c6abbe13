"""Translator export/import: one spreadsheet-friendly CSV per language, and back into the .po.

    python -m tools.translations export [--out translations] [LANG ...]
    python -m tools.translations import [--in translations] [LANG ...]

A native speaker without gettext tools opens `translations/<lang>.csv` in a spreadsheet, edits
the `translation` columns (one per plural form) and sends the file back; `import` writes the
changed cells into `locales/<lang>/LC_MESSAGES/messages.po`, entry by entry, so the rest of the
file (order, comments, wrapping) stays as it was. A row whose translation loses or invents a
`{placeholder}` or an HTML tag, or leaves a form empty, is refused and reported; the other rows
are imported. Nothing here runs inside the bot.
"""

from __future__ import annotations

import argparse
import csv
import gettext
import re
import sys
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import yaml
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES_DIR = ROOT / "locales"
GLOSSARY_PATH = LOCALES_DIR / "glossary.yaml"
WIDTH = 76  # how pybabel wraps the catalogues

PLACEHOLDER = re.compile(
    r"\{[a-zA-Z_][a-zA-Z0-9_]*(?:![rsa])?(?::[^{}]*)?\}|%\([a-z_]+\)[sd]|%[sd]"
)
TAG = re.compile(r"</?[a-z][a-z0-9-]*(?:\s[^<>]*)?>")

Key = tuple[str | None, str]  # (msgctxt, msgid)


def ids(message: Message) -> list[str]:
    return list(message.id) if isinstance(message.id, tuple | list) else [message.id]


def strings(message: Message) -> list[str]:
    if isinstance(message.string, tuple | list):
        return list(message.string)
    return [message.string]


def key_of(message: Message) -> Key:
    return (message.context, ids(message)[0])


def problems_of(message: Message, forms: list[str]) -> list[str]:
    """What is wrong with `forms` as the translation of `message`: placeholders, tags, gaps."""
    found: list[str] = []
    source = ids(message)
    want = set().union(*(set(PLACEHOLDER.findall(text)) for text in source))
    want_tags = sorted(TAG.findall(source[0]))
    for index, text in enumerate(forms):
        label = f"form {index}" if message.pluralizable else "translation"
        if not text.strip():
            found.append(f"{label} is empty")
            continue
        got = set(PLACEHOLDER.findall(text))
        # A plural form (the one for exactly one) may leave out the number.
        if got != want and not (message.pluralizable and got < want):
            found.append(f"{label}: placeholders {sorted(got)}, expected {sorted(want)}")
        if sorted(TAG.findall(text)) != want_tags:
            found.append(f"{label}: HTML tags {sorted(TAG.findall(text))}, expected {want_tags}")
    return found


# --- editing a .po file entry by entry --------------------------------------------------------


class PoFile:
    """A catalogue as text blocks (one per entry), so an edit touches only its own entry."""

    def __init__(self, path: Path, locale: str) -> None:
        self.path = path
        self.locale = locale
        text = path.read_text(encoding="utf-8")
        self.blocks = [block for block in text.strip("\n").split("\n\n")]
        self.header = self.blocks[0]
        with path.open("rb") as fh:
            self.catalog = read_po(fh, locale=locale)
        self._index: dict[Key, int] = {}
        for position, block in enumerate(self.blocks[1:], start=1):
            for message in self._parse(block):
                self._index[key_of(message)] = position

    def _parse(self, block: str) -> list[Message]:
        catalog = read_po(BytesIO(f"{self.header}\n\n{block}\n".encode()), locale=self.locale)
        return [message for message in catalog if message.id]

    def render(self, message: Message) -> str:
        catalog = Catalog(locale=self.locale)
        catalog[message.id] = message
        out = BytesIO()
        write_po(out, catalog, width=WIDTH, no_location=True, omit_header=True)
        return out.getvalue().decode("utf-8").strip("\n")

    def message(self, key: Key) -> Message | None:
        return self.catalog.get(key[1], context=key[0])

    def set(self, message: Message, replacing: Key | None = None) -> None:
        """Replace the entry with the same key as `message` (or the entry `replacing`, when its
        msgid changed), or append it."""
        block = self.render(message)
        position = self._index.pop(replacing, None) if replacing else None
        if replacing and replacing != key_of(message):
            self.catalog.delete(replacing[1], context=replacing[0])
        if position is None:
            position = self._index.get(key_of(message))
        if position is None:
            self.blocks.append(block)
            position = len(self.blocks) - 1
        else:
            self.blocks[position] = block
        self._index[key_of(message)] = position
        self.catalog[message.id] = message

    def save(self) -> None:
        self.path.write_text("\n\n".join(self.blocks) + "\n", encoding="utf-8")


def po_path(locale: str, locales_dir: Path = LOCALES_DIR) -> Path:
    return locales_dir / locale / "LC_MESSAGES" / "messages.po"


def catalogue_locales() -> list[str]:
    return sorted(path.parent.parent.name for path in LOCALES_DIR.glob("*/LC_MESSAGES/*.po"))


# --- glossary ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    key: str
    english: re.Pattern[str]  # where the term occurs in a msgid
    rendering: dict[str, str]  # language -> the chosen term, as a translator reads it
    stems: dict[str, tuple[str, ...]]  # language -> stems one of which every msgstr contains


def glossary() -> list[Term]:
    data = yaml.safe_load(GLOSSARY_PATH.read_text(encoding="utf-8"))
    terms = []
    for key, entry in data["terms"].items():
        terms.append(
            Term(
                key=key,
                english=re.compile(entry["english"], re.IGNORECASE),
                rendering={lang: str(v["term"]) for lang, v in entry["languages"].items()},
                stems={
                    lang: tuple(v.get("stems", ()))
                    for lang, v in entry["languages"].items()
                    if v.get("stems")
                },
            )
        )
    return terms


def glossary_hits(message: Message, locale: str, terms: list[Term]) -> str:
    source = PLACEHOLDER.sub("", " ".join(ids(message)))
    hits = [
        f"{term.key} = {term.rendering[locale]}"
        for term in terms
        if locale in term.rendering and term.english.search(source)
    ]
    return "; ".join(hits)


# --- export and import ------------------------------------------------------------------------


def plural_hint(catalog: Catalog) -> str:
    """Which numbers each plural column is for, e.g. 'translation: 1, 21, 31…; translation_1:
    2, 3, 4…' for Ukrainian, so that a translator without gettext knows which form goes where."""
    rule = gettext.c2py(catalog.plural_expr)
    examples: dict[int, list[int]] = {}
    for n in range(0, 200):
        examples.setdefault(rule(n), []).append(n)
    names = columns(catalog.num_plurals)[3 : 3 + catalog.num_plurals]
    return "; ".join(
        f"{names[form]}: {', '.join(map(str, numbers[:4]))}{'…' if len(numbers) > 4 else ''}"
        for form, numbers in sorted(examples.items())
    )


def columns(num_plurals: int) -> list[str]:
    forms = ["translation"] + [f"translation_{index}" for index in range(1, num_plurals)]
    return ["msgctxt", "msgid", "msgid_plural", *forms, "comment", "glossary"]


def export(locale: str, out_dir: Path, locales_dir: Path = LOCALES_DIR) -> Path:
    po = PoFile(po_path(locale, locales_dir), locale)
    terms = glossary()
    count = po.catalog.num_plurals
    hint = "Plural forms, by number: " + plural_hint(po.catalog)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{locale}.csv"
    # utf-8-sig: spreadsheets then read Arabic, Tigrinya and Ukrainian correctly.
    with target.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns(count))
        for message in po.catalog:
            if not message.id:
                continue
            source = ids(message)
            forms = strings(message) if message.pluralizable else strings(message)[:1]
            forms = forms + [""] * (count - len(forms))
            comment = "\n".join(
                [*message.auto_comments, *message.user_comments]
                + ([hint] if message.pluralizable else [])
            )
            writer.writerow(
                [
                    message.context or "",
                    source[0],
                    source[1] if message.pluralizable else "",
                    *forms,
                    comment,
                    glossary_hits(message, locale, terms),
                ]
            )
    return target


@dataclass
class ImportReport:
    changed: list[str]
    refused: list[str]
    unknown: list[str]


def import_csv(
    locale: str, source: Path, write: bool = True, locales_dir: Path = LOCALES_DIR
) -> ImportReport:
    po = PoFile(po_path(locale, locales_dir), locale)
    count = po.catalog.num_plurals
    report = ImportReport(changed=[], refused=[], unknown=[])
    with source.open(encoding="utf-8-sig", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            key: Key = (row.get("msgctxt") or None, row.get("msgid") or "")
            message = po.message(key)
            if message is None:
                report.unknown.append(f"line {line}: no entry {key[1]!r} in {locale}")
                continue
            if message.pluralizable:
                forms = [row.get(name) or "" for name in columns(count)[3 : 3 + count]]
            else:
                forms = [row.get("translation") or ""]
            if forms == strings(message):
                continue
            problems = problems_of(message, forms)
            if problems:
                report.refused.append(f"line {line}: {key[1]!r}: " + "; ".join(problems))
                continue
            message.string = tuple(forms) if message.pluralizable else forms[0]
            message.flags.discard("fuzzy")
            po.set(message)
            report.changed.append(f"line {line}: {key[1]!r}")
    if write and report.changed:
        po.save()
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.translations", description=__doc__)
    parser.add_argument("command", choices=["export", "import"])
    parser.add_argument("locales", nargs="*", help="language codes (default: all catalogues)")
    parser.add_argument("--dir", type=Path, default=ROOT / "translations")
    args = parser.parse_args(argv)
    locales = args.locales or catalogue_locales()
    status = 0
    for locale in locales:
        if args.command == "export":
            print(f"{locale}: {export(locale, args.dir)}")
            continue
        source = args.dir / f"{locale}.csv"
        if not source.exists():
            print(f"{locale}: no {source}, skipped")
            continue
        report = import_csv(locale, source)
        print(f"{locale}: {len(report.changed)} changed, {len(report.refused)} refused")
        for text in report.changed:
            print(f"  changed {text}")
        for text in report.refused + report.unknown:
            print(f"  REFUSED {text}")
        if report.refused or report.unknown:
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
