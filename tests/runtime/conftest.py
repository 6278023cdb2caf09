"""Fixtures of the outbox and inbox tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.runtime.store import Store
from tests.runtime.test_outbox_inbox import Tables


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[tuple[Store, Tables]]:
    """The outbox, inbox and an effects table on a fresh database of each backend."""
    tables = Tables()
    store = Store(database_url, tables.metadata)
    await store.create_tables()
    yield store, tables
    await store.close()
