"""A service's own database: SQLAlchemy 2 Core on SQLite (default) or PostgreSQL (production, async).

Handlers see one `Session` per transaction whatever the backend: `await session.execute(statement)`.
"""

from __future__ import annotations

import asyncio
import functools
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, cast

from sqlalchemy import (
    Connection,
    CursorResult,
    DateTime,
    Dialect,
    Engine,
    Executable,
    Insert,
    MetaData,
    Select,
    Table,
    bindparam,
    create_engine,
    event,
    insert,
    select,
    text,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

from services.runtime.direct_statements import raw_insert, raw_select
from services.runtime.wal_checkpoints import WalCheckpoints

__all__ = ["Row", "Session", "Store", "UtcDateTime", "first_row", "insert_into", "row_by_key"]

WRITER_WAIT_S = 30
BUSY_TIMEOUT_S = 30  # another process writing the same file (a command-line import, say)


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

    async def fetch(self, statement: Select[Any], parameters: Row) -> Sequence[Any]:
        """The rows of a SELECT built once (a hot path's), each with its columns as attributes."""
        ...


class Store:
    """The engine, the tables and the one way to open a transaction."""

    def __init__(self, url: str, metadata: MetaData, *, echo: bool = False) -> None:
        self.url = url
        self.metadata = metadata
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        self._backend: _Backend = _OnLoopSqlite(parsed, echo) if self.dialect == "sqlite" else _AsyncBackend(url, echo)
        # SQLite has one writer at a time. Waiting for it on an asyncio lock costs nothing; waiting in
        # SQLite's busy handler sleeps in steps of up to 100 ms and, under load, wastes most of the time.
        self._one_writer = asyncio.Lock() if self.dialect == "sqlite" else None

    async def create_tables(self) -> None:
        async with self._writer_turn():
            await self._backend.create_all(self.metadata)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Session]:
        """A session inside one transaction: committed on leaving, rolled back on an error."""
        async with self._writer_turn(), self._backend.begin() as session:
            yield session

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

    async def create_all(self, metadata: MetaData) -> None: ...

    async def dispose(self) -> None: ...


class _OnLoopSqlite:
    """SQLite through its synchronous driver, every statement made at once on the event loop's thread.

    A statement on a local SQLite file takes microseconds. Handing each to a worker thread (aiosqlite) and
    adapting it back through SQLAlchemy's greenlets cost several times the statement, and under load most
    of a core. Writers of this process already take turns on the Store's asyncio lock, so no statement
    here waits for another of ours.
    """

    def __init__(self, url: URL, echo: bool) -> None:
        database = url.database or ":memory:"
        if database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        pool: dict[str, Any] = {"poolclass": StaticPool} if database == ":memory:" else {}
        self.engine = create_engine(url.set(drivername="sqlite"), echo=echo, creator=lambda: _connect(database), **pool)
        self._checkpoints = WalCheckpoints(database) if database != ":memory:" else None
        _serialize_writers(self.engine, checkpoints_elsewhere=self._checkpoints is not None)
        if self._checkpoints is not None:
            self._checkpoints.start()

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[Session]:
        with self.engine.begin() as connection:
            yield _OnLoopSession(connection)

    async def create_all(self, metadata: MetaData) -> None:
        with self.engine.begin() as connection:
            metadata.create_all(connection)

    async def dispose(self) -> None:
        self.engine.dispose()
        if self._checkpoints is not None:
            self._checkpoints.stop()


def _connect(database: str) -> sqlite3.Connection:
    # Used on the loop's thread only; the pool may still close it from another at interpreter exit.
    return sqlite3.connect(database, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)


def _serialize_writers(engine: Engine, *, checkpoints_elsewhere: bool) -> None:
    # SQLite's default deferred transactions fail at once with "database is locked" when two of them
    # upgrade to writing; BEGIN IMMEDIATE makes the second wait (busy_timeout) instead.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        if checkpoints_elsewhere:
            cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # To the driver directly: through SQLAlchemy's statement machinery it cost more than the BEGIN.
        connection.connection.driver_connection.execute("BEGIN IMMEDIATE")


class _OnLoopSession:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self.dialect = connection.dialect.name

    async def execute(self, statement: Executable, parameters: Any = None) -> CursorResult[Any]:
        return self._connection.execute(statement, parameters)

    async def scalar(self, statement: Executable, parameters: Any = None) -> Any:
        return self._connection.scalar(statement, parameters)

    async def insert(self, statement: Insert, rows: Row | Sequence[Row]) -> None:
        self._insert(statement, rows if isinstance(rows, Sequence) else [rows])

    async def insert_new(self, statement: Insert, row: Row) -> bool:
        return self._insert(statement, [row]) > 0

    async def fetch(self, statement: Select[Any], parameters: Row) -> Sequence[Any]:
        raw = raw_select(statement, tuple(parameters), self._connection.dialect)
        if raw is None:
            return self._connection.execute(statement, parameters).all()
        return raw.rows(self._driver().execute(raw.sql, raw.values(parameters)).fetchall())

    def _driver(self) -> sqlite3.Connection:
        return cast(sqlite3.Connection, self._connection.connection.driver_connection)

    def _insert(self, statement: Insert, rows: Sequence[Row]) -> int:
        if not rows:
            return 0
        raw = raw_insert(statement, tuple(rows[0]), self._connection.dialect)
        if raw is None:
            return self._connection.execute(statement, rows).rowcount
        return self._driver().executemany(raw.sql, map(raw.values, rows)).rowcount


class _AsyncBackend:
    """PostgreSQL (asyncpg) through SQLAlchemy's asyncio extension."""

    def __init__(self, url: str, echo: bool) -> None:
        self.engine: AsyncEngine = create_async_engine(url, echo=echo, pool_pre_ping=True)

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[Session]:
        async with self.engine.begin() as connection:
            yield _AsyncSession(connection)

    async def create_all(self, metadata: MetaData) -> None:
        async with self.engine.begin() as connection:
            await connection.run_sync(metadata.create_all)

    async def dispose(self) -> None:
        await self.engine.dispose()


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
