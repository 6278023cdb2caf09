"""The consumer rule against the real broker: validation to the DLQ, bounded retries, the partition moves on."""

from __future__ import annotations

import asyncio
import json
import statistics
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from schemas.duty import CheckInReceived, DutyRole, ShiftEnded, ShiftStarted
from schemas.envelope import Envelope
from schemas.topics import Topic
from schemas.values import Person
from services.runtime.consumer import ConsumerRule, IncomingRecord, Outcome, RetryPolicy
from services.runtime.consumer_group import ConsumerGroup
from services.runtime.embedded_broker import EmbeddedBroker, create_topics
from services.runtime.kafka import KafkaRecordPublisher
from services.runtime.outbox import OutgoingRecord
from services.runtime.settings import KafkaSettings
from testbed.polling import eventually

pytestmark = pytest.mark.broker

TOPIC = Topic(f"test.rule.{uuid.uuid4().hex[:8]}", 1, "consumer rule tests", (CheckInReceived,))


def check_in(unit_id: str) -> Envelope[CheckInReceived]:
    payload = CheckInReceived(
        unit_id=unit_id,
        shift_id=f"{unit_id}@1",
        role=DutyRole.OFFICER,
        phone="+8613800001111",
        received_at=datetime.now(UTC),
    )
    return Envelope.wrap(payload, producer="test", occurred_at=datetime.now(UTC))


@dataclass
class Harness:
    """One consumer group on the test topic; each test scripts its handler by unit id."""

    publisher: KafkaRecordPublisher
    bootstrap: str
    scripts: dict[str, Callable[[Envelope[Any]], Awaitable[None]]] = field(default_factory=dict)
    seen: list[Envelope[Any]] = field(default_factory=list)

    async def handle(self, envelope: Envelope[Any]) -> None:
        script = self.scripts.get(envelope.payload.unit_id)
        if script is not None:
            await script(envelope)
        self.seen.append(envelope)

    async def send(self, key: str, value: bytes) -> None:
        await self.publisher([OutgoingRecord(TOPIC.name, key.encode(), value)])

    async def processed(self, unit_id: str, timeout_s: float = 30) -> list[Envelope[Any]]:
        return await eventually(lambda: [e for e in self.seen if e.payload.unit_id == unit_id], timeout_s)

    async def dead_letters(self, key: str, count: int, timeout_s: float = 30, topic: Topic = TOPIC) -> list[Any]:
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False)
        await consumer.start()
        try:
            partition = TopicPartition(topic.dlq.name, 0)
            consumer.assign([partition])
            await consumer.seek_to_beginning(partition)
            letters: list[Any] = []
            async with asyncio.timeout(timeout_s):
                while len(letters) < count:
                    batch = await consumer.getmany(timeout_ms=200)
                    letters += [r for records in batch.values() for r in records if r.key == key.encode()]
            return letters
        finally:
            await consumer.stop()


@pytest.fixture(scope="module")
async def harness(broker: EmbeddedBroker) -> AsyncIterator[Harness]:
    await create_topics(broker.bootstrap, [TOPIC, TOPIC.dlq])
    settings = KafkaSettings(bootstrap_servers=broker.bootstrap)
    publisher = KafkaRecordPublisher(settings, client_id="test-publisher")
    await publisher.start()
    harness = Harness(publisher, broker.bootstrap)
    rule = ConsumerRule({TOPIC.name: {CheckInReceived: harness.handle}}, publisher, RetryPolicy(3, 0.05, 0.2))
    group = ConsumerGroup(settings, rule, f"test-rule-{uuid.uuid4().hex[:6]}", service="test")
    await group.start()
    yield harness
    await group.stop()
    await publisher.stop()


async def test_a_message_round_trips_as_the_same_pydantic_envelope(harness: Harness) -> None:
    """What one service publishes, another receives as an equal, typed envelope."""
    sent = check_in("round-trip")
    await harness.send("round-trip", sent.to_bytes())
    (received,) = await harness.processed("round-trip")
    assert received == sent
    assert isinstance(received.payload, CheckInReceived)


@pytest.mark.parametrize(
    ("case", "value", "reason"),
    [
        ("bad-json", b'{"type": "duty.check_in_received", ', "not JSON"),
        ("invalid-utf8", b'{"type": "\xff\xfe"}', "not UTF-8"),
        ("unknown-type", b'{"type": "duty.coffee_made", "version": 1}', "unknown message type"),
        ("wrong-field", None, "payload.phone"),
    ],
)
async def test_a_malformed_message_goes_to_the_dlq_and_the_next_is_processed(
    harness: Harness, case: str, value: bytes | None, reason: str
) -> None:
    """Bad JSON, invalid UTF-8, an unknown type or a wrong field: DLQ with its reason, and the consumer goes on."""
    key = f"malformed-{case}-{uuid.uuid4().hex[:6]}"
    if value is None:
        value = check_in(key).to_bytes().replace(b"+8613800001111", b"not-a-number")
    await harness.send(key, value)
    good = f"after-{key}"
    await harness.send(good, check_in(good).to_bytes())
    assert await harness.processed(good)
    (letter,) = await harness.dead_letters(key, 1)
    headers = dict(letter.headers)
    assert reason in headers["dlq-reason"].decode()
    assert headers["dlq-original-topic"].decode() == TOPIC.name
    assert letter.value == value
    assert {"dlq-original-partition", "dlq-original-offset"} <= set(headers)


async def test_a_handler_that_fails_twice_then_succeeds_is_processed_once(harness: Harness) -> None:
    """Two failures are retried with backoff; the third attempt's effect is the only one."""
    calls: Counter[str] = Counter()

    async def flaky(envelope: Envelope[Any]) -> None:
        calls["attempts"] += 1
        if calls["attempts"] <= 2:
            raise ConnectionError("database briefly away")

    harness.scripts["flaky"] = flaky
    await harness.send("flaky", check_in("flaky").to_bytes())
    await harness.send("flaky", check_in("after-flaky").to_bytes())
    await harness.processed("after-flaky")  # the same partition: whatever "flaky" caused has happened
    processed = await harness.processed("flaky")
    assert len(processed) == 1
    assert calls["attempts"] == 3


async def test_a_handler_that_always_fails_ends_in_the_dlq_and_later_messages_go_through(harness: Harness) -> None:
    """After its bounded retries the poison message is dead-lettered and the partition moves on."""
    attempts: Counter[str] = Counter()

    async def broken(envelope: Envelope[Any]) -> None:
        attempts["n"] += 1
        raise RuntimeError("this handler always fails")

    harness.scripts["poison"] = broken
    await harness.send("poison", check_in("poison").to_bytes())
    await harness.send("after-poison", check_in("after-poison").to_bytes())
    assert await harness.processed("after-poison")
    (letter,) = await harness.dead_letters("poison", 1)
    headers = dict(letter.headers)
    assert headers["dlq-reason"] == b"this handler always fails"
    assert headers["dlq-attempts"] == b"3"
    assert attempts["n"] == 3
    assert not [e for e in harness.seen if e.payload.unit_id == "poison"]


def shift_started_rule(letters: list[OutgoingRecord]) -> ConsumerRule:
    """A rule with a ShiftStarted handler that no message of these tests may reach; its dead letters go to
    `letters`."""

    async def dead_letter(records: Any) -> None:
        letters.extend(records)

    async def on_started(envelope: Envelope[Any]) -> None:
        raise AssertionError(f"{envelope.type} must not reach the ShiftStarted handler")

    return ConsumerRule({"duty.shifts": {ShiftStarted: on_started}}, dead_letter)


async def test_a_valid_message_this_consumer_does_not_handle_is_ignored_not_dead_lettered() -> None:
    """Another service's message on a shared topic is skipped quietly."""
    now = datetime.now(UTC)
    person = Person(id="p", name="王芳", phone="+8613800001111")
    ended = ShiftEnded(
        unit_id="ignored", shift_id="ignored@1", officer=person, leader=person, starts_at=now, ends_at=now
    )
    letters: list[OutgoingRecord] = []
    rule = shift_started_rule(letters)
    record = IncomingRecord(
        "duty.shifts", 0, 7, b"ignored", Envelope.wrap(ended, producer="t", occurred_at=now).to_bytes()
    )
    assert await rule.deliver(record) is Outcome.IGNORED
    assert letters == []


async def test_an_invalid_message_goes_to_the_dlq_of_the_services_that_handle_its_type_only() -> None:
    """A consumer validates only the types it handles: a broken message of another type is left to the services
    that handle it (each of which dead-letters it), not dead-lettered by every reader of the topic."""
    letters: list[OutgoingRecord] = []
    rule = shift_started_rule(letters)
    broken = {"event_id": str(uuid.uuid4()), "producer": "t", "occurred_at": datetime.now(UTC).isoformat()}

    def record(type_: str, offset: int) -> IncomingRecord:
        value = json.dumps({**broken, "type": type_, "version": 2, "payload": {"unit_id": "x"}}).encode()
        return IncomingRecord("duty.shifts", 0, offset, b"x", value)

    assert await rule.deliver(record(ShiftEnded.TYPE, 1)) is Outcome.IGNORED
    assert letters == []
    assert await rule.deliver(record(ShiftStarted.TYPE, 2)) is Outcome.DEAD_LETTERED
    assert [dict(letter.headers)["dlq-original-offset"] for letter in letters] == [b"2"]
    assert b"payload" in dict(letters[0].headers)["dlq-reason"]


async def test_a_message_reaching_an_idle_consumer_is_handled_at_once(harness: Harness) -> None:
    """After a quiet spell the consumer still takes a new message within a fetch or two: an empty poll is not
    followed by a pause (faststream's batch subscriber slept as long as its poll had waited)."""
    waits: list[float] = []
    for n, quiet_s in enumerate((0.55, 0.6, 0.65, 0.7, 0.75)):
        await asyncio.sleep(quiet_s)  # longer than an empty poll waits
        unit_id = f"idle-{n}"
        handled = asyncio.get_running_loop().create_future()
        harness.scripts[unit_id] = lambda _envelope, handled=handled: _resolve(handled)
        sent_at = time.monotonic()
        await harness.send(unit_id, check_in(unit_id).to_bytes())
        waits.append(await asyncio.wait_for(handled, 30) - sent_at)
    assert statistics.median(waits) < 0.2, [round(wait, 3) for wait in waits]


async def _resolve(handled: asyncio.Future[float]) -> None:
    if not handled.done():
        handled.set_result(time.monotonic())


@dataclass
class OwnTopic:
    """A one-partition topic of a test's own on the shared broker, and a publisher to it."""

    topic: Topic
    settings: KafkaSettings
    publisher: KafkaRecordPublisher

    async def publish(self, unit_id: str, value: bytes | None = None) -> None:
        record = OutgoingRecord(self.topic.name, unit_id.encode(), value or check_in(unit_id).to_bytes())
        await self.publisher([record])

    def group(self, handle: Callable[[Envelope[Any]], Awaitable[None]], group_id: str, **rule: Any) -> ConsumerGroup:
        """A member of `group_id` on the topic, handling its check-ins with `handle`."""
        routes = {self.topic.name: {CheckInReceived: handle}}
        return ConsumerGroup(self.settings, ConsumerRule(routes, self.publisher, **rule), group_id, "test")


@pytest.fixture
async def own(broker: EmbeddedBroker) -> AsyncIterator[OwnTopic]:
    topic = Topic(f"test.own.{uuid.uuid4().hex[:8]}", 1, "a test's own", (CheckInReceived,))
    await create_topics(broker.bootstrap, [topic, topic.dlq])
    settings = KafkaSettings(bootstrap_servers=broker.bootstrap)
    publisher = KafkaRecordPublisher(settings, client_id="test-own-publisher")
    await publisher.start()
    yield OwnTopic(topic, settings, publisher)
    await publisher.stop()


async def test_a_group_stopped_mid_batch_finishes_it_and_the_next_member_starts_after_it(own: OwnTopic) -> None:
    """`stop` waits for the handler under way and commits its offset: the group's next member does not get that
    message again, only the ones after it."""
    group_id = f"test-stop-{uuid.uuid4().hex[:6]}"
    entered, release = asyncio.Event(), asyncio.Event()
    handled: list[str] = []

    async def slow(envelope: Envelope[Any]) -> None:
        entered.set()
        await release.wait()
        handled.append(envelope.payload.unit_id)

    async def handle(envelope: Envelope[Any]) -> None:
        handled.append(envelope.payload.unit_id)

    first = own.group(slow, group_id)
    await first.start()
    await own.publish("under-way")
    await asyncio.wait_for(entered.wait(), 30)
    stopping = asyncio.create_task(first.stop())
    await asyncio.sleep(0.3)
    assert not stopping.done(), "stop returned while a handler was still running"
    release.set()
    await asyncio.wait_for(stopping, 30)
    assert handled == ["under-way"]

    second = own.group(handle, group_id)
    await second.start()
    try:
        await own.publish("next")
        await eventually(lambda: "next" in handled, what="the message after the stop")
    finally:
        await second.stop()
    assert handled == ["under-way", "next"]


async def test_a_batch_whose_handling_raised_is_fetched_again_not_committed_past(
    own: OwnTopic, broker: EmbeddedBroker
) -> None:
    """Should the rule itself raise (here its clock fails once, while it dead-letters a malformed message),
    the group fetches the batch again instead of committing past it: the message still reaches the DLQ."""
    ticks: list[datetime] = []

    def failing_once() -> datetime:
        ticks.append(datetime.now(UTC))
        if len(ticks) == 1:
            raise RuntimeError("the clock failed")
        return ticks[-1]

    group = own.group(_nothing, f"test-again-{uuid.uuid4().hex[:6]}", clock=failing_once)
    try:
        await group.start()
        await own.publish("again", b"not json")
        letters = await Harness(own.publisher, broker.bootstrap).dead_letters("again", 1, topic=own.topic)
    finally:
        await group.stop()
    (letter,) = letters
    assert len(ticks) == 2 and dict(letter.headers)["dlq-reason"].startswith(b"not JSON")


async def _nothing(_envelope: Envelope[Any]) -> None:
    """A handler for the tests whose messages never reach one."""


async def test_a_stop_cancelled_mid_batch_commits_nothing_past_what_was_handled(
    own: OwnTopic, broker: EmbeddedBroker
) -> None:
    """A shutdown with a deadline cancels `stop` while a handler runs: the cancel reaches the caller, the batch
    under way finishes, and the group's committed offset stays before any message that was not handled."""
    group_id = f"test-cancel-{uuid.uuid4().hex[:6]}"
    handled: list[str] = []
    slow_started, release = asyncio.Event(), asyncio.Event()

    async def handle(envelope: Envelope[Any]) -> None:
        if envelope.payload.unit_id == "slow":
            slow_started.set()
            await release.wait()
        handled.append(envelope.payload.unit_id)

    group = own.group(handle, group_id)
    try:
        await group.start()
        for unit_id in ("first", "second", "slow"):
            await own.publish(unit_id)
            await eventually(lambda unit_id=unit_id: unit_id in handled or slow_started.is_set(), what=unit_id)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(group.stop(), 0.3)
        committed = await _committed(broker.bootstrap, group_id, TopicPartition(own.topic.name, 0))
        release.set()
        await eventually(lambda: "slow" in handled, what="the batch under way")
    finally:
        await group.stop()
    assert handled == ["first", "second", "slow"]
    assert committed is None or committed <= 2, "an offset was committed past a message not yet handled"


async def _committed(bootstrap: str, group_id: str, partition: TopicPartition) -> int | None:
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group_id, enable_auto_commit=False)
    await reader.start()
    try:
        return await reader.committed(partition)
    finally:
        await reader.stop()
