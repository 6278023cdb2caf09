"""SQLite's checkpoints run on their own thread: commits on the event loop never copy the log back.

A page reaches the database file only when a checkpoint copies it there from the log, so the file's size
tells what was checkpointed without checkpointing anything itself.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, String, Table, insert, text

from services.runtime.store import Store
from services.runtime.wal_checkpoints import WalCheckpoints
from testbed.polling import eventually_blocking

metadata = MetaData()
notes = Table("notes", metadata, Column("id", Integer, primary_key=True), Column("text", String(4000)))
PAGE = 4096
ROW = "x" * (PAGE - 200)  # a page a row


def pages_in_file(database: Path) -> int:
    return database.stat().st_size // PAGE


def grows_to(database: Path, pages: int) -> bool:
    """Whether the checkpoint thread has copied the log into the file up to `pages` pages (within 5 s)."""
    return eventually_blocking(lambda: pages_in_file(database) >= pages, 5.0, what=f"{database.name} at {pages} pages")


async def test_the_store_commits_without_checkpointing_and_its_thread_copies_the_log(tmp_path: Path) -> None:
    database = tmp_path / "service.sqlite3"
    store = Store(f"sqlite:///{database}", metadata)
    await store.create_tables()
    try:
        async with store.transaction() as session:
            assert await session.scalar(text("PRAGMA wal_autocheckpoint")) == 0
            assert await session.scalar(text("PRAGMA journal_mode")) == "wal"
        for n in range(1200):
            async with store.transaction() as session:
                await session.execute(insert(notes), {"id": n, "text": ROW})
        assert grows_to(database, 1200)
    finally:
        await store.close()


def test_the_thread_copies_the_log_while_a_writer_goes_on_and_once_more_when_stopped(tmp_path: Path) -> None:
    database = tmp_path / "busy.sqlite3"
    writer = sqlite3.connect(database, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("CREATE TABLE t (n INTEGER, text TEXT)")
    checkpoints = WalCheckpoints(str(database), every_s=0.02)
    checkpoints.start()
    try:
        for n in range(300):
            writer.execute("INSERT INTO t VALUES (?, ?)", (n, ROW))
        assert grows_to(database, 300)
        checkpoints.stop()
        for n in range(300, 400):
            writer.execute("INSERT INTO t VALUES (?, ?)", (n, ROW))
        assert pages_in_file(database) < 400
        last = WalCheckpoints(str(database), every_s=60)
        last.start()
        last.stop()
        assert pages_in_file(database) >= 400
    finally:
        checkpoints.stop()
        writer.close()
