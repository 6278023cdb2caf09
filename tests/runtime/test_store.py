"""The store: one transaction per `transaction()`, committed or rolled back whole, on every backend."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Column, MetaData, String, Table, insert, select

from services.runtime.store import Store

metadata = MetaData()
names = Table("names", metadata, Column("name", String(20), primary_key=True))


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


async def test_an_in_memory_database_keeps_its_rows_between_transactions() -> None:
    store = Store("sqlite://", metadata)
    await store.create_tables()
    async with store.transaction() as session:
        await session.execute(insert(names), {"name": "x"})
    assert await stored(store) == {"x"}
    await store.close()
