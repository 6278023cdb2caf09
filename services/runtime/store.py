"""A service's own database: SQLAlchemy 2 async on SQLite (default) or PostgreSQL (production)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Generator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite
from sqlalchemy import DateTime, Dialect, MetaData, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.types import TypeDecorator

__all__ = ["Store", "UtcDateTime"]

WRITER_WAIT_S = 30
BUSY_TIMEOUT_S = 30  # another process writing the same file (a command-line import, say)


class Store:
    """The engine, the tables and the one way to open a transaction."""

    def __init__(self, url: str, metadata: MetaData, *, echo: bool = False) -> None:
        self.url = url
        self.metadata = metadata
        self.engine: AsyncEngine = _create_engine(url, echo)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer at a time. Waiting for it on an asyncio lock costs nothing; waiting in
        # SQLite's busy handler sleeps in steps of up to 100 ms and, under load, wastes most of the time.
        self._one_writer = asyncio.Lock() if self.dialect == "sqlite" else None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def create_tables(self) -> None:
        async with self._writer_turn(), self.engine.begin() as connection:
            await connection.run_sync(self.metadata.create_all)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on leaving, rolled back on an error."""
        async with self._writer_turn(), self._sessions() as session, session.begin():
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
            async with self._writer_turn(), self.engine.connect() as connection:
                await connection.exec_driver_sql("SELECT 1")
        except Exception:
            return False
        return True

    async def close(self) -> None:
        await self.engine.dispose()


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


def _create_engine(url: str, echo: bool) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_async_engine(url, echo=echo, pool_pre_ping=True)
    database = parsed.database or ":memory:"
    if database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, echo=echo, async_creator=lambda: _OnLoopConnection(database))
    _serialize_sqlite_writers(engine)
    return engine


class _OnLoopConnection(aiosqlite.Connection):
    """aiosqlite's interface, with every call made at once on the event loop's thread.

    A statement on a local SQLite file takes microseconds; aiosqlite hands each one to a worker thread
    and back, which under load cost more than the statements and most of a core. Writers of this process
    already take turns on the Store's asyncio lock, so no call here waits for another of ours.
    """

    def __init__(self, database: str) -> None:
        super().__init__(lambda: sqlite3.connect(database, timeout=BUSY_TIMEOUT_S, isolation_level=None), 64)

    def __await__(self) -> Generator[Any, None, aiosqlite.Connection]:
        return self._connect().__await__()

    async def _connect(self) -> aiosqlite.Connection:
        if self._connection is None:
            self._connection = self._connector()
        return self

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if self._connection is None:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)

    def stop(self) -> None:
        self._running = False
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _serialize_sqlite_writers(engine: AsyncEngine) -> None:
    # SQLite's default deferred transactions fail at once with "database is locked" when two of them
    # upgrade to writing; BEGIN IMMEDIATE makes the second wait (busy_timeout) instead.
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
