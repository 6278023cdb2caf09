"""The outbox relay against a broker that loses its log: retained rows go out again, in order; old ones are pruned."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from schemas.duty import CheckInReceived
from schemas.envelope import Envelope
from services.runtime.embedded_broker import EmbeddedBroker
from services.runtime.log_watch import LogState, Published
from services.runtime.outbox import OutgoingRecord
from services.runtime.outbox_relay import OutboxRelay
from services.runtime.service import ServiceRuntime
from services.runtime.settings import KafkaSettings
from services.runtime.store import Session, Store
from tests.runtime.test_outbox_inbox import Tables, check_in


class ForgetfulBroker:
    """Stands in for the broker at the relay's two ports (publish and probe): one partition per topic, kept in
    memory; `restart` starts a new incarnation with an empty log, as the embedded broker does."""

    def __init__(self) -> None:
        self.logs: dict[str, list[bytes]] = defaultdict(list)
        self.cluster_id = "first"
        self.down = False

    async def publish(self, records: Sequence[OutgoingRecord]) -> list[Published]:
        if self.down:
            raise ConnectionError("broker unreachable")
        placed = []
        for record in records:
            self.logs[record.topic].append(record.value)
            placed.append(Published(record.topic, 0, len(self.logs[record.topic]) - 1))
        return placed

    async def probe(self, partitions: Sequence[tuple[str, int]]) -> LogState:
        if self.down:
            raise ConnectionError("broker unreachable")
        return LogState(self.cluster_id, {(topic, 0): len(self.logs[topic]) for topic, _ in partitions})

    def restart(self, cluster_id: str) -> None:
        self.logs.clear()
        self.cluster_id = cluster_id


def relay_for(db: Store, tables: Tables, broker: ForgetfulBroker, **options: object) -> OutboxRelay:
    # Checked only on the first pass and after a failed publish: the tests decide when the broker is looked at.
    return OutboxRelay(
        db,
        tables.outbox,
        broker.publish,
        probe=broker.probe,
        check_every_s=3600,
        **options,  # type: ignore[arg-type]
    )


async def put(db: Store, tables: Tables, unit: str, count: int) -> list[bytes]:
    envelopes = [check_in(unit, n) for n in range(count)]
    async with db.transaction() as session:
        await tables.outbox.put(session, *envelopes)
    return [envelope.to_bytes() for envelope in envelopes]


async def relay_all(relay: OutboxRelay) -> None:
    while await relay.relay_once():
        pass


async def relayed(
    store: tuple[Store, Tables], unit: str, count: int, **options: object
) -> tuple[ForgetfulBroker, OutboxRelay, list[bytes]]:
    """A broker, a relay that has published `count` new rows to it and marked them sent, and those rows."""
    db, tables = store
    broker = ForgetfulBroker()
    relay = relay_for(db, tables, broker, **options)
    sent = await put(db, tables, unit, count)
    await relay_all(relay)
    await relay.mark_published()
    return broker, relay, sent


async def fail_to_publish(relay: OutboxRelay, broker: ForgetfulBroker) -> None:
    """One pass while the broker is unreachable: the relay checks the broker's log before its next publish."""
    broker.down = True
    with pytest.raises(ConnectionError):
        await relay.relay_once()
    broker.down = False


async def test_a_new_broker_incarnation_gets_every_retained_row_again_in_order(store: tuple[Store, Tables]) -> None:
    """Rows sent to a broker that was then replaced (new cluster id, empty log) go out again before newer ones."""
    db, tables = store
    broker, relay, sent = await relayed(store, "before", 5)
    broker.restart("second")
    newer = await put(db, tables, "after", 2)
    await fail_to_publish(relay, broker)
    await relay_all(relay)
    assert broker.logs["duty.checkins"] == sent + newer


async def test_a_service_started_on_a_broker_that_lost_its_log_publishes_again(store: tuple[Store, Tables]) -> None:
    """The recorded offsets outlive the process: a relay started later finds the log shorter and publishes again."""
    db, tables = store
    broker, stopped, sent = await relayed(store, "restarted", 3)
    await stopped.hand_back()
    broker.logs.clear()  # same cluster id, the log cut short: a topic deleted and recreated
    await relay_all(relay_for(db, tables, broker))
    assert broker.logs["duty.checkins"] == sent


async def test_a_broker_that_kept_its_log_gets_nothing_twice(store: tuple[Store, Tables]) -> None:
    """A relay that starts again on the same broker, log intact, publishes only what is pending."""
    db, tables = store
    broker, stopped, sent = await relayed(store, "kept", 3)
    await stopped.hand_back()
    newer = await put(db, tables, "kept", 1)
    await relay_all(relay_for(db, tables, broker))
    assert broker.logs["duty.checkins"] == sent + newer


async def test_a_record_placed_before_an_offset_already_published_tells_of_a_lost_log(
    store: tuple[Store, Tables],
) -> None:
    """With no check due, a publish that lands at an offset below the recorded one makes the relay publish again."""
    db, tables = store
    broker, relay, sent = await relayed(store, "placed", 3)
    broker.restart("first")  # same cluster id: only the offsets tell
    newer = await put(db, tables, "placed", 1)
    await relay_all(relay)
    assert broker.logs["duty.checkins"] == newer + sent + newer


async def test_what_went_out_again_to_a_new_broker_does_not_go_out_a_third_time(store: tuple[Store, Tables]) -> None:
    """Found out by a misplaced record, the new broker gets the retained rows once; later checks find them there."""
    db, tables = store
    broker, relay, sent = await relayed(store, "thrice", 3)
    broker.restart("second")
    newer = await put(db, tables, "thrice", 1)
    await relay_all(relay)
    latest = await put(db, tables, "thrice", 1)
    await fail_to_publish(relay, broker)
    await relay_all(relay)
    assert broker.logs["duty.checkins"] == newer + sent + newer + latest


async def test_rows_sent_longer_ago_than_the_retention_are_deleted_and_not_published_again(
    store: tuple[Store, Tables],
) -> None:
    """Past the retention a sent row is pruned; pending rows are never pruned, whatever their age."""
    db, tables = store
    now = [datetime.now(UTC)]
    broker, relay, _ = await relayed(store, "old", 2, retention=timedelta(hours=1), clock=lambda: now[0])
    now[0] += timedelta(hours=2)
    pending = await put(db, tables, "pending", 1)
    await fail_to_publish(relay, broker)
    async with db.transaction() as session:
        assert await tables.outbox.pending_count(session) == 1
    broker.restart("second")
    await relay_all(relay)
    assert broker.logs["duty.checkins"] == pending


@pytest.fixture
async def own_broker(tmp_path: Path) -> AsyncIterator[EmbeddedBroker]:
    """A broker of this test's own, to kill: a new incarnation is started on its port."""
    embedded = EmbeddedBroker(log_file=tmp_path / "tansu.log")
    await embedded.start()
    yield embedded
    embedded.stop()


class Service:
    """A service runtime on its own SQLite file; with `reads`, it records the effect of each check-in it consumes."""

    def __init__(self, broker: EmbeddedBroker, tmp_path: Path, name: str, *, reads: bool = False) -> None:
        self.tables = Tables()
        self.runtime = ServiceRuntime(
            work=self.tables.work(name, Store(f"sqlite:///{tmp_path / name}.sqlite3", self.tables.metadata)),
            kafka=KafkaSettings(bootstrap_servers=broker.bootstrap, request_timeout_ms=3000),
            routes={"duty.checkins": {CheckInReceived: self.on_check_in}} if reads else None,  # type: ignore[dict-item]
        )

    async def on_check_in(self, envelope: Envelope[CheckInReceived]) -> None:
        async def record(session: Session) -> None:
            values = {"event_id": str(envelope.event_id), "unit_id": envelope.payload.unit_id}
            await session.execute(self.tables.effects.insert().values(**values))

        await self.runtime.work.once(envelope, record)

    async def put(self, *envelopes: Envelope[CheckInReceived]) -> None:
        async with self.runtime.work.session() as session:
            await self.tables.outbox.put(session, *envelopes)

    async def effects(self) -> list[str]:
        async with self.runtime.store.transaction() as session:
            return [row.event_id for row in await session.execute(select(self.tables.effects.c.event_id))]

    async def until_effects(self, count: int, timeout_s: float = 60) -> list[str]:
        async with asyncio.timeout(timeout_s):
            while len(found := await self.effects()) < count:
                await asyncio.sleep(0.2)
        return found


async def new_incarnation(broker: EmbeddedBroker) -> None:
    broker.kill()
    await broker.start()


@pytest.mark.broker
async def test_a_consumer_past_the_end_of_a_new_brokers_log_reads_it_from_the_beginning(
    own_broker: EmbeddedBroker, tmp_path: Path
) -> None:
    """A consumer that had read 30 events when the broker was replaced reads the new log's first 5 from offset 0."""
    reader, writer = Service(own_broker, tmp_path, "reader", reads=True), Service(own_broker, tmp_path, "writer")
    await reader.runtime.start()
    await writer.runtime.start()
    try:
        await writer.put(*[check_in("restart", n) for n in range(30)])
        await reader.until_effects(30)
        await writer.runtime.stop()
        await new_incarnation(own_broker)
        later = Service(own_broker, tmp_path, "later-writer")
        await later.runtime.start()
        newer = [check_in("restart", n) for n in range(30, 35)]
        await later.put(*newer)
        found = await reader.until_effects(35)
        await later.runtime.stop()
    finally:
        await reader.runtime.stop()
    assert set(found) >= {str(each.event_id) for each in newer}


@pytest.mark.broker
async def test_events_a_killed_broker_took_reach_a_consumer_that_had_not_read_them(
    own_broker: EmbeddedBroker, tmp_path: Path
) -> None:
    """Published and marked sent, then the broker killed before the reader came: the new broker gets them again
    and the reader has each effect once."""
    writer = Service(own_broker, tmp_path, "writer")
    await writer.runtime.start()
    sent = [check_in("lost", n) for n in range(20)]
    await writer.put(*sent)

    async def all_sent() -> bool:
        async with writer.runtime.store.transaction() as session:
            return await writer.tables.outbox.pending_count(session) == 0

    async with asyncio.timeout(30):
        while not await all_sent():
            await asyncio.sleep(0.2)
    await new_incarnation(own_broker)
    reader = Service(own_broker, tmp_path, "reader", reads=True)
    await reader.runtime.start()
    try:
        found = await reader.until_effects(len(sent))
        await asyncio.sleep(2)
        found = await reader.effects()
    finally:
        await reader.runtime.stop()
        await writer.runtime.stop()
    assert sorted(found) == sorted(str(each.event_id) for each in sent)
