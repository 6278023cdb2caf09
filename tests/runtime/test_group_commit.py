"""Group commit on every store backend: requests that arrive together share one transaction."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import Column, MetaData, String, Table, insert, select
from sqlalchemy.exc import IntegrityError

from services.runtime.group_commit import GroupCommit
from services.runtime.store import Session, Store


class Rows:
    """A table of names and a count of the transactions opened on it."""

    def __init__(self, store: Store, table: Table) -> None:
        self.store = store
        self.table = table
        self.transactions = 0

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Session]:
        self.transactions += 1
        async with self.store.transaction() as session:
            yield session

    async def names(self) -> set[str]:
        async with self.store.transaction() as session:
            return set((await session.execute(select(self.table.c.name))).scalars())


@pytest.fixture
async def rows(database_url: str) -> AsyncIterator[Rows]:
    metadata = MetaData()
    table = Table("names", metadata, Column("name", String(20), primary_key=True))
    store = Store(database_url, metadata)
    await store.create_tables()
    yield Rows(store, table)
    await store.close()


def adding(rows: Rows, name: str) -> Callable[[Session], Awaitable[str]]:
    async def effect(session: Session) -> str:
        await session.execute(insert(rows.table), {"name": name})
        return name

    return effect


async def test_requests_that_arrive_together_share_one_transaction(rows: Rows) -> None:
    """Twenty concurrent requests: one transaction, each caller gets its own result, all rows committed."""
    group = GroupCommit(rows.transaction)
    names = [f"n{index}" for index in range(20)]
    results = await asyncio.gather(*(group(adding(rows, name)) for name in names))
    assert results == names
    assert rows.transactions == 1
    assert await rows.names() == set(names)


async def test_requests_that_arrive_within_the_gathering_time_share_one_transaction(rows: Rows) -> None:
    """With `gather_s`, requests spread over a moment still make one transaction; without it, the first commits at
    once instead of waiting for the others."""

    async def spread(group: GroupCommit[Session], names: list[str]) -> list[str]:
        async def later(index: int, name: str) -> str:
            await asyncio.sleep(0.01 * index)
            return await group(adding(rows, name))

        return list(await asyncio.gather(*(later(index, name) for index, name in enumerate(names))))

    assert await spread(GroupCommit(rows.transaction, gather_s=0.5), ["a", "b", "c"]) == ["a", "b", "c"]
    assert rows.transactions == 1
    assert await spread(GroupCommit(rows.transaction), ["d", "e", "f"]) == ["d", "e", "f"]
    # The later two may share one when the first's commit outlasts their 10 ms apart (a loaded machine).
    assert rows.transactions - 1 in (2, 3)
    assert await rows.names() == {"a", "b", "c", "d", "e", "f"}


async def test_a_failing_request_spoils_no_other(rows: Rows) -> None:
    """One effect breaks the shared transaction: the others commit alone; only the failing caller sees its error."""
    group = GroupCommit(rows.transaction)
    async with rows.transaction() as session:
        await session.execute(insert(rows.table), {"name": "taken"})
    outcomes = await asyncio.gather(
        group(adding(rows, "a")),
        group(adding(rows, "taken")),
        group(adding(rows, "b")),
        return_exceptions=True,
    )
    assert outcomes[0] == "a" and outcomes[2] == "b"
    assert isinstance(outcomes[1], IntegrityError)
    assert await rows.names() == {"taken", "a", "b"}
