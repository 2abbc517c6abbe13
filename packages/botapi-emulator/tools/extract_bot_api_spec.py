"""Generate the emulator's Bot API model from the scraped Bot API spec.

Reads a ``bot-api-spec.json`` in the layout of PaulSonOfLars/telegram-bot-api-spec
(``api.json``) and writes a structural extract: methods with their parameters (name,
types, required) and return types, types with their fields, subtypes and union
discriminator, and the length limits stated for parameters and fields. No
descriptions or other prose are copied: facts only.

    python packages/botapi-emulator/tools/extract_bot_api_spec.py PATH/TO/bot-api-spec.json \
        --commit 160fd99507e1c7c77e92dc90f5993d724735b51c

The output is committed as package data of the emulator; re-run this when the Bot API
changes and commit the result.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "botapi_emulator/data/bot-api.json"
SOURCE_REPOSITORY = "https://github.com/PaulSonOfLars/telegram-bot-api-spec"
SOURCE_FILE = "api.json"
FORMAT = 1

# "1-4096 characters", "0-1024 characters", "1-64 bytes" in a parameter's description.
_LENGTH = re.compile(r"\b(\d+)-(\d+) (characters|bytes)\b")
# The value a union member's "type" field must have: 'Type of the result, must be "photo"'.
_DISCRIMINATOR_MARKERS = ("must be ", "always ")


def extract(raw: dict[str, Any], *, commit: str, sha256: str) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": raw.get("version", ""),
        "release_date": raw.get("release_date", ""),
        "source": {
            "repository": SOURCE_REPOSITORY,
            "file": SOURCE_FILE,
            "commit": commit,
            "sha256": sha256,
        },
        "methods": {name: _method(item) for name, item in sorted(raw["methods"].items())},
        "types": {name: _type(item) for name, item in sorted(raw["types"].items())},
    }


def _method(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "returns": list(item.get("returns", ())),
        "fields": [_field(f) for f in item.get("fields", ())],
    }


def _type(item: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "fields" in item:
        out["fields"] = [_field(f) for f in item["fields"]]
    if item.get("subtypes"):
        out["subtypes"] = list(item["subtypes"])
    discriminator = _discriminator(item)
    if discriminator is not None:
        out["discriminator"] = discriminator
    return out


def _field(item: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": item["name"],
        "types": list(item["types"]),
        "required": bool(item["required"]),
    }
    match = _LENGTH.search(item.get("description", ""))
    if match:
        out["length"] = {"min": int(match[1]), "max": int(match[2]), "unit": match[3]}
    return out


def _discriminator(item: dict[str, Any]) -> str | None:
    for field in item.get("fields", ()):
        if field["name"] != "type":
            continue
        text: str = field.get("description", "")
        for marker in _DISCRIMINATOR_MARKERS:
            if marker in text:
                word = text.split(marker, 1)[1].split()[0]
                return word.strip("\"'*“”.,")
    return None


def dump(result: dict[str, Any]) -> str:
    """JSON with one method or type a line, so a regenerated file diffs by entry."""
    lines = ["{"]
    for key, value in result.items():
        if key in ("methods", "types"):
            lines.append(f"{json.dumps(key)}: {{")
            entries = [
                f"  {json.dumps(name)}: {json.dumps(item, ensure_ascii=False)}"
                for name, item in value.items()
            ]
            lines.append(",\n".join(entries))
            lines.append("}" + ("," if key != "types" else ""))
        else:
            lines.append(f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="bot-api-spec.json (api.json layout)")
    parser.add_argument("--commit", required=True, help="commit of the source repository")
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    data = args.source.read_bytes()
    result = extract(json.loads(data), commit=args.commit, sha256=hashlib.sha256(data).hexdigest())
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with open(args.output, "w", encoding="utf-8") as fh:
        fh.write(dump(result))
    print(
        f"{args.output}: {result['version']}, {len(result['methods'])} methods, "
        f"{len(result['types'])} types",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
