"""Loading the machine-readable Bot API description (``bot-api-spec.json``).

The file lives in the shared folder next to the repository
(``<root>/shared/telegram/bot-api-spec.json`` or ``<repo>/../shared/telegram/...``);
``BOT_API_SPEC`` overrides the location. Not finding it is an error: an emulator
that cannot validate requests would silently accept what Telegram rejects.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

SPEC_ENV_VAR = "BOT_API_SPEC"
_SPEC_PARTS = ("shared", "telegram", "bot-api-spec.json")


class SpecNotFoundError(FileNotFoundError):
    pass


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    types: tuple[str, ...]
    required: bool

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
        f["name"]: FieldSpec(f["name"], tuple(f["types"]), bool(f["required"]))
        for f in item.get("fields", ())
    }


def _discriminator(item: dict[str, Any]) -> str | None:
    for field in item.get("fields", ()):
        if field["name"] != "type":
            continue
        text: str = field["description"]
        for marker in ("must be ", "always "):
            if marker in text:
                word = text.split(marker, 1)[1].split()[0]
                return word.strip("\"'*“”.,")
    return None


def find_spec_path(start: Path | None = None) -> Path:
    override = os.environ.get(SPEC_ENV_VAR)
    if override:
        path = Path(override)
        if not path.is_file():
            raise SpecNotFoundError(f"{SPEC_ENV_VAR}={override!r} is not a file")
        return path
    here = (start or Path(__file__)).resolve()
    for folder in here.parents:
        for base in (folder, folder.parent):
            candidate = base.joinpath(*_SPEC_PARTS)
            if candidate.is_file():
                return candidate
    raise SpecNotFoundError(
        "bot-api-spec.json not found: looked for shared/telegram/bot-api-spec.json above "
        f"{here} and next to each parent; set {SPEC_ENV_VAR} to its path"
    )


def load_spec(path: str | Path | None = None) -> BotApiSpec:
    """Parsed spec, cached per file so every emulator in a test run shares it."""
    source = Path(path) if path else find_spec_path()
    return _load(str(source.resolve()))


@cache
def _load(path: str) -> BotApiSpec:
    with open(path, encoding="utf-8") as fh:
        return BotApiSpec(json.load(fh), Path(path))
