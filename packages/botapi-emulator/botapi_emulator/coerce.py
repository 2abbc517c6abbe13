"""Turn raw request parameters into typed values, checked against the spec.

Form and query values arrive as strings: scalars are converted to the spec's
Integer/Float/Boolean/String, objects and arrays are parsed from JSON. JSON bodies
may carry native values. Nested objects are checked field by field (required
fields, types, union members picked by their ``type`` field); unknown names are
reported as warnings, not errors, exactly as Telegram ignores them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from .errors import bad_request
from .spec import BotApiSpec, FieldSpec, MethodSpec, TypeSpec

_INT_RE = re.compile(r"[+-]?\d+")
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}
_SCALARS = {"Integer", "Float", "Boolean", "True", "String", "InputFile"}
_MISSING_TEXT = {
    "chat_id": "chat_id is empty",
    "text": "message text is empty",
    "message_id": "message identifier is not specified",
    "message_ids": "message identifiers are not specified",
    "callback_query_id": "query_id is empty",
}
_JSON_NAMES = {
    "reply_markup": "reply keyboard markup",
    "entities": "entities",
    "caption_entities": "entities",
    "media": "media",
}
# Telegram accepts these without their "required" value (setWebhook without url removes it).
_OPTIONAL_IN_PRACTICE = {("setWebhook", "url")}
_JSON_CACHE_SIZE = 4096
_FILE_FIELD_NAMES = {
    "photo",
    "document",
    "voice",
    "audio",
    "video",
    "sticker",
    "animation",
    "video_note",
}


@dataclass(frozen=True, slots=True)
class Upload:
    """A file part of a multipart request."""

    filename: str
    content_type: str
    data: bytes


class _Mismatch(Exception):
    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f'field "{path}" {reason}')
        self.path = path


class Coercer:
    def __init__(self, spec: BotApiSpec) -> None:
        self.spec = spec
        # JSON parameter text -> (checked value, warnings). Checked values are shared
        # between calls, so method handlers treat parameters as read-only.
        self._checked_json: dict[tuple[tuple[str, ...], str], tuple[Any, tuple[str, ...]]] = {}

    def params(
        self, method: MethodSpec, raw: dict[str, Any], uploads: dict[str, Upload]
    ) -> tuple[dict[str, Any], list[str]]:
        """Typed parameters and the names Telegram would ignore (for warnings)."""
        warnings: list[str] = []
        out: dict[str, Any] = {}
        for name, value in raw.items():
            field = method.fields.get(name)
            if field is None:
                if name not in uploads or not _is_attached(raw, name):
                    warnings.append(name)
                continue
            if value is None or (value == "" and "String" not in field.types):
                continue
            out[name] = self._top_level(method, field, value, uploads, warnings)
        for field in method.fields.values():
            if field.required and field.name not in out:
                if (method.name, field.name) in _OPTIONAL_IN_PRACTICE:
                    continue
                raise bad_request(_missing_text(field.name))
        return out, warnings

    def _top_level(
        self,
        method: MethodSpec,
        field: FieldSpec,
        value: Any,
        uploads: dict[str, Upload],
        warnings: list[str],
    ) -> Any:
        types = field.types
        if isinstance(value, Upload):
            if "InputFile" in types:
                return value
            raise bad_request(f'field "{field.name}" must be of type {field.type_label}')
        if isinstance(value, str) and types and all(t in _SCALARS for t in types):
            return _scalar_from_string(field, value, uploads)
        if isinstance(value, str) and not all(t in _SCALARS for t in types):
            known = self._checked_json.get((types, value))
            if known is not None:  # the same JSON text (e.g. a keyboard) passed before
                warnings.extend(known[1])
                return known[0]
            text = value
            try:
                value = json.loads(text)
            except ValueError:
                if "String" in types:
                    return text
                what = _JSON_NAMES.get(field.name, field.name)
                raise bad_request(f"can't parse {what} JSON object") from None
            before = len(warnings)
            checked = self._check_top_level(field, value, warnings, uploads)
            if "attach://" not in text:
                if len(self._checked_json) >= _JSON_CACHE_SIZE:
                    self._checked_json.clear()
                self._checked_json[(types, text)] = (checked, tuple(warnings[before:]))
            return checked
        if isinstance(value, int | float) and not isinstance(value, bool) and "String" in types:
            if "Integer" not in types and "Float" not in types:
                return str(value)
        return self._check_top_level(field, value, warnings, uploads)

    def _check_top_level(
        self, field: FieldSpec, value: Any, warnings: list[str], uploads: dict[str, Upload]
    ) -> Any:
        try:
            return self.check(value, field.types, field.name, warnings, uploads)
        except _Mismatch as exc:
            if exc.path == field.name:
                raise bad_request(str(exc)) from None
            what = _JSON_NAMES.get(field.name, field.name)
            raise bad_request(f"can't parse {what}: {exc}") from None

    def check(
        self,
        value: Any,
        types: tuple[str, ...],
        path: str,
        warnings: list[str],
        uploads: dict[str, Upload] | None = None,
    ) -> Any:
        """Validate ``value`` against any of ``types``; return it (uploads resolved)."""
        errors: list[_Mismatch] = []
        for type_expr in _by_fit(self.spec, types, value):
            try:
                return self._check_one(value, type_expr, path, warnings, uploads)
            except _Mismatch as exc:
                errors.append(exc)
        if len(types) > 1 and all(e.path == path for e in errors):
            raise _Mismatch(path, f"must be of type {' or '.join(types)}")
        raise errors[0]

    def _check_one(
        self,
        value: Any,
        type_expr: str,
        path: str,
        warnings: list[str],
        uploads: dict[str, Upload] | None,
    ) -> Any:
        if type_expr.startswith("Array of "):
            if not isinstance(value, list):
                raise _Mismatch(path, "must be of type Array")
            inner = (type_expr.removeprefix("Array of "),)
            return [
                self.check(item, inner, f"{path}[{i}]", warnings, uploads)
                for i, item in enumerate(value)
            ]
        if type_expr in _SCALARS:
            return _check_scalar(value, type_expr, path, uploads)
        spec = self.spec.types.get(type_expr)
        if spec is None:
            return value
        if not isinstance(value, dict):
            raise _Mismatch(path, f"must be of type {type_expr}")
        if spec.fields is None:
            if spec.subtypes:
                return self.check(value, spec.subtypes, path, warnings, uploads)
            return value
        return self._check_object(value, spec, path, warnings, uploads)

    def _check_object(
        self,
        value: dict[str, Any],
        spec: TypeSpec,
        path: str,
        warnings: list[str],
        uploads: dict[str, Upload] | None,
    ) -> dict[str, Any]:
        assert spec.fields is not None
        if spec.discriminator is not None and value.get("type") != spec.discriminator:
            raise _Mismatch(f"{path}.type", f'must be "{spec.discriminator}"')
        out: dict[str, Any] = {}
        for key, item in value.items():
            field = spec.fields.get(key)
            if field is None:
                warnings.append(f"{path}.{key}")
                out[key] = item
            elif item is not None:
                out[key] = self.check(item, field.types, f"{path}.{key}", warnings, uploads)
        for field in spec.fields.values():
            if field.required and field.name not in value:
                raise _Mismatch(f"{path}.{field.name}", "is required")
        return out


def _by_fit(spec: BotApiSpec, types: tuple[str, ...], value: Any) -> tuple[str, ...]:
    """Put the union members whose required fields are all present first."""
    if len(types) < 2 or not isinstance(value, dict):
        return types

    def fits(type_expr: str) -> bool:
        type_spec = spec.types.get(type_expr)
        if type_spec is None or type_spec.fields is None:
            return False
        if type_spec.discriminator is not None:
            return value.get("type") == type_spec.discriminator
        return all(f.name in value for f in type_spec.fields.values() if f.required)

    return tuple(sorted(types, key=lambda t: not fits(t)))


def _check_scalar(value: Any, type_expr: str, path: str, uploads: dict[str, Upload] | None) -> Any:
    ok: bool
    if type_expr == "Integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif type_expr == "Float":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif type_expr in ("Boolean", "True"):
        ok = isinstance(value, bool)
    elif type_expr == "InputFile":
        if isinstance(value, str) and value.startswith("attach://") and uploads is not None:
            upload = uploads.get(value.removeprefix("attach://"))
            if upload is None:
                raise _Mismatch(path, "refers to a missing file part")
            return upload
        ok = isinstance(value, str | Upload)
    else:
        ok = isinstance(value, str)
    if not ok:
        raise _Mismatch(path, f"must be of type {type_expr}")
    return value


def _scalar_from_string(field: FieldSpec, value: str, uploads: dict[str, Upload]) -> Any:
    for type_expr in field.types:
        if type_expr == "Integer" and _INT_RE.fullmatch(value.strip()):
            return int(value)
        if type_expr == "Float":
            try:
                return float(value)
            except ValueError:
                continue
        if type_expr in ("Boolean", "True"):
            lowered = value.strip().lower()
            if lowered in _TRUE or lowered in _FALSE:
                return lowered in _TRUE
        if type_expr == "InputFile" and value.startswith("attach://"):
            upload = uploads.get(value.removeprefix("attach://"))
            if upload is None:
                raise bad_request(f'file part "{value}" is missing from the request')
            return upload
        if type_expr in ("String", "InputFile"):
            return value
    raise bad_request(f'field "{field.name}" must be of type {field.type_label}')


def _is_attached(raw: dict[str, Any], part: str) -> bool:
    needle = f"attach://{part}"
    return any(isinstance(v, str) and needle in v for v in raw.values())


def _missing_text(name: str) -> str:
    if name in _MISSING_TEXT:
        return _MISSING_TEXT[name]
    if name in _FILE_FIELD_NAMES:
        return f"there is no {name} in the request"
    return f"{name} is empty"
