"""PostgreSQL through SQLAlchemy's asyncio extension and asyncpg, each transaction asyncpg's own.

The PostgreSQL backend of `services.runtime.store.Store`; handlers see it only as a `Session`.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, CursorResult, Delete, Executable, Insert, Select, Update, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from services.runtime.direct_statements import RawStatement, raw_change, raw_insert, raw_select
from services.runtime.session import Row, Session, WhileTransactionLasts

__all__ = ["AsyncPostgres"]

T = TypeVar("T")
R = TypeVar("R", bound=RawStatement)


class AsyncPostgres:
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
    SQLAlchemy, go through SQLAlchemy. Both in the transaction `AsyncPostgres.begin` opened on `driver`."""

    def __init__(self, connection: AsyncConnection, driver: Any) -> None:
        self._connection = connection
        self._held: WhileTransactionLasts[Any] = WhileTransactionLasts(driver)
        self.dialect = connection.dialect.name

    def end(self) -> None:
        """The transaction is over: a statement now would run outside it, maybe inside another's."""
        self._held.end()

    @property
    def _driver(self) -> Any:
        return self._held.get()

    async def execute(self, statement: Executable, parameters: Any = None) -> CursorResult[Any]:
        return await self._connection.execute(statement, parameters)

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        async with self._driver.transaction():  # inside the open transaction, asyncpg makes it a savepoint
            yield

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
