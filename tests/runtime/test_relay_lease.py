"""Two replicas' outbox relays on one database: one publishes at a time, and each unit's events stay in order."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta

import pytest

from services.incident.testing import ManualClock
from services.runtime.outbox import OutgoingRecord
from services.runtime.outbox_relay import OutboxRelay
from services.runtime.store import Store
from tests.runtime.test_outbox_inbox import RecordingPublisher, Tables, check_in


@pytest.fixture
async def two_stores(database_url: str) -> AsyncIterator[tuple[Store, Store, Tables]]:
    """Two replicas' stores on one database (each a pool of its own), tables created."""
    tables = Tables()
    first, second = Store(database_url, tables.metadata), Store(database_url, tables.metadata)
    await first.create_tables()
    yield first, second, tables
    await first.close()
    await second.close()


async def test_only_the_lease_holder_publishes_and_another_takes_over_when_it_dies(
    two_stores: tuple[Store, Store, Tables],
) -> None:
    """While the holder's lease runs the other relay publishes nothing; once it ran out, the other sends first what
    the dead holder had claimed, then the rest, in order."""
    first_store, second_store, tables = two_stores
    clock = ManualClock()
    first, second = RecordingPublisher(), RecordingPublisher()
    dead = OutboxRelay(first_store, tables.outbox, first, clock=clock, relay_lease=timedelta(seconds=10))
    survivor = OutboxRelay(second_store, tables.outbox, second, clock=clock, relay_lease=timedelta(seconds=10))
    envelopes = [check_in("takeover", n) for n in range(5)]
    async with first_store.transaction() as session:
        await tables.outbox.put(session, *envelopes[:3])
    assert await dead.relay_once() == 3  # published, never marked sent: the replica dies here
    async with second_store.transaction() as session:
        await tables.outbox.put(session, *envelopes[3:])
    clock.advance(seconds=9)
    assert await survivor.relay_once() == 0
    clock.advance(seconds=2)
    assert await survivor.relay_once() == 5
    assert [record.value for record in second.records] == [envelope.to_bytes() for envelope in envelopes]


async def test_a_stopping_relay_hands_the_lease_over_at_once(two_stores: tuple[Store, Store, Tables]) -> None:
    """A relay that stops gives the lease back, and the other replica's relay publishes at its next pass."""
    first_store, second_store, tables = two_stores
    clock = ManualClock()
    stopping = OutboxRelay(first_store, tables.outbox, RecordingPublisher(), clock=clock)
    publisher = RecordingPublisher()
    other = OutboxRelay(second_store, tables.outbox, publisher, clock=clock)
    assert await stopping.relay_once() == 0
    async with second_store.transaction() as session:
        await tables.outbox.put(session, check_in("handed-over"))
    assert await other.relay_once() == 0
    await stopping.hand_back()
    assert await other.relay_once() == 1


class PartitionLog:
    """One partition's log as the broker would append it: records one at a time, in the order they arrive."""

    def __init__(self) -> None:
        self.values: list[bytes] = []

    def publisher(self) -> RecordingPublisher:
        log = self

        class Appending(RecordingPublisher):
            async def __call__(self, records: Sequence[OutgoingRecord]) -> None:
                for record in records:
                    await asyncio.sleep(random.uniform(0, 0.002))
                    log.values.append(record.value)

        return Appending()


async def test_two_relays_running_together_keep_each_units_events_in_order(postgres_url: str) -> None:
    """Two replicas writing and relaying at once on PostgreSQL: every event reaches the log, and each unit's
    events first arrive in the order they were committed."""
    tables = Tables()
    stores = [Store(postgres_url, tables.metadata) for _ in range(2)]
    await stores[0].create_tables()
    log = PartitionLog()
    relays = [OutboxRelay(store, tables.outbox, log.publisher(), batch_size=7, idle_seconds=0.01) for store in stores]
    committed: dict[str, list[bytes]] = {}

    async def write(store: Store, unit: str) -> None:
        for n in range(30):
            envelope = check_in(unit, n)
            async with store.transaction() as session:
                await tables.outbox.put(session, envelope)
            committed.setdefault(unit, []).append(envelope.to_bytes())

    runs = [asyncio.create_task(relay.run()) for relay in relays]
    await asyncio.gather(*(write(stores[n % 2], f"unit-{n}") for n in range(6)))
    while len(set(log.values)) < 180:
        await asyncio.sleep(0.05)
    for relay in relays:
        relay.stop_soon()
    await asyncio.gather(*runs)
    for store in stores:
        await store.close()
    first_seen = list(dict.fromkeys(log.values))
    for unit, values in committed.items():
        assert [value for value in first_seen if value in set(values)] == values, unit
