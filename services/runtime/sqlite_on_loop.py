"""SQLite through its synchronous driver, every statement made at once on the event loop's thread.

The SQLite backend of `services.runtime.store.Store`; handlers see it only as a `Session`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar, cast

from sqlalchemy import (
    Connection,
    CursorResult,
    Delete,
    Engine,
    Executable,
    Insert,
    Select,
    Update,
    create_engine,
    event,
)
from sqlalchemy.engine import URL
from sqlalchemy.pool import StaticPool

from services.runtime.direct_statements import raw_change, raw_insert, raw_select
from services.runtime.session import Row, WhileTransactionLasts
from services.runtime.wal_checkpoints import WalCheckpoints
from services.runtime.wal_sync import WalSync

__all__ = ["OnLoopSqlite"]

T = TypeVar("T")
BUSY_TIMEOUT_S = 30  # another process writing the same file (a command-line import, say)
DRIVER_TRANSACTIONS = "dutywatch_driver_transactions"


class OnLoopSqlite:
    """A statement on a local SQLite file takes microseconds. Handing each to a worker thread (aiosqlite) and
    adapting it back through SQLAlchemy's greenlets cost several times the statement, and under load most
    of a core. Writers of this process already take turns on the Store's asyncio lock, so no statement
    here waits for another of ours.
    """

    def __init__(self, url: URL, echo: bool) -> None:
        database = url.database or ":memory:"
        in_memory = database == ":memory:"
        if not in_memory:
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        pool: dict[str, Any] = {"poolclass": StaticPool} if in_memory else {}
        self.engine = create_engine(url.set(drivername="sqlite"), echo=echo, creator=lambda: _connect(database), **pool)
        _serialize_writers(self.engine, checkpoints_elsewhere=not in_memory)
        self._checkpoints = None if in_memory else WalCheckpoints(database)
        if self._checkpoints is not None:
            self._checkpoints.start()
        self._wal_sync = None if in_memory else WalSync(database)
        self._connection: Connection | None = None

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[_OnLoopSession]:
        """A transaction begun and ended on the driver, on one connection kept open. Through SQLAlchemy's
        `Engine.begin` (a checkout from the pool, its events, its commit) a one-insert `Store.transaction` took
        about 180 µs of CPU, this way about 75 µs. Statements SQLAlchemy must run still go through that connection."""
        connection = self._kept_connection()
        driver = _driver_of(connection)
        driver.execute("BEGIN IMMEDIATE")
        changes_before = driver.total_changes
        session = _OnLoopSession(connection)
        try:
            yield session
            driver.execute("COMMIT")
        except BaseException:
            if connection.invalidated:  # SQLAlchemy closed the driver under it (an exit exception, a disconnect)
                self._forget_connection()
            elif driver.in_transaction:  # an error such as a full disk has rolled it back already
                driver.execute("ROLLBACK")
            raise
        finally:
            session.end()
        if driver.total_changes != changes_before and self._wal_sync is not None:
            self._wal_sync.wrote()

    def _kept_connection(self) -> Connection:
        if self._connection is None:
            self._connection = self.engine.connect().execution_options(**{DRIVER_TRANSACTIONS: True})
            # SQLAlchemy's own transaction on it, begun once and never ended (the begin listener sends nothing
            # for it): outside one, a statement of SQLAlchemy's that failed would roll the driver's back.
            self._connection.begin()
        return self._connection

    def _forget_connection(self) -> None:
        # Between transactions, or invalidated under one: closing sends nothing the driver has not ended already.
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    async def until_durable(self) -> None:
        """Every commit made so far is on disk once this returns (`services/runtime/wal_sync.py`)."""
        if self._wal_sync is not None:
            await self._wal_sync.until_durable()

    async def run_sync(self, work: Callable[[Connection], T]) -> T:
        with self.engine.begin() as connection:
            return work(connection)

    async def dispose(self) -> None:
        self._forget_connection()
        self.engine.dispose()
        if self._checkpoints is not None:
            self._checkpoints.stop()
        if self._wal_sync is not None:
            self._wal_sync.stop()


def _driver_of(connection: Connection) -> sqlite3.Connection:
    return cast(sqlite3.Connection, connection.connection.driver_connection)


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
        # The log is synced after the commit, off the loop, before the transaction returns (WalSync).
        cursor.execute("PRAGMA synchronous=NORMAL")
        if checkpoints_elsewhere:
            cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # To the driver directly: through SQLAlchemy's statement machinery it cost more than the BEGIN. The
        # connection `begin` keeps has its transactions begun by `begin` itself.
        if not connection.get_execution_options().get(DRIVER_TRANSACTIONS):
            _driver_of(connection).execute("BEGIN IMMEDIATE")


class _OnLoopSession:
    def __init__(self, connection: Connection) -> None:
        self._held = WhileTransactionLasts(connection)
        self._sql_dialect = connection.dialect
        self.dialect = connection.dialect.name

    def end(self) -> None:
        """The transaction is over: a statement now would run outside it, on the connection kept open."""
        self._held.end()

    @property
    def _connection(self) -> Connection:
        connection = self._held.get()
        if not _driver_of(connection).in_transaction:
            # SQLite rolled the whole transaction back (ON CONFLICT ROLLBACK, a full disk): a statement now would
            # commit on its own, a part of what was to commit whole.
            raise sqlite3.OperationalError("the transaction was rolled back by an earlier error: nothing more runs")
        return connection

    async def execute(self, statement: Executable, parameters: Any = None) -> CursorResult[Any]:
        return self._connection.execute(statement, parameters)

    async def scalar(self, statement: Executable, parameters: Any = None) -> Any:
        return self._connection.scalar(statement, parameters)

    async def insert(self, statement: Insert, rows: Row | Sequence[Row]) -> None:
        self._insert(statement, rows if isinstance(rows, Sequence) else [rows])

    async def insert_new(self, statement: Insert, row: Row) -> bool:
        return self._insert(statement, [row]) > 0

    async def fetch(self, statement: Select[Any] | Update, parameters: Row) -> Sequence[Any]:
        raw = raw_select(statement, tuple(parameters), self._sql_dialect)
        if raw is None:
            return self._connection.execute(statement, parameters).all()
        return raw.rows(self._driver().execute(*raw.bound(parameters)).fetchall())

    async def change(self, statement: Update | Delete, parameters: Row | Sequence[Row]) -> int:
        if isinstance(parameters, Sequence):
            return self._change_many(statement, parameters)
        raw = raw_change(statement, tuple(parameters), self._sql_dialect)
        if raw is None:
            return self._connection.execute(statement, parameters).rowcount
        return self._driver().execute(*raw.bound(parameters)).rowcount

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        driver = self._driver()
        driver.execute("SAVEPOINT part")
        try:
            yield
        except BaseException:
            if driver.in_transaction:  # else SQLite rolled back the whole transaction: nothing to undo here
                driver.execute("ROLLBACK TO part")
                driver.execute("RELEASE part")
            raise
        driver.execute("RELEASE part")

    def _driver(self) -> sqlite3.Connection:
        return _driver_of(self._connection)

    def _change_many(self, statement: Update | Delete, rows: Sequence[Row]) -> int:
        if not rows:
            return 0
        raw = raw_change(statement, tuple(rows[0]), self._sql_dialect)
        if raw is None or raw.lists:  # the latter SQLAlchemy refuses, saying why
            return self._connection.execute(statement, rows).rowcount
        return self._driver().executemany(raw.sql, map(raw.values, rows)).rowcount

    def _insert(self, statement: Insert, rows: Sequence[Row]) -> int:
        if not rows:
            return 0
        raw = raw_insert(statement, tuple(rows[0]), self._sql_dialect)
        if raw is None:
            return self._connection.execute(statement, rows).rowcount
        return self._driver().executemany(raw.sql, map(raw.values, rows)).rowcount
