"""A service's own database: SQLAlchemy 2 Core on SQLite (default) or PostgreSQL (production, async).

Handlers see one `Session` per transaction whatever the backend: `await session.execute(statement)`.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import (
    Connection,
    DateTime,
    Dialect,
    Insert,
    MetaData,
    Select,
    Table,
    bindparam,
    insert,
    select,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.types import TypeDecorator

from services.runtime.postgres_async import AsyncPostgres
from services.runtime.session import Row, Session
from services.runtime.sqlite_on_loop import OnLoopSqlite

__all__ = ["Row", "Session", "Store", "UtcDateTime", "first_row", "insert_into", "row_by_key"]

WRITER_WAIT_S = 30
T = TypeVar("T")
SchemaUpgrade = Callable[[Connection], None]
"""Brings the database behind a connection to the service's schema, inside the caller's transaction."""


class Store:
    """The engine, the tables and the one way to open a transaction."""

    def __init__(
        self, url: str, metadata: MetaData, *, upgrade: SchemaUpgrade | None = None, echo: bool = False
    ) -> None:
        self.url = url
        self.metadata = metadata
        self._upgrade = upgrade or metadata.create_all
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        self._backend: _Backend = OnLoopSqlite(parsed, echo) if self.dialect == "sqlite" else AsyncPostgres(url, echo)
        # SQLite has one writer at a time. Waiting for it on an asyncio lock costs nothing; waiting in
        # SQLite's busy handler sleeps in steps of up to 100 ms and, under load, wastes most of the time.
        self._one_writer = asyncio.Lock() if self.dialect == "sqlite" else None

    async def create_tables(self) -> None:
        """Bring the database to the schema: the service's migrations (`services.runtime.migrations`), or for a
        store without any (a test's own tables) `create_all`."""
        await self.run_sync(self._upgrade)

    async def run_sync(self, work: Callable[[Connection], T]) -> T:
        """`work` on a synchronous connection inside one transaction: for schema changes (Alembic, create_all)."""
        async with self._writer_turn():
            return await self._backend.run_sync(work)

    @asynccontextmanager
    async def transaction(self, *, durable: bool = True) -> AsyncIterator[Session]:
        """A session inside one transaction: committed on leaving, rolled back on an error. It returns once the
        commit is on disk (the next writer need not wait for that).

        `durable=False` returns at the commit, for bookkeeping whose loss in a power cut only makes work be done
        again (the outbox relay's claims and marks: an event not marked sent is published again, and consumers
        drop the copy). The next durable transaction's sync covers it."""
        async with self._writer_turn(), self._backend.begin() as session:
            yield session
        if durable:
            await self._backend.until_durable()

    @asynccontextmanager
    async def _writer_turn(self) -> AsyncIterator[None]:
        if self._one_writer is None:
            yield
            return
        try:
            async with asyncio.timeout(WRITER_WAIT_S):
                await self._one_writer.acquire()
        except TimeoutError:
            raise TimeoutError(
                f"waited {WRITER_WAIT_S} s for the SQLite writer (a transaction inside another?)"
            ) from None
        try:
            yield
        finally:
            self._one_writer.release()

    async def ping(self) -> bool:
        try:
            async with self.transaction() as session:
                await session.scalar(_SELECT_ONE)
        except Exception:
            return False
        return True

    async def close(self) -> None:
        """Close once the transaction under way, if any, has ended (on SQLite it shares the connection closed)."""
        async with self._writer_turn():
            await self._backend.dispose()


async def first_row(session: Session, statement: Select[Any], parameters: Row) -> Any | None:
    """The first row `session.fetch` gives, or None."""
    return next(iter(await session.fetch(statement, parameters)), None)


@functools.cache
def row_by_key(table: Table, column: str, *, for_update: bool = False) -> Select[Any]:
    """`SELECT * FROM table WHERE column = :key`, built once per table: building a statement costs several
    times running it, and SQLAlchemy reuses the compiled form of a statement it has seen."""
    query = select(table).where(table.c[column] == bindparam("key"))
    return query.with_for_update() if for_update else query


@functools.cache
def insert_into(table: Table) -> Insert:
    """`INSERT INTO table`, one statement object per table: SQLAlchemy remembers a statement's cache key on
    the object, so a new one per row costs the key's computation each time."""
    return insert(table)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out on every backend (SQLite keeps no zone and hands back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


_SELECT_ONE = text("SELECT 1")


class _Backend(Protocol):
    def begin(self) -> AbstractAsyncContextManager[Session]: ...

    async def until_durable(self) -> None:
        """Return once every commit made so far would survive a power cut."""
        ...

    async def run_sync(self, work: Callable[[Connection], T]) -> T: ...

    async def dispose(self) -> None: ...
