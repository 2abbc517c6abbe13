"""Translator export/import (tools/translations.py): a spreadsheet round trip changes exactly the
edited cell in the catalogue, and a row with a broken placeholder is refused."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR
from tools.translations import columns, export, import_csv


@pytest.fixture
def locales(tmp_path: Path) -> Path:
    copy = tmp_path / "locales"
    shutil.copytree(LOCALES_DIR, copy)
    return copy


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _write(path: Path, rows: list[dict[str, str]], fields: list[str]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def _po(locales: Path, locale: str) -> Path:
    return locales / locale / "LC_MESSAGES" / "messages.po"


def test_export_has_source_forms_comment_and_glossary(locales: Path, tmp_path: Path) -> None:
    rows = _rows(export("ar", tmp_path / "out", locales))
    assert list(rows[0]) == columns(6)
    by_id = {row["msgid"]: row for row in rows}
    plural = by_id["{count} member"]
    assert plural["msgid_plural"] == "{count} members"
    assert plural["translation_2"] == "عضوان"  # the form for exactly two
    assert "translation_2: 2;" in plural["comment"]
    assert "translation_3: 3, 4, 5, 6…" in plural["comment"]
    assert "شبكة" in by_id["My pool"]["glossary"]
    assert by_id["My pool"]["comment"].startswith("Translators: main-menu button")
    closed = [row for row in rows if row["msgid"] == "closed"]
    assert {row["msgctxt"] for row in closed} == {"region", "question status"}


def test_round_trip_changes_exactly_the_edited_cell(locales: Path, tmp_path: Path) -> None:
    before = _po(locales, "uk").read_text(encoding="utf-8")
    target = export("uk", tmp_path / "out", locales)
    assert import_csv("uk", target, locales_dir=locales).changed == []  # untouched: no change
    assert _po(locales, "uk").read_text(encoding="utf-8") == before

    rows = _rows(target)
    for row in rows:
        if row["msgid"] == "Skip":
            row["translation"] = "Далі без відповіді"
    _write(target, rows, columns(3))
    report = import_csv("uk", target, locales_dir=locales)

    assert len(report.changed) == 1 and not report.refused
    after = _po(locales, "uk").read_text(encoding="utf-8")
    removed = [line for line in before.splitlines() if line not in after.splitlines()]
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert removed == ['msgstr "Пропустити"']
    assert added == ['msgstr "Далі без відповіді"']
    with _po(locales, "uk").open("rb") as fh:
        assert read_po(fh, locale="uk").get("Skip").string == "Далі без відповіді"


def test_broken_rows_are_refused_and_the_rest_imported(locales: Path, tmp_path: Path) -> None:
    before = _po(locales, "tr").read_text(encoding="utf-8")
    target = export("tr", tmp_path / "out", locales)
    rows = _rows(target)
    for row in rows:
        if row["msgid"] == "Pool: {region}":
            row["translation"] = "Uzman havuzu: {bolge}"  # placeholder renamed: broken
        if row["msgid"] == "{count} member":
            row["translation_1"] = ""  # a plural form left empty
        if row["msgid"] == "<b>Per region</b> (finished / got it):":
            row["translation"] = "Bölgeye göre (bitiren / alan):"  # tag lost
        if row["msgid"] == "Back":
            row["translation"] = "Geri dön"
    _write(target, rows, columns(2))

    report = import_csv("tr", target, locales_dir=locales)

    assert len(report.refused) == 3, report.refused
    assert any("{bolge}" in text for text in report.refused)
    assert any("empty" in text for text in report.refused)
    assert any("HTML tags" in text for text in report.refused)
    assert len(report.changed) == 1
    after = _po(locales, "tr").read_text(encoding="utf-8")
    assert "Uzman havuzu: {region}" in after and "{bolge}" not in after
    assert after.replace('msgstr "Geri dön"', 'msgstr "Geri"') == before
