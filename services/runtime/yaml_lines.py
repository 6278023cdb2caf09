"""YAML that remembers lines: mappings and lists carry the line of each key and item, for error messages; a reader
that notes every problem of a hand-written file with its line instead of stopping at the first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from schemas.values import parse_phone

__all__ = ["DocumentReader", "Issue", "LineList", "LineMap", "line_of", "load_mapping", "load_with_lines"]

M = TypeVar("M", bound=BaseModel)


class LineMap(dict[Any, Any]):
    line: int = 0
    key_lines: dict[Any, int]


class LineList(list[Any]):
    line: int = 0
    item_lines: list[int]


class _Loader(yaml.SafeLoader):
    pass


def _mapping(loader: _Loader, node: yaml.MappingNode) -> LineMap:
    loader.flatten_mapping(node)
    result = LineMap()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(item, deep=True) for item in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [item.start_mark.line + 1 for item in node.value]
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


def load_with_lines(text: str) -> Any:
    """Parse YAML; raises yaml.YAMLError (with its line) when it is not YAML."""
    return yaml.load(text, Loader=_Loader)


def line_of(document: Any, path: Sequence[Any]) -> int:
    """The line of the deepest element of `path` that the document knows (0 when none)."""
    line, node = getattr(document, "line", 0), document
    for part in path:
        if isinstance(node, LineMap) and part in node:
            line, node = node.key_lines.get(part, line), node[part]
        elif isinstance(node, LineList) and isinstance(part, int) and 0 <= part < len(node):
            line, node = node.item_lines[part], node[part]
        else:
            break
    return line


@dataclass(frozen=True, order=True)
class Issue:
    """One problem; `line` is its line in the file when known."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


def load_mapping(text: str, shape: str, *, blank: LineMap | None = None) -> LineMap | Issue:
    """The mapping a YAML file holds, or the issue that stops it being read: not YAML, or not a mapping (`shape`
    says what it must be). `blank` is what an empty file reads as (by default: not a mapping)."""
    try:
        document = load_with_lines(text) or blank
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        return Issue(mark.line + 1 if mark else 0, f"not valid YAML: {error}")
    return document if isinstance(document, LineMap) else Issue(1, shape)


@dataclass
class DocumentReader:
    """Reads parts of a document `load_mapping` gave, noting each problem with its line (`issues`)."""

    document: LineMap
    issues: list[Issue] = field(default_factory=list)

    def problem(self, path: Sequence[Any], message: str) -> None:
        self.issues.append(Issue(line_of(self.document, path), message))

    def validate(self, path: list[Any], item: Any, model: type[M]) -> M | None:
        """`item` (found at `path`) as `model`; None, and a problem per error, when it is not one."""
        try:
            return model.model_validate(item)
        except ValidationError as error:
            for detail in error.errors():
                where = [*path, *detail["loc"]]
                self.problem(where, f"{'.'.join(str(part) for part in where)}: {detail['msg']}")
            return None

    def phone(self, path: list[Any], raw: str | int, owner: str) -> str | None:
        """The number at `path` in E.164; None, and a problem, when it is not a phone number."""
        try:
            return parse_phone(str(raw))
        except ValueError as error:
            self.problem(path, f"invalid number for {owner}: {error}")
            return None
