"""aiogram's ~440 Telegram types, validators built on first use instead of all at import.

aiogram marks its types `defer_build=True`, then calls `model_rebuild()` on every one of them
at the end of `aiogram.types` (to resolve forward references), which builds every validator
and serializer at once: about 130 MB of resident memory and 2 s of start-up with aiogram 3.31,
for types a bot like this one never sees (payments, passports, business accounts, gifts…).

`install()`, called when the `bot` package is first imported (before aiogram is), makes that
import-time rebuild remember the namespace and return; the first validation or dump of a type
then builds it, resolving its forward references in that namespace (pydantic's deferred
build calls `model_rebuild` again, which lands here). Other models are not touched. When
pydantic's `model_rebuild` lacks the private keywords this relies on, nothing is installed and
aiogram builds everything at import as before. Measured in bench/README.md (RSS, start-up).
"""

from __future__ import annotations

import inspect
import sys
from typing import Any

_namespace: dict[str, Any] = {}
_installed = False
_merged_namespace: dict[str, Any] = {}


def _merged() -> dict[str, Any]:
    if not _merged_namespace:
        types = sys.modules.get("aiogram.types")
        if types is None or not hasattr(types, "Update"):  # still importing: don't keep it
            return {**(vars(types) if types else {}), **_namespace}
        _merged_namespace.update({**vars(types), **_namespace})
    return _merged_namespace


def _aiogram(cls: type) -> bool:
    return cls.__module__.startswith("aiogram.")


def install() -> bool:
    """Keep aiogram's types deferred; True when installed (idempotent). Does nothing, and
    returns False, when aiogram's types were imported already."""
    global _installed
    if _installed:
        return True
    if "aiogram.types" in sys.modules:
        return False
    from pydantic import BaseModel

    original = BaseModel.model_rebuild.__func__  # type: ignore[attr-defined]
    if not {"_types_namespace", "_parent_namespace_depth"} <= set(
        inspect.signature(original).parameters
    ):
        return False

    def model_rebuild(
        cls: Any,
        *,
        force: bool = False,
        raise_errors: bool = True,
        _parent_namespace_depth: int = 2,
        _types_namespace: Any = None,
    ) -> bool | None:
        if _aiogram(cls) and not force:
            if _types_namespace is not None:
                # aiogram.types' import-time loop (the one caller that passes a namespace)
                # rebuilds every type: only remember the names.
                _namespace.update(_types_namespace)
                return None
            if _types_namespace is None and _namespace:
                # A deferred type is used for the first time: the names aiogram passed, and
                # every type (forward references such as "Message" point to them). Merged
                # once: pydantic also lands here for each generic it makes (Response[...]).
                _types_namespace = _merged()
        return original(
            cls,
            force=force,
            raise_errors=raise_errors,
            _parent_namespace_depth=_parent_namespace_depth,
            _types_namespace=_types_namespace,
        )

    BaseModel.model_rebuild = classmethod(model_rebuild)  # type: ignore[assignment,method-assign]
    _installed = True
    return True
