"""YAML loading that remembers where every value came from, so errors can name the line."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode


@dataclass
class Located:
    """Plain Python data plus the line (1-based) of each field path like questions[2].kind."""

    data: Any
    lines: dict[str, int] = field(default_factory=dict)

    def line(self, path: str) -> int | None:
        """The line of `path`, or of its nearest parent that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return self.lines.get("")


class SourceError(ValueError):
    def __init__(self, line: int | None, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _build(node: Node, path: str, lines: dict[str, int], constructor: SafeConstructor) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = constructor.construct_object(key_node, deep=True)
            key = _scalar_text(key)
            lines[_join(path, key)] = key_node.start_mark.line + 1
            result[key] = _build(value_node, _join(path, key), lines, constructor)
        return result
    if isinstance(node, SequenceNode):
        return [
            _build(item, f"{path}[{index}]", lines, constructor)
            for index, item in enumerate(node.value)
        ]
    assert isinstance(node, ScalarNode)
    return constructor.construct_object(node, deep=True)


def _scalar_text(value: Any) -> str:
    """YAML 1.1 reads yes/no/on/off as booleans; as keys and ids we want the words."""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value)


def load(text: str) -> Located:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise SourceError(line, str(exc.problem or exc.context or exc)) from None
    except yaml.YAMLError as exc:
        raise SourceError(None, str(exc)) from None
    if root is None:
        return Located(None)
    lines: dict[str, int] = {}
    data = _build(root, "", lines, SafeConstructor())
    return Located(data, lines)


def as_word(value: Any) -> str:
    return _scalar_text(value)
