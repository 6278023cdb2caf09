"""What a handler's adapters see of one transaction, whatever the backend (`Store` makes it)."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import CursorResult, Delete, Executable, Insert, Select, Update
from sqlalchemy.exc import ResourceClosedError

__all__ = ["Row", "Session", "WhileTransactionLasts"]

T = TypeVar("T")

Row = dict[str, Any]


class Session(Protocol):
    """The statements of one transaction."""

    @property
    def dialect(self) -> str: ...

    async def execute(self, statement: Executable, parameters: Any = None) -> CursorResult[Any]: ...

    async def scalar(self, statement: Executable, parameters: Any = None) -> Any: ...

    async def insert(self, statement: Insert, rows: Row | Sequence[Row]) -> None:
        """Run an INSERT for one row or many."""
        ...

    async def insert_new(self, statement: Insert, row: Row) -> bool:
        """Run an INSERT for one row; False when the statement's ON CONFLICT left it out."""
        ...

    async def fetch(self, statement: Select[Any] | Update, parameters: Row) -> Sequence[Any]:
        """The rows of a SELECT (or an UPDATE with RETURNING) built once (a hot path's), each with its columns as
        attributes."""
        ...

    async def change(self, statement: Update | Delete, parameters: Row | Sequence[Row]) -> int:
        """Run an UPDATE or DELETE built once (a hot path's), for one set of parameters or many; how many rows
        it changed (for many, -1 where the driver does not count them, as asyncpg)."""
        ...

    def savepoint(self) -> AbstractAsyncContextManager[None]:
        """A part of the transaction undone alone if it raises; the rest of the transaction goes on."""
        ...


class WhileTransactionLasts(Generic[T]):
    """What a session's statements go to (a connection, a driver), handed out only while its transaction lasts:
    after it, a statement would run outside it, or inside another task's."""

    def __init__(self, held: T) -> None:
        self._held: T | None = held

    def end(self) -> None:
        self._held = None

    def get(self) -> T:
        if self._held is None:
            raise ResourceClosedError("this session's transaction has ended")
        return self._held
