"""A service's own database: SQLAlchemy 2 Core on SQLite (default) or PostgreSQL (production, async).

Handlers see one `Session` per transaction whatever the backend: `await session.execute(statement)`.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import (
    Connection,
    CursorResult,
    DateTime,
    Delete,
    Dialect,
    Executable,
    Insert,
    MetaData,
    Select,
    Table,
    Update,
    bindparam,
    event,
    insert,
    select,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.types import TypeDecorator

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
        self._backend: _Backend = OnLoopSqlite(parsed, echo) if self.dialect == "sqlite" else _AsyncBackend(url, echo)
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


class _AsyncBackend:
    """PostgreSQL (asyncpg) through SQLAlchemy's asyncio extension."""

    def __init__(self, url: str, echo: bool) -> None:
        self.engine: AsyncEngine = create_async_engine(url, echo=echo)
        event.listen(self.engine.sync_engine, "checkout", _refuse_closed_connection)

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[Session]:
        async with self.engine.begin() as connection:
            yield _AsyncSession(connection)

    async def run_sync(self, work: Callable[[Connection], T]) -> T:
        async with self.engine.begin() as connection:
            return await connection.run_sync(work)

    async def until_durable(self) -> None:
        """PostgreSQL's COMMIT returns once it is durable (synchronous_commit, on by default)."""

    async def dispose(self) -> None:
        await self.engine.dispose()


def _refuse_closed_connection(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """A connection the server has closed (a restart, a terminated backend) is replaced at checkout, at no
    round trip: the pool's own ping costs three (BEGIN, an empty query, ROLLBACK). asyncpg knows of the close
    once the loop has read it; one it has not read yet fails its first statement, which invalidates the pool."""
    if dbapi_connection.driver_connection.is_closed():
        raise DisconnectionError("the connection was closed by the server")


class _AsyncSession:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection
        self.dialect = connection.dialect.name

    async def execute(self, statement: Executable, parameters: Any = None) -> CursorResult[Any]:
        return await self._connection.execute(statement, parameters)

    async def scalar(self, statement: Executable, parameters: Any = None) -> Any:
        return await self._connection.scalar(statement, parameters)

    async def insert(self, statement: Insert, rows: Row | Sequence[Row]) -> None:
        if not isinstance(rows, Sequence) or rows:
            await self._connection.execute(statement, rows)

    async def insert_new(self, statement: Insert, row: Row) -> bool:
        return (await self._connection.execute(statement, row)).rowcount > 0

    async def fetch(self, statement: Select[Any], parameters: Row) -> Sequence[Any]:
        return (await self._connection.execute(statement, parameters)).all()

    async def change(self, statement: Update | Delete, parameters: Row | Sequence[Row]) -> int:
        if isinstance(parameters, Sequence) and not parameters:
            return 0
        return (await self._connection.execute(statement, parameters)).rowcount
