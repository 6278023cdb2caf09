"""The store: one transaction per `transaction()`, committed or rolled back whole, on every backend."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Dialect,
    Integer,
    MetaData,
    String,
    Table,
    TypeDecorator,
    bindparam,
    delete,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError, ResourceClosedError, StatementError

from services.runtime.store import Store, UtcDateTime, insert_into

metadata = MetaData()
names = Table("names", metadata, Column("name", String(20), primary_key=True))


def facts_table(name: str) -> Table:
    return Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("at", UtcDateTime(), nullable=True),
        Column("data", JSON, nullable=True),
        Column("note", String(20), nullable=True),
        Column("flag", Boolean, nullable=False, default=False),
    )


facts, twin = facts_table("facts"), facts_table("facts_twin")


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    store = Store(database_url, metadata)
    await store.create_tables()
    yield store
    await store.close()


async def stored(store: Store) -> set[str]:
    async with store.transaction() as session:
        return set((await session.execute(select(names.c.name))).scalars())


async def test_a_transaction_that_fails_leaves_nothing(store: Store) -> None:
    """An error inside the transaction undoes every statement of it; the next transaction starts clean."""
    with pytest.raises(RuntimeError):
        async with store.transaction() as session:
            await session.execute(insert(names), [{"name": "a"}, {"name": "b"}])
            raise RuntimeError("the handler failed")
    async with store.transaction() as session:
        await session.execute(insert(names), {"name": "c"})
    assert await stored(store) == {"c"}
    assert await store.ping()


async def terminate_backend(url: str, backend: int) -> None:
    admin = Store(url, MetaData())
    try:
        async with admin.transaction() as session:
            await session.scalar(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": backend})
    finally:
        await admin.close()
    await asyncio.sleep(0.2)  # the backend has exited; the loop reads the close from the client's socket


async def test_connections_the_server_closed_are_replaced_without_a_failed_transaction(postgres_url: str) -> None:
    """A restarted server or a terminated backend closes pooled connections; the next transaction gets a new one."""
    store = Store(postgres_url, metadata)
    try:
        await store.create_tables()
        async with store.transaction() as session:
            first_backend = await session.scalar(text("SELECT pg_backend_pid()"))
            await session.execute(insert(names), {"name": "before"})
        await terminate_backend(postgres_url, first_backend)
        async with store.transaction() as session:
            await session.execute(insert(names), {"name": "after"})
            assert await session.scalar(text("SELECT pg_backend_pid()")) != first_backend
        assert await stored(store) == {"before", "after"}
    finally:
        await store.close()


@pytest.mark.parametrize("scheme", ["sqlite", "sqlite+aiosqlite", "sqlite+pysqlite"])
async def test_every_sqlite_url_form_opens_the_same_file(tmp_path: Path, scheme: str) -> None:
    """URLs written for the earlier driver keep working: the file is what counts."""
    path = tmp_path / "store.sqlite3"
    first = Store(f"sqlite:///{path}", metadata)
    await first.create_tables()
    async with first.transaction() as session:
        await session.execute(insert(names), {"name": "kept"})
    await first.close()
    again = Store(f"{scheme}:///{path}", metadata)
    assert await stored(again) == {"kept"}
    await again.close()


class DiskSyncs:
    """Stands in for the operating system's fsync: notes which file was synced, and whether `marker` was in the
    write-ahead log at that moment, then syncs it for real."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, marker: bytes) -> None:
        self.synced: list[tuple[str, bool]] = []
        self._marker = marker
        self._fsync = os.fsync
        monkeypatch.setattr(os, "fsync", self)

    def __call__(self, descriptor: int) -> None:
        path = os.readlink(f"/proc/self/fd/{descriptor}")
        self.synced.append((path, path.endswith("-wal") and self._marker in Path(path).read_bytes()))
        self._fsync(descriptor)


@pytest.fixture
async def file_store(tmp_path: Path) -> AsyncIterator[Store]:
    """A store on a SQLite file of its own (the tests' `store` may be PostgreSQL)."""
    store = Store(f"sqlite:///{tmp_path / 'durable.sqlite3'}", metadata)
    await store.create_tables()
    yield store
    await store.close()


async def test_a_sqlite_transaction_returns_once_its_commit_is_on_disk(
    file_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A commit that wrote is synced (its write-ahead log) before `transaction()` returns; a read syncs nothing."""
    store = file_store
    syncs = DiskSyncs(monkeypatch, marker=b"answered-201")
    async with store.transaction() as session:
        await session.execute(insert(names), {"name": "answered-201"})
    assert syncs.synced == [(str(tmp_path / "durable.sqlite3-wal"), True)]
    assert await stored(store) == {"answered-201"}
    assert len(syncs.synced) == 1


async def test_a_transaction_that_need_not_be_durable_leaves_its_sync_to_the_next_one(
    file_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bookkeeping that a power cut may undo returns at its commit; the next durable commit syncs both."""
    store = file_store
    syncs = DiskSyncs(monkeypatch, marker=b"claimed")
    async with store.transaction(durable=False) as session:
        await session.execute(insert(names), {"name": "claimed"})
    assert syncs.synced == []
    async with store.transaction() as session:
        await session.execute(insert(names), {"name": "answered"})
    assert syncs.synced == [(str(tmp_path / "durable.sqlite3-wal"), True)]


async def test_commits_made_while_a_sync_runs_share_the_next_one(
    file_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Twenty writers at once: each returns durable, and the log is synced far fewer than twenty times."""
    store = file_store
    syncs = DiskSyncs(monkeypatch, marker=b"writer-19")

    async def write(n: int) -> None:
        async with store.transaction() as session:
            await session.execute(insert(names), {"name": f"writer-{n}"})

    await asyncio.gather(*(write(n) for n in range(20)))
    assert 1 <= len(syncs.synced) < 20
    assert syncs.synced[-1][1]


async def test_a_failed_sync_is_the_writers_error_and_the_next_commit_syncs_again(
    file_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A log that could not be synced is never reported durable: the writer gets the disk's error (a request
    answers 500, so its sender tries again); the next writer's sync covers both commits."""
    store = file_store
    real_fsync = os.fsync

    def failing(descriptor: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", failing)
    with pytest.raises(OSError, match="Input/output error"):
        async with store.transaction() as session:
            await session.execute(insert(names), {"name": "unconfirmed"})
    monkeypatch.setattr(os, "fsync", real_fsync)
    syncs = DiskSyncs(monkeypatch, marker=b"unconfirmed")
    async with store.transaction() as session:
        await session.execute(insert(names), {"name": "confirmed"})
    assert syncs.synced[-1][1]
    assert await stored(store) == {"unconfirmed", "confirmed"}


async def test_closing_a_store_ends_its_syncing_thread(tmp_path: Path) -> None:
    database = tmp_path / "closing.sqlite3"
    store = Store(f"sqlite:///{database}", metadata)
    await store.create_tables()
    async with store.transaction() as session:
        await session.execute(insert(names), {"name": "x"})
    syncing = f"wal-sync {database}"
    assert syncing in {thread.name for thread in threading.enumerate()}
    await store.close()
    assert syncing not in {thread.name for thread in threading.enumerate()}


async def test_a_failed_statement_of_sqlalchemys_first_on_a_new_store_undoes_only_its_savepoint(
    tmp_path: Path,
) -> None:
    """The statement SQLAlchemy runs (`execute`) fails before it reaches the driver, the first of its kind on the
    store's connection: only the savepoint around it is undone, and the transaction commits whole."""
    store = Store(f"sqlite:///{tmp_path / 'fresh.sqlite3'}", metadata)
    await store.create_tables()
    async with store.transaction() as session:
        await session.insert(insert_into(names), {"name": "before"})
        with pytest.raises(StatementError):
            async with session.savepoint():
                await session.execute(insert(names).values(name=bindparam("missing")), {})
        await session.insert(insert_into(names), {"name": "after"})
    assert await stored(store) == {"before", "after"}
    await store.close()


class Interrupting(TypeDecorator[str]):
    """A value whose conversion is interrupted, as a second Ctrl-C under `asyncio.run` would be mid-statement."""

    impl = String(20)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value == "interrupt":
            raise KeyboardInterrupt
        return value


async def test_an_exit_exception_in_a_statement_of_sqlalchemys_is_raised_as_itself_and_the_store_goes_on(
    tmp_path: Path,
) -> None:
    """SQLAlchemy closes the connection under such an exception: the store raises it unchanged, loses the
    transaction whole, and opens a new connection for the next one."""
    interrupted = MetaData()
    words = Table("words", interrupted, Column("word", Interrupting(), primary_key=True))
    store = Store(f"sqlite:///{tmp_path / 'interrupted.sqlite3'}", interrupted)
    await store.create_tables()
    with pytest.raises(KeyboardInterrupt):
        async with store.transaction() as session:
            await session.insert(insert_into(words), {"word": "lost"})
            await session.execute(insert(words), {"word": "interrupt"})
    async with store.transaction() as session:
        await session.insert(insert_into(words), {"word": "after"})
    async with store.transaction() as session:
        assert set((await session.execute(select(words.c.word))).scalars()) == {"after"}
    await store.close()


async def test_a_transaction_sqlite_rolled_back_whole_commits_no_part_of_itself(tmp_path: Path) -> None:
    """An `OR ROLLBACK` conflict inside a savepoint ends the whole transaction in SQLite: a later step of the
    same transaction runs nothing on its own, and the transaction fails."""
    store = Store(f"sqlite:///{tmp_path / 'rolled-back.sqlite3'}", metadata)
    await store.create_tables()
    with pytest.raises(sqlite3.OperationalError):
        async with store.transaction() as session:
            await session.insert(insert_into(names), {"name": "batch"})
            with pytest.raises(IntegrityError):
                async with session.savepoint():
                    await session.execute(insert(names).prefix_with("OR ROLLBACK"), {"name": "batch"})
            async with session.savepoint():
                await session.insert(insert_into(names), {"name": "later-step"})
    assert await stored(store) == set()
    await store.close()


async def test_closing_a_store_lets_the_transaction_under_way_finish(tmp_path: Path) -> None:
    """A writer between two statements when the service stops still commits both: the store closes after it."""
    store = Store(f"sqlite:///{tmp_path / 'stopping.sqlite3'}", metadata)
    await store.create_tables()
    between = asyncio.Event()

    async def writer() -> None:
        async with store.transaction() as session:
            await session.insert(insert_into(names), {"name": "first"})
            between.set()
            await asyncio.sleep(0.05)
            await session.insert(insert_into(names), {"name": "second"})

    writing = asyncio.create_task(writer())
    await between.wait()
    await store.close()
    await writing
    again = Store(f"sqlite:///{tmp_path / 'stopping.sqlite3'}", metadata)
    assert await stored(again) == {"first", "second"}
    await again.close()


async def test_an_in_memory_database_keeps_its_rows_between_transactions() -> None:
    store = Store("sqlite://", metadata)
    await store.create_tables()
    async with store.transaction() as session:
        await session.execute(insert(names), {"name": "x"})
    assert await stored(store) == {"x"}
    await store.close()


FACT_ROWS: list[dict[str, Any]] = [
    {"at": datetime(2026, 12, 1, 8, 30, tzinfo=timezone(timedelta(hours=8))), "data": {"k": [1, "二"]}, "note": "x"},
    {"at": None, "data": None, "note": None},
    {"at": datetime(2026, 12, 1, 0, 0, tzinfo=UTC), "data": [], "note": "y", "flag": True},
]


async def test_insert_stores_what_sqlalchemys_own_insert_stores(store: Store) -> None:
    """`Session.insert` (straight to the driver) writes every kind of value as SQLAlchemy does,
    column defaults included, one row or many."""
    async with store.transaction() as session:
        for row in FACT_ROWS[:2]:
            await session.insert(insert_into(facts), row)
        await session.insert(insert_into(facts), FACT_ROWS[2:] * 2)
        await session.insert(insert_into(facts), [])
        for row in FACT_ROWS[:2] + FACT_ROWS[2:] * 2:
            await session.execute(insert(twin), row)
    async with store.transaction() as session:
        ours = (await session.execute(select(facts).order_by(facts.c.id))).all()
        theirs = (await session.execute(select(twin).order_by(twin.c.id))).all()
    assert ours == theirs
    assert ours[0].at == datetime(2026, 12, 1, 0, 30, tzinfo=UTC)
    assert [row.flag for row in ours] == [False, False, True, True]


async def test_insert_new_tells_whether_an_on_conflict_left_the_row_out(store: Store) -> None:
    once = {"postgresql": postgresql_insert(names), "sqlite": sqlite_insert(names)}[store.dialect]
    statement = once.on_conflict_do_nothing()
    async with store.transaction() as session:
        assert await session.insert_new(statement, {"name": "a"})
        assert not await session.insert_new(statement, {"name": "a"})
        assert await session.insert_new(statement, {"name": "b"})
    assert await stored(store) == {"a", "b"}


@pytest.mark.parametrize(
    ("query", "parameters"),
    [
        (select(facts).where(facts.c.note == bindparam("note")), {"note": "y"}),
        (
            select(facts).where(facts.c.at >= bindparam("since")).order_by(facts.c.id).limit(1),
            {"since": FACT_ROWS[0]["at"]},
        ),
        (select(facts.c.id, facts.c.data).where(facts.c.flag.is_(False), facts.c.note != "x"), {}),
        (select(facts.c.note).where(facts.c.id.in_(bindparam("ids", expanding=True))), {"ids": [1, 3]}),
        (
            select(facts.c.id).where(facts.c.note.in_(("x", "y")), facts.c.at.in_(bindparam("ats", expanding=True))),
            {"ats": [FACT_ROWS[0]["at"], FACT_ROWS[2]["at"]]},
        ),
    ],
)
async def test_fetch_gives_the_rows_sqlalchemy_gives(store: Store, query: Any, parameters: dict[str, Any]) -> None:
    """`Session.fetch` (straight to the driver where it can) reads values back as SQLAlchemy does."""
    async with store.transaction() as session:
        await session.insert(insert_into(facts), FACT_ROWS)
    async with store.transaction() as session:
        fetched = await session.fetch(query, parameters)
        expected = (await session.execute(query, parameters)).all()
    assert [tuple(row) for row in fetched] == [tuple(row) for row in expected]
    assert fetched
    assert [dict(row._mapping) for row in fetched] == [dict(row._mapping) for row in expected]


def _changes(table: Table) -> list[tuple[Any, Any]]:
    columns = table.c
    return [
        (update(table).where(columns.id == bindparam("key")), {"key": 1, "note": "z", "at": FACT_ROWS[2]["at"]}),
        (update(table).where(columns.id.in_(bindparam("ids", expanding=True))).values(flag=True), {"ids": [2, 3]}),
        (update(table).where(columns.id.in_(bindparam("ids", expanding=True))).values(note="never"), {"ids": []}),
        (
            update(table).where(columns.id == bindparam("key")).values(note=bindparam("new")),
            [{"key": 2, "new": "a"}, {"key": 3, "new": "b"}, {"key": 9, "new": "c"}],
        ),
        (
            update(table).where(columns.note.in_(("a", "b")), columns.id.in_(bindparam("ids", expanding=True))),
            {"ids": [2, 3, 9], "data": {"n": 1}},
        ),
        (delete(table).where(columns.id.in_(bindparam("ids", expanding=True))), {"ids": [1, 9]}),
    ]


async def test_change_changes_what_sqlalchemy_changes(store: Store) -> None:
    """`Session.change` (straight to the driver where it can) updates and deletes the rows SQLAlchemy
    does, list parameters and many sets of parameters included, and counts them the same."""
    async with store.transaction() as session:
        await session.insert(insert_into(facts), FACT_ROWS)
        await session.insert(insert_into(twin), FACT_ROWS)
    async with store.transaction() as session:
        counted = [await session.change(statement, parameters) for statement, parameters in _changes(facts)]
        expected = [(await session.execute(statement, parameters)).rowcount for statement, parameters in _changes(twin)]
        ours = (await session.execute(select(facts).order_by(facts.c.id))).all()
        theirs = (await session.execute(select(twin).order_by(twin.c.id))).all()
    many = 2 if store.dialect == "sqlite" else -1  # asyncpg counts no many-parameter run, as DB-API allows
    assert counted == expected == [1, 2, 0, many, 2, 1]
    async with store.transaction() as session:
        with pytest.raises(StatementError, match="expanding"):
            await session.change(_changes(facts)[1][0], [{"ids": [1]}, {"ids": [2]}])
    assert ours == theirs
    assert [(row.note, row.flag, row.data) for row in ours] == [("a", True, {"n": 1}), ("b", True, {"n": 1})]


async def test_statements_straight_to_the_driver_commit_and_roll_back_with_their_transaction(store: Store) -> None:
    """On PostgreSQL, `insert`, `change` and `fetch` go to asyncpg directly and `execute` through SQLAlchemy:
    each sees what the others wrote in the transaction, and none of it stays when the transaction fails."""
    gone = delete(names).where(names.c.name.in_(bindparam("gone", expanding=True)))
    with pytest.raises(RuntimeError, match="undone"):
        async with store.transaction() as session:
            await session.insert(insert_into(names), [{"name": "a"}, {"name": "b"}])
            await session.execute(insert(names), {"name": "x"})
            assert await session.change(gone, {"gone": ["a", "x"]}) == 2
            assert [row.name for row in await session.fetch(select(names.c.name), {})] == ["b"]
            assert set((await session.execute(select(names.c.name))).scalars()) == {"b"}
            raise RuntimeError("undone")
    assert await stored(store) == set()
    async with store.transaction() as session:
        await session.insert(insert_into(names), {"name": "c"})
        assert await session.change(gone, {"gone": []}) == 0
    assert await stored(store) == {"c"}


class CancelOn:
    """Cancels the task that sends a given command (BEGIN, COMMIT, ROLLBACK) on asyncpg, once: just before it
    goes out, or as it goes out, so that its answer is never read. A service stopping, or a timeout, at the
    worst moment."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.command: str | None = None
        self.before_sending = False
        self.task: asyncio.Task[Any] | None = None
        sent = asyncpg.connection.Connection.execute

        async def execute(connection: Any, query: str, *args: Any, **kwargs: Any) -> Any:
            if self.task is not None and query.split()[0].rstrip(";") == self.command:
                task, self.task = self.task, None
                if self.before_sending:
                    task.cancel()
                    await asyncio.sleep(0)
                asyncio.get_running_loop().call_soon(task.cancel)
            return await sent(connection, query, *args, **kwargs)

        monkeypatch.setattr(asyncpg.connection.Connection, "execute", execute)

    async def run(self, command: str, before_sending: bool, work: Callable[[], Awaitable[None]]) -> None:
        task = asyncio.create_task(work())
        self.command, self.before_sending, self.task = command, before_sending, task
        with pytest.raises(asyncio.CancelledError):
            await task


async def open_transactions(url: str) -> int:
    """Backends of the database idle inside a transaction (one a pooled connection left open)."""
    admin = Store(url, MetaData())
    try:
        async with admin.transaction() as session:
            query = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in%'"
            return int(await session.scalar(text(query)))
    finally:
        await admin.close()


@pytest.mark.parametrize("before_sending", [True, False], ids=["before sending", "while sending"])
@pytest.mark.parametrize("command", ["BEGIN", "COMMIT", "ROLLBACK"])
async def test_a_transaction_cancelled_midway_leaves_no_connection_that_loses_later_writes(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch, command: str, before_sending: bool
) -> None:
    """A cancel that lands while BEGIN, COMMIT or ROLLBACK is on its way leaves the connection's transaction in an
    unknown state: it is closed, so later transactions commit on a good one, and no transaction stays open."""
    store = Store(postgres_url, metadata)
    cancel = CancelOn(monkeypatch)
    try:
        await store.create_tables()

        async def write_then_fail_if_rolling_back() -> None:
            async with store.transaction() as session:
                await session.insert(insert_into(names), {"name": "cancelled"})
                if command == "ROLLBACK":
                    raise RuntimeError("the handler failed")

        await cancel.run(command, before_sending, write_then_fail_if_rolling_back)
        for name in ("after", "and after"):
            async with store.transaction() as session:
                await session.insert(insert_into(names), {"name": name})
        assert await stored(store) - {"cancelled"} == {"after", "and after"}
        assert await open_transactions(postgres_url) == 0
    finally:
        await store.close()


async def test_a_statement_cancelled_inside_a_transaction_ends_it_as_cancelled(postgres_url: str) -> None:
    """Cancelled mid-statement (through SQLAlchemy or straight to the driver), the task ends cancelled, not with
    the error of the rollback after it, and the store goes on."""
    store = Store(postgres_url, metadata)
    try:
        await store.create_tables()
        slow = select(names.c.name).where(text("pg_sleep(5) IS NOT NULL"))
        for run_slowly in (lambda session: session.execute(slow), lambda session: session.fetch(slow, {})):

            async def slow_transaction(run_slowly: Callable[[Any], Awaitable[Any]] = run_slowly) -> None:
                async with store.transaction() as session:
                    await session.insert(insert_into(names), {"name": "undone"})
                    await run_slowly(session)

            task = asyncio.create_task(slow_transaction())
            await asyncio.sleep(0.3)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        async with store.transaction() as session:
            await session.insert(insert_into(names), {"name": "after"})
        assert await stored(store) == {"after"}
    finally:
        await store.close()


async def test_a_session_used_after_its_transaction_refuses(store: Store) -> None:
    """A session kept past its transaction runs nothing: on PostgreSQL its statement would otherwise go to a
    connection back in the pool, outside any transaction or inside another task's."""
    async with store.transaction() as session:
        await session.insert(insert_into(names), {"name": "a"})
    with pytest.raises(ResourceClosedError):
        await session.insert(insert_into(names), {"name": "b"})
    with pytest.raises(ResourceClosedError):
        await session.fetch(select(names.c.name), {})
    assert await stored(store) == {"a"}
