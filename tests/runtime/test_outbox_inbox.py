"""The outbox and inbox on every store backend, and across a frozen broker."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Column, MetaData, String, Table, func, select

from schemas.duty import CheckInReceived, DutyRole
from schemas.envelope import Envelope
from services.runtime.embedded_broker import EmbeddedBroker
from services.runtime.inbox import Inbox
from services.runtime.log_watch import Published
from services.runtime.outbox import Outbox, OutgoingRecord
from services.runtime.outbox_relay import OutboxRelay
from services.runtime.service import ServiceRuntime
from services.runtime.settings import KafkaSettings
from services.runtime.store import Session, Store
from services.runtime.unit_of_work import UnitOfWork
from testbed.polling import eventually


def check_in(unit_id: str, n: int = 0) -> Envelope[CheckInReceived]:
    payload = CheckInReceived(
        unit_id=unit_id,
        shift_id=f"{unit_id}@{n}",
        role=DutyRole.OFFICER,
        phone="+8613800001111",
        received_at=datetime.now(UTC),
    )
    return Envelope.wrap(payload, producer="test", occurred_at=datetime.now(UTC))


class Tables:
    def __init__(self) -> None:
        self.metadata = MetaData()
        self.outbox = Outbox(self.metadata)
        self.inbox = Inbox(self.metadata)
        self.effects = Table(
            "effects",
            self.metadata,
            Column("event_id", String(36), primary_key=True),
            Column("unit_id", String(64)),
        )

    def work(self, name: str, store: Store) -> UnitOfWork[Session]:
        """A unit of work on these tables whose effects get the bare session."""
        return UnitOfWork(
            name=name,
            store=store,
            outbox=self.outbox,
            inbox=self.inbox,
            ports=lambda session, _outgoing: session,
            clock=lambda: datetime.now(UTC),
        )


class RecordingPublisher:
    """Stands in for the broker at the relay's port: keeps what it was given, or refuses while `down`."""

    def __init__(self) -> None:
        self.records: list[OutgoingRecord] = []
        self.down = False

    async def __call__(self, records: Sequence[OutgoingRecord]) -> list[Published]:
        if self.down:
            raise ConnectionError("broker unreachable")
        self.records += records
        return [Published(record.topic, 0, offset) for offset, record in enumerate(self.records)][-len(records) :]


async def test_outbox_rows_leave_only_when_their_transaction_commits(store: tuple[Store, Tables]) -> None:
    """A rolled-back state change takes its events with it."""
    db, tables = store
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            await tables.outbox.put(session, check_in("rolled-back"))
            raise RuntimeError("the state change failed")
    async with db.transaction() as session:
        await tables.outbox.put(session, check_in("kept"))
        assert await tables.outbox.pending_count(session) == 1


async def test_the_relay_publishes_in_order_keeps_rows_while_the_broker_is_down(store: tuple[Store, Tables]) -> None:
    """Pending rows survive a failed publish and go out, in order and keyed by unit, once it works again."""
    db, tables = store
    envelopes = [check_in("ordered", n) for n in range(5)]
    async with db.transaction() as session:
        await tables.outbox.put(session, *envelopes)
    publisher = RecordingPublisher()
    relay = OutboxRelay(db, tables.outbox, publisher)
    publisher.down = True
    with pytest.raises(ConnectionError):
        await relay.relay_once()
    publisher.down = False
    assert await relay.relay_once() == 5
    assert await relay.relay_once() == 0
    assert [r.value for r in publisher.records] == [e.to_bytes() for e in envelopes]
    assert {(r.topic, r.key) for r in publisher.records} == {("duty.checkins", b"ordered")}


async def test_published_rows_are_marked_sent_with_the_next_claim_or_before_stopping(
    store: tuple[Store, Tables],
) -> None:
    """One transaction a batch: the next pass marks what the last published; a stopping relay marks at once."""
    db, tables = store
    publisher = RecordingPublisher()
    relay = OutboxRelay(db, tables.outbox, publisher)
    for batch in range(2):
        async with db.transaction() as session:
            await tables.outbox.put(session, *[check_in(f"marked-{batch}", n) for n in range(3)])
        assert await relay.relay_once() == 3
    async with db.transaction() as session:
        assert await tables.outbox.pending_count(session) == 3  # the second batch: published, not yet marked
    await relay.mark_published()
    async with db.transaction() as session:
        assert await tables.outbox.pending_count(session) == 0
    assert await relay.relay_once() == 0
    assert len(publisher.records) == 6


async def test_a_gathering_relay_publishes_what_commits_during_its_gather_in_one_batch(
    store: tuple[Store, Tables],
) -> None:
    """Woken by a commit, a relay with `gather_s` waits before it claims: commits made meanwhile go out with it."""
    db, tables = store
    calls: list[int] = []
    publisher = RecordingPublisher()

    async def counting(records: Sequence[OutgoingRecord]) -> list[Published]:
        calls.append(len(records))
        return await publisher(records)

    relay = OutboxRelay(db, tables.outbox, counting, gather_s=1.0, idle_seconds=5)
    running = asyncio.create_task(relay.run())
    try:
        await asyncio.sleep(0.1)  # its first pass found nothing: it is idle
        for n in range(3):
            async with db.transaction() as session:
                await tables.outbox.put(session, check_in("gathered", n))
            relay.wake()
            await asyncio.sleep(0.05)
        await eventually(lambda: calls, timeout_s=5)
        await asyncio.sleep(0.1)
        assert calls == [3]
    finally:
        relay.stop_soon()
        await running


async def test_a_new_relay_takes_over_at_once_what_a_killed_one_left_claimed(store: tuple[Store, Tables]) -> None:
    """Killed mid-publish, a relay leaves its batch leased for a minute; the next relay sends it first, in
    order, and from then on leaves alone what another relay claims."""
    db, tables = store
    left = [check_in("left-claimed", n) for n in range(3)]
    async with db.transaction() as session:
        await tables.outbox.put(session, *left)
        await tables.outbox.claim(session, datetime.now(UTC), limit=10, lease=timedelta(minutes=1))
        await tables.outbox.put(session, check_in("left-claimed", 3))
    publisher = RecordingPublisher()
    relay = OutboxRelay(db, tables.outbox, publisher)
    assert await relay.relay_once() == 4
    assert [r.value for r in publisher.records[:3]] == [e.to_bytes() for e in left]
    await relay.mark_published()
    async with db.transaction() as session:
        await tables.outbox.put(session, check_in("claimed-by-a-live-replica"))
        await tables.outbox.claim(session, datetime.now(UTC), limit=10, lease=timedelta(minutes=1))
    assert await relay.relay_once() == 0


async def test_the_inbox_admits_an_event_id_once_per_consumer(store: tuple[Store, Tables]) -> None:
    """The second delivery of an event to the same consumer is refused; another consumer still gets it."""
    db, tables = store
    event_id, now = uuid.uuid4(), datetime.now(UTC)
    async with db.transaction() as session:
        assert await tables.inbox.first_time(session, "incident", event_id, now)
        assert not await tables.inbox.first_time(session, "incident", event_id, now)
        assert await tables.inbox.first_time(session, "notifier", event_id, now)


@pytest.fixture
async def running(broker: EmbeddedBroker, database_url: str) -> AsyncIterator[tuple[ServiceRuntime, Tables]]:
    """A service runtime with an inbox consumer of duty.checkins that records each effect in its store."""
    tables = Tables()
    store = Store(database_url, tables.metadata)
    name = f"test-inbox-{uuid.uuid4().hex[:6]}"
    # The log watch asks the broker about its log on the first pass and after a failed publish, not on a timer: a
    # periodic check falling inside the frozen-broker test's freeze would hold back the claim that test watches.
    kafka = KafkaSettings(bootstrap_servers=broker.bootstrap, request_timeout_ms=3000, log_check_every_s=3600)
    runtime: ServiceRuntime

    async def on_check_in(envelope: Envelope[CheckInReceived]) -> None:
        async def record(session: Session) -> None:
            values = {"event_id": str(envelope.event_id), "unit_id": envelope.payload.unit_id}
            await session.execute(tables.effects.insert().values(**values))

        await runtime.work.once(envelope, record)

    runtime = ServiceRuntime(
        work=tables.work(name, store),
        kafka=kafka,
        routes={"duty.checkins": {CheckInReceived: on_check_in}},  # type: ignore[dict-item]
    )
    await runtime.start()
    await runtime.until_publishing()
    yield runtime, tables
    await runtime.stop()


async def effects(runtime: ServiceRuntime, tables: Tables, unit_id: str) -> list[str]:
    async with runtime.store.transaction() as session:
        rows = await session.execute(select(tables.effects.c.event_id).where(tables.effects.c.unit_id == unit_id))
        return [row.event_id for row in rows]


async def outbox_rows(runtime: ServiceRuntime, tables: Tables, *, claimed: bool) -> int:
    """How many unsent rows the relay holds a lease on (claimed) or leaves free for the next claim."""
    columns = tables.outbox.table.c
    leased = columns.claimed_until.is_not(None) if claimed else columns.claimed_until.is_(None)
    async with runtime.store.transaction() as session:
        return await session.scalar(select(func.count()).where(columns.sent_at.is_(None), leased))


@pytest.mark.broker
async def test_events_written_while_the_broker_is_frozen_arrive_once_after_it_resumes(
    broker: EmbeddedBroker, running: tuple[ServiceRuntime, Tables]
) -> None:
    """SIGSTOP the broker, write to the outbox, SIGCONT: every event arrives and has its effect exactly once."""
    runtime, tables = running
    unit = f"paused-{uuid.uuid4().hex[:6]}"
    warm_up = check_in(f"warm-{unit}")
    async with runtime.work.session() as session:
        await tables.outbox.put(session, warm_up)
    # The relay's first pass takes its lease and asks the broker about its log: let it finish before the freeze.
    await eventually(lambda: effects(runtime, tables, f"warm-{unit}"), what="a first event relayed and consumed")
    sent = [check_in(unit, n) for n in range(20)]
    broker.pause()
    try:
        async with runtime.work.session() as session:
            await tables.outbox.put(session, *sent)
        await eventually(lambda: outbox_rows(runtime, tables, claimed=True), what="the relay's claim")
        await eventually(
            lambda: outbox_rows(runtime, tables, claimed=False), what="the rows freed after the publish timed out"
        )
        assert await effects(runtime, tables, unit) == []
    finally:
        broker.resume()

    async def all_arrived() -> bool:
        return len(await effects(runtime, tables, unit)) >= len(sent)

    async def all_marked_sent() -> bool:
        async with runtime.store.transaction() as session:
            return await tables.outbox.pending_count(session) == 0

    await eventually(all_arrived, 40)
    await eventually(all_marked_sent, what="the relay marking every row sent (it publishes nothing after)")
    assert sorted(await effects(runtime, tables, unit)) == sorted(str(e.event_id) for e in sent)
    async with runtime.store.transaction() as session:
        assert await tables.outbox.pending_count(session) == 0


@pytest.mark.broker
async def test_a_redelivered_event_id_is_dropped(running: tuple[ServiceRuntime, Tables]) -> None:
    """Kafka's at-least-once delivery sends an event twice; its effect happens once."""
    runtime, tables = running
    unit = f"twice-{uuid.uuid4().hex[:6]}"
    envelope = check_in(unit)
    record = OutgoingRecord("duty.checkins", unit.encode(), envelope.to_bytes())
    await runtime.publisher([record])
    await runtime.publisher([record])
    marker = check_in(unit, 1)
    await runtime.publisher([OutgoingRecord("duty.checkins", unit.encode(), marker.to_bytes())])

    async def marker_seen() -> bool:
        return str(marker.event_id) in await effects(runtime, tables, unit)

    await eventually(marker_seen, 40)
    assert sorted(await effects(runtime, tables, unit)) == sorted([str(envelope.event_id), str(marker.event_id)])


@pytest.mark.broker
async def test_a_service_started_while_the_broker_is_frozen_takes_writes_and_catches_up(
    broker: EmbeddedBroker, database_url: str
) -> None:
    """Start with the broker frozen: start() returns, the outbox keeps what is written, and it all goes out after."""
    tables = Tables()
    runtime = ServiceRuntime(
        work=tables.work(f"test-late-{uuid.uuid4().hex[:6]}", Store(database_url, tables.metadata)),
        kafka=KafkaSettings(bootstrap_servers=broker.bootstrap, request_timeout_ms=3000),
    )
    broker.pause()
    try:
        await asyncio.wait_for(runtime.start(), 10)
        async with runtime.work.session() as session:
            await tables.outbox.put(session, check_in(f"late-{uuid.uuid4().hex[:6]}"))
        assert not (await runtime.ready())[0]
    finally:
        broker.resume()
    await asyncio.wait_for(runtime.until_publishing(), 60)

    async def relayed() -> bool:
        async with runtime.store.transaction() as session:
            return await tables.outbox.pending_count(session) == 0

    await eventually(relayed, 40)
    await runtime.stop()
