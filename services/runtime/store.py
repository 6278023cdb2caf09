"""A service's own database: SQLAlchemy 2 Core on SQLite (default) or PostgreSQL (production, async).

Handlers see one `Session` per transaction whatever the backend: `await session.execute(statement)`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
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
from sqlalchemy.exc import DisconnectionError, ResourceClosedError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.types import TypeDecorator

from services.runtime.direct_statements import RawStatement, raw_change, raw_insert, raw_select
from services.runtime.session import Row, Session
from services.runtime.sqlite_on_loop import OnLoopSqlite

__all__ = ["Row", "Session", "Store", "UtcDateTime", "first_row", "insert_into", "row_by_key"]

WRITER_WAIT_S = 30
T = TypeVar("T")
R = TypeVar("R", bound=RawStatement)
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
    """PostgreSQL (asyncpg) through SQLAlchemy's asyncio extension, each transaction asyncpg's own: SQLAlchemy
    would send BEGIN with a transaction's first statement, which then could not go to the driver directly
    (`_AsyncSession`). So SQLAlchemy sends no BEGIN or COMMIT of its own (AUTOCOMMIT), and its statements run
    inside the asyncpg transaction like the rest.

    Nor does SQLAlchemy's pool roll back what a returned connection left open. So a connection whose BEGIN,
    COMMIT or ROLLBACK failed or was cancelled midway is closed, never used again: its transaction may still be
    open on the server, holding its locks, and asyncpg would take the next BEGIN on it for a savepoint."""

    def __init__(self, url: str, echo: bool) -> None:
        self.engine: AsyncEngine = create_async_engine(url, echo=echo, isolation_level="AUTOCOMMIT")
        event.listen(self.engine.sync_engine, "checkout", _refuse_closed_connection)

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[Session]:
        async with self._transaction() as (connection, driver):
            session = _AsyncSession(connection, driver)
            try:
                yield session
            finally:
                session.end()

    async def run_sync(self, work: Callable[[Connection], T]) -> T:
        async with self._transaction() as (connection, _):
            return await connection.run_sync(work)

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[tuple[AsyncConnection, Any]]:
        """A pooled connection and its asyncpg connection, in one transaction: committed on leaving, rolled back
        on an error."""
        async with self.engine.connect() as connection:
            driver: Any = (await connection.get_raw_connection()).driver_connection
            transaction = driver.transaction()
            await _or_close(transaction.start(), driver)
            try:
                yield connection, driver
            except BaseException:
                with contextlib.suppress(Exception):  # the error to tell is the first; a cancel still goes on
                    await _or_close(transaction.rollback(), driver)
                raise
            await _or_close(transaction.commit(), driver)

    async def until_durable(self) -> None:
        """PostgreSQL's COMMIT returns once it is durable (synchronous_commit, on by default)."""

    async def dispose(self) -> None:
        await self.engine.dispose()


async def _or_close(step: Awaitable[None], driver: Any) -> None:
    """A transaction's BEGIN, COMMIT or ROLLBACK; the connection is closed if it did not complete."""
    try:
        await step
    except BaseException:
        driver.terminate()
        raise


def _refuse_closed_connection(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """A connection that is closed (the server restarted or ended the backend; `_or_close`) is replaced at
    checkout, at no round trip: the pool's own ping costs three (BEGIN, an empty query, ROLLBACK). asyncpg knows
    of the server's close once the loop has read it; one it has not read yet fails its transaction's BEGIN."""
    if dbapi_connection.driver_connection.is_closed():
        raise DisconnectionError("the connection was closed by the server")


class _AsyncSession:
    """A hot path's statements (`insert`, `insert_new`, `fetch`, `change`) go straight to asyncpg
    (`direct_statements`), at less than half the CPU; the rest, and what `direct_statements` leaves to
    SQLAlchemy, go through SQLAlchemy. Both in the transaction `_AsyncBackend.begin` opened on `driver`."""

    def __init__(self, connection: AsyncConnection, driver: Any) -> None:
        self._connection = connection
        self._live_driver: Any = driver
        self.dialect = connection.dialect.name

    def end(self) -> None:
        """The transaction is over: a statement now would run outside it, maybe inside another's."""
        self._live_driver = None

    @property
    def _driver(self) -> Any:
        if self._live_driver is None:
            raise ResourceClosedError("this session's transaction has ended")
        return self._live_driver

    async def execute(self, statement: Executable, parameters: Any = None) -> CursorResult[Any]:
        return await self._connection.execute(statement, parameters)

    async def scalar(self, statement: Executable, parameters: Any = None) -> Any:
        return await self._connection.scalar(statement, parameters)

    async def insert(self, statement: Insert, rows: Row | Sequence[Row]) -> None:
        many = rows if isinstance(rows, Sequence) else [rows]
        if not many:
            return
        raw = self._direct(raw_insert(statement, tuple(many[0]), self._connection.dialect), many[0])
        if raw is None:
            await self.execute(statement, rows)
        elif len(many) == 1:
            await self._driver.execute(raw.sql, *raw.values(many[0]))
        else:
            await self._driver.executemany(raw.sql, [raw.values(row) for row in many])

    async def insert_new(self, statement: Insert, row: Row) -> bool:
        raw = self._direct(raw_insert(statement, tuple(row), self._connection.dialect), row)
        if raw is None:
            return (await self.execute(statement, row)).rowcount > 0
        return _rows_changed(await self._driver.execute(raw.sql, *raw.values(row))) > 0

    async def fetch(self, statement: Select[Any] | Update, parameters: Row) -> Sequence[Any]:
        raw = self._direct(raw_select(statement, tuple(parameters), self._connection.dialect), parameters)
        if raw is None:
            return (await self.execute(statement, parameters)).all()
        sql, values = raw.bound(parameters)
        return raw.rows(await self._driver.fetch(sql, *values))

    async def change(self, statement: Update | Delete, parameters: Row | Sequence[Row]) -> int:
        if isinstance(parameters, Sequence):
            return await self._change_many(statement, parameters)
        raw = self._direct(raw_change(statement, tuple(parameters), self._connection.dialect), parameters)
        if raw is None:
            return (await self.execute(statement, parameters)).rowcount
        sql, values = raw.bound(parameters)
        return _rows_changed(await self._driver.execute(sql, *values))

    async def _change_many(self, statement: Update | Delete, rows: Sequence[Row]) -> int:
        if not rows:
            return 0
        raw = self._direct(raw_change(statement, tuple(rows[0]), self._connection.dialect), rows[0])
        if raw is None or raw.lists:  # the latter SQLAlchemy refuses, saying why
            return (await self.execute(statement, rows)).rowcount
        await self._driver.executemany(raw.sql, [raw.values(row) for row in rows])
        return -1  # asyncpg counts no many-parameter run, as SQLAlchemy on it

    @staticmethod
    def _direct(raw: R | None, parameters: Row) -> R | None:
        """`raw` unless a list in it is empty: PostgreSQL refuses `IN ()`, where SQLAlchemy writes another form."""
        return None if raw is None or raw.has_empty_list(parameters) else raw


def _rows_changed(status: str) -> int:
    """The row count of asyncpg's command status (`UPDATE 2`, `INSERT 0 1`)."""
    return int(status.rsplit(" ", 1)[1])
