"""A service's one consumer group: every topic it reads, each fetched batch handed to the consumer rule, offsets
committed only after the rule has taken every record before them to its end.

The loop is aiokafka's own `getmany`, not a framework's subscriber: faststream 0.7.8's batch subscriber slept
as long as its poll had waited after every poll that came back empty, and a record arriving meanwhile waited
out the sleep (README, Benchmarks). `getmany` returns as soon as a fetch brings something.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
from aiokafka.errors import ConsumerStoppedError, KafkaError

from services.runtime.consumer import ConsumerRule, IncomingRecord, Outcome
from services.runtime.kafka_security import client_security
from services.runtime.metrics import DLQ_MESSAGES, HANDLER_SECONDS, MESSAGES_IN
from services.runtime.settings import KafkaSettings

__all__ = ["ConsumerGroup"]

log = structlog.get_logger(__name__)

BATCH_RECORDS = 200
# How long one `getmany` waits when nothing is fetched: it returns at once when a fetch brings records, so
# this only sets how often an idle loop goes round.
POLL_MS = 1000
RETRY_S = 1.0
# Offsets are committed at most this often, and when a poll comes back empty, and on stop: committing after every
# batch was a round trip the next batch waited for, and at 100 alerts a second about 200 requests a second to the
# broker from the four services. A member that dies or loses its partitions leaves at most this much handled and
# uncommitted; the next member gets it again and the inbox drops it by its event id.
COMMIT_EVERY_S = 0.5
Fetched = Mapping[TopicPartition, Sequence[ConsumerRecord[bytes, bytes]]]


class ConsumerGroup:
    """`service`'s consumer group `group_id` on the rule's topics. `start` joins (and raises if the broker does
    not answer: call it again); `stop` lets the batch under way finish and commit, then leaves the group."""

    def __init__(self, settings: KafkaSettings, rule: ConsumerRule, group_id: str, service: str) -> None:
        self._settings = settings
        self._rule = rule
        self._group_id = group_id
        self._service = service
        self._consumer: AIOKafkaConsumer | None = None
        self._loop: asyncio.Task[None] | None = None
        self._delivering = False
        self._stopping = False
        self._handled: dict[TopicPartition, int] = {}  # the next offset of each partition, all before it handled
        self._committed_at = 0.0

    async def start(self) -> None:
        # Made here, not in __init__: aiokafka binds a consumer to the running event loop.
        consumer = AIOKafkaConsumer(
            *self._rule.topics,
            bootstrap_servers=self._settings.bootstrap_servers,
            client_id=self._service,
            group_id=self._group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=self._settings.fetch_max_wait_ms,
            # Spreads every topic's partitions over the replicas together, not topic by topic.
            partition_assignment_strategy=(RoundRobinPartitionAssignor,),
            **client_security(self._settings),
        )
        try:
            await consumer.start()
        except BaseException:
            await consumer.stop()
            raise
        self._consumer = consumer
        self._loop = asyncio.create_task(self._consume(consumer), name=f"{self._service}-consumer")

    def partitions(self) -> int:
        """How many partitions the group gave this member (0 while it joins)."""
        return len(self._consumer.assignment()) if self._consumer is not None else 0

    async def stop(self) -> None:
        self._stopping = True
        if self._loop is not None:
            if not self._delivering:
                self._loop.cancel()  # waiting for a fetch: nothing is under way
            # Not `await self._loop`: a cancelled stop would cut the batch under way short. Its own cancel still
            # reaches the caller.
            await asyncio.wait([self._loop])
        if self._consumer is not None:
            await self._commit(self._consumer)
            await self._consumer.stop()

    async def _consume(self, consumer: AIOKafkaConsumer) -> None:
        while not self._stopping:
            try:
                fetched = await consumer.getmany(timeout_ms=POLL_MS, max_records=BATCH_RECORDS)
            except ConsumerStoppedError:
                return
            except Exception as error:  # the loop must outlive anything a fetch raises
                log.warning("fetching failed; trying again", service=self._service, error=repr(error))
                await asyncio.sleep(RETRY_S)
                continue
            if fetched:
                self._delivering = True
                try:
                    await self._deliver(consumer, fetched)
                finally:
                    self._delivering = False
            elif self._handled:
                await self._commit(consumer)

    async def _deliver(self, consumer: AIOKafkaConsumer, fetched: Fetched) -> None:
        records = [_incoming(raw) for batch in fetched.values() for raw in batch]
        started = time.perf_counter()
        try:
            outcomes = await self._rule.deliver_all(records)
        except Exception as error:
            # The rule keeps trying the DLQ rather than raise; should it raise anyway, the batch is fetched
            # again instead of being committed past.
            log.error("a fetched batch could not be handled; fetching it again", error=repr(error))
            assigned = consumer.assignment()  # a partition a rebalance took is fetched again by its next owner
            for partition, batch in fetched.items():
                if partition in assigned:
                    consumer.seek(partition, batch[0].offset)
            await asyncio.sleep(RETRY_S)
            return
        self._count(records, outcomes, (time.perf_counter() - started) / len(records))
        self._handled.update({partition: batch[-1].offset + 1 for partition, batch in fetched.items()})
        if time.monotonic() - self._committed_at >= COMMIT_EVERY_S:
            await self._commit(consumer)

    async def _commit(self, consumer: AIOKafkaConsumer) -> None:
        """Commit what was handled since the last commit, and nothing past it: not the consumer's position, which
        a batch fetched and not handled (cut short, or fetched again) has moved on already."""
        self._committed_at = time.monotonic()
        assigned = consumer.assignment()
        handled = {partition: offset for partition, offset in self._handled.items() if partition in assigned}
        self._handled = {}
        if not handled:
            return
        try:
            await consumer.commit(handled)
        except BaseException as error:
            self._handled = handled | self._handled  # tried again at the next commit; what came since wins
            if not isinstance(error, KafkaError):
                raise
            # A rebalance took the partitions: their next owner gets what was handled since the last commit
            # again, and the inbox drops it.
            log.warning("offsets not committed; what was handled since will be delivered again", error=repr(error))

    def _count(self, records: Sequence[IncomingRecord], outcomes: Sequence[Outcome], share_s: float) -> None:
        for record, outcome in zip(records, outcomes, strict=True):
            HANDLER_SECONDS.labels(self._service, record.topic).observe(share_s)
            MESSAGES_IN.labels(self._service, record.topic, outcome.value).inc()
            if outcome is Outcome.DEAD_LETTERED:
                DLQ_MESSAGES.labels(self._service, record.topic).inc()


def _incoming(raw: ConsumerRecord[bytes, bytes]) -> IncomingRecord:
    return IncomingRecord(
        topic=raw.topic,
        partition=raw.partition,
        offset=raw.offset,
        key=raw.key,
        value=raw.value,
        headers=tuple(raw.headers or ()),
    )
