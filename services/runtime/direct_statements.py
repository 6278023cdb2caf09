"""Statements compiled once and run straight on the driver (SQLite's, asyncpg), past SQLAlchemy's execution
machinery.

Through that machinery a hot path's statement cost several times what SQLite itself takes (an insert:
65 µs against 13 µs; a select by key: 77 µs against 36 µs straight); on PostgreSQL a select by key cost 118 µs
of CPU against 48 µs straight on asyncpg (2026-12-06, this project's two-core machine). Compiled once per set
of parameter names, with each value's conversion taken from its column type, it costs little more than the
driver. A list parameter (`IN`) becomes one placeholder per item when the statement runs. An insert is compiled
without the RETURNING of a new row's key, which no caller reads; an UPDATE's own RETURNING is fetched. What
SQLAlchemy must fill in (a column default, a generated value) is left to it: these return None then.
"""

from __future__ import annotations

import functools
import keyword
from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Delete, Dialect, Insert, Select, Update

__all__ = ["RawSelect", "RawStatement", "raw_change", "raw_insert", "raw_select"]

Converter = Callable[[Any], Any] | None
Statement = Insert | Select[Any] | Update | Delete


@dataclass(frozen=True)
class RawStatement:
    """A statement compiled once for one set of parameter names: its SQL and each value's conversion."""

    sql: str
    names: tuple[str, ...]
    converters: tuple[Converter, ...]
    constants: dict[str, Any]
    lists: frozenset[str]  # the names whose value is a list, each item a placeholder of its own
    numbered: bool  # placeholders are $1, $2… (asyncpg), not ? (SQLite)

    def values(self, parameters: dict[str, Any]) -> tuple[Any, ...]:
        """The values in placeholder order, of a statement without list parameters."""
        given = parameters | self.constants if self.constants else parameters
        return tuple(
            value if convert is None else convert(value)
            for value, convert in zip(map(given.__getitem__, self.names), self.converters, strict=True)
        )

    def bound(self, parameters: dict[str, Any]) -> tuple[str, tuple[Any, ...]]:
        """The SQL with a placeholder per list item, and the values in placeholder order.

        Numbered: SQLAlchemy numbers every other parameter first, so each list's items take the numbers after; a
        name that comes twice has the same numbers both times (with `?`, a placeholder of its own each time)."""
        if not self.lists:
            return self.sql, self.values(parameters)
        given = parameters | self.constants if self.constants else parameters
        sql, values, listed = self.sql, list[Any](), list[tuple[str, list[Any]]]()
        for name, convert in zip(self.names, self.converters, strict=True):
            value = given[name]
            if name in self.lists:
                items = [item if convert is None else convert(item) for item in value]
                if self.numbered:
                    listed.append((name, items))
                else:
                    sql = self._expand(sql, name, items, values)
            else:
                values.append(value if convert is None else convert(value))
        for name, items in listed:
            sql = self._expand(sql, name, items, values)
        return sql, tuple(values)

    def _expand(self, sql: str, name: str, items: list[Any], values: list[Any]) -> str:
        first = len(values) + 1
        marks = (f"${number}" for number in range(first, first + len(items))) if self.numbered else "?" * len(items)
        values.extend(items)
        return sql.replace(f"__[POSTCOMPILE_{name}]", ", ".join(marks), -1 if self.numbered else 1)

    def has_empty_list(self, parameters: dict[str, Any]) -> bool:
        """Whether a list parameter is empty: PostgreSQL refuses `IN ()`, which SQLAlchemy writes otherwise."""
        if not self.lists:
            return False
        given = parameters | self.constants if self.constants else parameters
        return any(not given[name] for name in self.lists)


@dataclass(frozen=True)
class RawSelect(RawStatement):
    row_type: type[tuple[Any, ...]]
    results: tuple[Converter, ...]

    def rows(self, fetched: list[tuple[Any, ...]]) -> list[Any]:
        make, results = self.row_type, self.results
        return [
            make(*(value if convert is None else convert(value) for value, convert in zip(row, results, strict=True)))
            for row in fetched
        ]


def _compiled(statement: Statement, keys: tuple[str, ...], dialect: Dialect) -> RawStatement | None:
    """The statement's driver form, or None when SQLAlchemy must take part: a column default or a generated
    value to fill in, a parameter not given."""
    if isinstance(statement, Insert):
        statement = statement.inline()  # without the RETURNING of a new row's key, which no caller here reads
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))
    names = tuple(compiled.positiontup or ())
    constants = {}
    for name in set(names) - set(keys):
        bind = compiled.binds[name]
        if bind.callable is not None or bind.value is None:
            return None
        constants[name] = bind.value
    binds = [compiled.binds[name] for name in names]
    converters = tuple(bind.type.dialect_impl(dialect).bind_processor(dialect) for bind in binds)
    lists = frozenset(name for name, bind in zip(names, binds, strict=True) if bind.expanding)
    return RawStatement(compiled.string, names, converters, constants, lists, dialect.paramstyle == "numeric_dollar")


@functools.cache
def raw_insert(statement: Insert, keys: tuple[str, ...], dialect: Dialect) -> RawStatement | None:
    raw = _compiled(statement, keys, dialect)
    return None if raw is None or raw.constants or raw.lists or set(raw.names) != set(keys) else raw


@functools.cache
def raw_change(statement: Update | Delete, keys: tuple[str, ...], dialect: Dialect) -> RawStatement | None:
    return _compiled(statement, keys, dialect)


@functools.cache
def raw_select(statement: Select[Any] | Update, keys: tuple[str, ...], dialect: Dialect) -> RawSelect | None:
    """A SELECT, or an UPDATE with RETURNING."""
    raw = _compiled(statement, keys, dialect)
    columns = list(statement.exported_columns)
    fields = [column.key or "" for column in columns]
    if raw is None or len(set(fields)) != len(fields) or not all(_field_name(field) for field in fields):
        return None
    results = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns)
    return RawSelect(**vars(raw), row_type=_row_type(tuple(fields)), results=results)


def _row_type(fields: tuple[str, ...]) -> type[tuple[Any, ...]]:
    """A named tuple that also has SQLAlchemy's `Row._mapping`, so that a caller cannot tell them apart."""
    base = namedtuple("FetchedRow", fields)  # type: ignore[misc]
    return type("FetchedRow", (base,), {"__slots__": (), "_mapping": property(base._asdict)})


def _field_name(name: str) -> bool:
    return name.isidentifier() and not keyword.iskeyword(name) and not name.startswith("_")
