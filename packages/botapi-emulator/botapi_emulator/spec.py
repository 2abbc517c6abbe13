"""The machine-readable Bot API model the emulator validates every call against.

The model ships with the emulator as package data (``data/bot-api.json``): a structural
extract of the scraped Bot API docs made by ``tools/extract_bot_api_spec.py`` (beside the package), which
records the Bot API version and the source commit. ``BOT_API_SPEC`` may name another
file, either such an extract or a full ``bot-api-spec.json`` (api.json layout). Not
finding it is an error: an emulator that cannot validate requests would silently
accept what Telegram rejects.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

SPEC_ENV_VAR = "BOT_API_SPEC"
PACKAGED_SPEC = Path(__file__).resolve().parent / "data" / "bot-api.json"


class SpecNotFoundError(FileNotFoundError):
    pass


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    types: tuple[str, ...]
    required: bool
    length: tuple[int, int, str] | None = None  # (min, max, "characters"|"bytes") if stated

    @property
    def type_label(self) -> str:
        return " or ".join(self.types)


@dataclass(frozen=True, slots=True)
class TypeSpec:
    name: str
    fields: dict[str, FieldSpec] | None
    subtypes: tuple[str, ...]
    discriminator: str | None  # value of the "type" field for union members


@dataclass(frozen=True, slots=True)
class MethodSpec:
    name: str
    fields: dict[str, FieldSpec]
    returns: tuple[str, ...]


class BotApiSpec:
    def __init__(self, raw: dict[str, Any], source: Path | None = None) -> None:
        self.source = source
        self.version: str = raw.get("version", "")
        self.source_commit: str | None = raw.get("source", {}).get("commit")
        self.methods: dict[str, MethodSpec] = {}
        self._by_lower: dict[str, MethodSpec] = {}
        for name, item in raw["methods"].items():
            method = MethodSpec(name, _fields(item), tuple(item.get("returns", ())))
            self.methods[name] = method
            self._by_lower[name.lower()] = method
        self.types: dict[str, TypeSpec] = {
            name: TypeSpec(
                name,
                _fields(item) if "fields" in item else None,
                tuple(item.get("subtypes", ())),
                _discriminator(item),
            )
            for name, item in raw["types"].items()
        }

    def method(self, name: str) -> MethodSpec | None:
        """Method lookup is case-insensitive, as on Telegram's server."""
        return self._by_lower.get(name.lower())


def _fields(item: dict[str, Any]) -> dict[str, FieldSpec]:
    return {
        f["name"]: FieldSpec(
            f["name"],
            tuple(f["types"]),
            bool(f["required"]),
            (f["length"]["min"], f["length"]["max"], f["length"]["unit"])
            if "length" in f
            else None,
        )
        for f in item.get("fields", ())
    }


def _discriminator(item: dict[str, Any]) -> str | None:
    if "discriminator" in item:  # the extract states it
        return str(item["discriminator"])
    for field in item.get("fields", ()):
        if field["name"] != "type":
            continue
        text: str = field.get("description", "")
        for marker in ("must be ", "always "):
            if marker in text:
                word = text.split(marker, 1)[1].split()[0]
                return word.strip("\"'*“”.,")
    return None


def find_spec_path() -> Path:
    """``BOT_API_SPEC`` if set, else the extract packaged with the emulator."""
    override = os.environ.get(SPEC_ENV_VAR)
    if override:
        path = Path(override)
        if not path.is_file():
            raise SpecNotFoundError(f"{SPEC_ENV_VAR}={override!r} is not a file")
        return path
    if not PACKAGED_SPEC.is_file():
        raise SpecNotFoundError(
            f"the emulator's Bot API model {PACKAGED_SPEC} is missing; regenerate it with "
            f"packages/botapi-emulator/tools/extract_bot_api_spec.py or set {SPEC_ENV_VAR}"
        )
    return PACKAGED_SPEC


def load_spec(path: str | Path | None = None) -> BotApiSpec:
    """Parsed spec, cached per file so every emulator in a test run shares it."""
    source = Path(path) if path else find_spec_path()
    return _load(str(source.resolve()))


@cache
def _load(path: str) -> BotApiSpec:
    with open(path, encoding="utf-8") as fh:
        return BotApiSpec(json.load(fh), Path(path))
