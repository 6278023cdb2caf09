"""Kafka at the edges of every service: one consumer group per service under the consumer rule,
and one producer for the outbox relay and the DLQ, which also asks the broker where its log stands.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

import structlog
from aiokafka import AIOKafkaProducer, ConsumerRecord
from aiokafka.protocol.metadata import MetadataRequest
from aiokafka.protocol.offset import OffsetRequest
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.message import StreamMessage

from services.runtime.consumer import ConsumerRule, IncomingRecord, Outcome
from services.runtime.kafka_security import broker_security, client_security
from services.runtime.log_watch import LogState, Published
from services.runtime.metrics import DLQ_MESSAGES, HANDLER_SECONDS, MESSAGES_IN, MESSAGES_OUT
from services.runtime.outbox import OutgoingRecord
from services.runtime.settings import KafkaSettings

__all__ = ["KafkaRecordPublisher", "build_broker", "subscribe"]

log = structlog.get_logger(__name__)

BATCH_RECORDS = 200
# How long a poll waits for a first record (records already fetched go at once). faststream (0.7.8) sleeps as long
# again after a poll that came back empty, and a record arriving then waits out the sleep: with 500 ms, every record
# reaching an idle consumer waited up to half a second per hop. Twenty milliseconds, as long as a fetch waits on the
# embedded broker, costs fifty wake-ups a second at idle: about 1 % of a core per service (2026-12-06, this
# project's two-core machine).
BATCH_WAIT_MS = 20
LATEST = -1  # a list-offsets request's timestamp for "where the log ends"


def build_broker(settings: KafkaSettings, client_id: str) -> KafkaBroker:
    return KafkaBroker(
        settings.bootstrap_servers,
        client_id=client_id,
        security=broker_security(settings),
        logger=None,
        # The handler takes the message as it came; dependency injection resolved it per message on a
        # worker thread, which under load cost more than the handler.
        apply_types=False,
    )


async def _undecoded(message: StreamMessage[Any]) -> StreamMessage[Any]:
    # Decoding is the consumer rule's job, so that invalid UTF-8 or JSON reaches the DLQ, not a crash.
    return message


def subscribe(broker: KafkaBroker, rule: ConsumerRule, group_id: str, service: str, fetch_max_wait_ms: int) -> Any:
    """One subscriber (one group join) for all of a service's topics, taking what each fetch brought as a
    batch; offsets are committed once per batch, after the rule ran for every record of it."""

    subscriber = broker.subscriber(
        *rule.topics,
        group_id=group_id,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.MANUAL,
        decoder=_undecoded,
        batch=True,
        max_records=BATCH_RECORDS,
        batch_timeout_ms=BATCH_WAIT_MS,
        fetch_max_wait_ms=fetch_max_wait_ms,
    )

    @subscriber
    async def on_batch(message: StreamMessage[tuple[ConsumerRecord[bytes, bytes], ...]]) -> None:
        records = [_incoming(raw) for raw in message.raw_message]
        started = time.perf_counter()
        outcomes = await rule.deliver_all(records)
        share = (time.perf_counter() - started) / max(1, len(records))
        for record, outcome in zip(records, outcomes, strict=True):
            HANDLER_SECONDS.labels(service, record.topic).observe(share)
            MESSAGES_IN.labels(service, record.topic, outcome.value).inc()
            if outcome is Outcome.DEAD_LETTERED:
                DLQ_MESSAGES.labels(service, record.topic).inc()
        await message.ack()

    return subscriber


def _incoming(raw: ConsumerRecord[bytes, bytes]) -> IncomingRecord:
    return IncomingRecord(
        topic=raw.topic,
        partition=raw.partition,
        offset=raw.offset,
        key=raw.key,
        value=raw.value,
        headers=tuple(raw.headers or ()),
    )


class KafkaRecordPublisher:
    """Publishes records in order and waits until the broker has them all (PublishRecords); tells the relay's
    log watch where the broker's log stands (`log_state`, a ProbeLog)."""

    def __init__(self, settings: KafkaSettings, client_id: str) -> None:
        self._service = client_id.removesuffix("-relay")
        self._settings = settings
        self._client_id = client_id
        self._producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        """Connect; on failure nothing is left open and start() may be called again."""
        # Made here, not in __init__: aiokafka binds a producer to the running event loop.
        producer = AIOKafkaProducer(
            bootstrap_servers=self._settings.bootstrap_servers,
            client_id=self._client_id,
            enable_idempotence=self._settings.idempotent_producer,
            acks="all",
            request_timeout_ms=self._settings.request_timeout_ms,
            linger_ms=self._settings.linger_ms,
            **client_security(self._settings),
        )
        try:
            await producer.start()
        except BaseException:
            await producer.stop()
            raise
        self._producer = producer

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()

    async def __call__(self, records: Sequence[OutgoingRecord]) -> list[Published]:
        pending = [
            await self._started().send(record.topic, record.value, key=record.key, headers=list(record.headers) or None)
            for record in records
        ]
        outcomes = await asyncio.gather(*pending, return_exceptions=True)
        failures = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
        if failures:
            raise failures[0]
        for record in records:
            MESSAGES_OUT.labels(self._service, record.topic).inc()
        return [
            Published(placed.topic, placed.partition, placed.offset)
            for placed in outcomes
            if not isinstance(placed, BaseException)
        ]

    async def log_state(self, partitions: Sequence[tuple[str, int]]) -> LogState:
        """The broker's cluster id and where `partitions` end (ProbeLog), asked over the producer's own
        connection: one metadata request, and one list-offsets request per partition leader."""
        client = self._started().client
        wanted = set(partitions)
        topics = sorted({topic for topic, _ in wanted})
        metadata = (
            await client.send(client.get_random_node(), MetadataRequest(topics, allow_auto_topic_creation=False))
        ).to_object()
        leaders: dict[int, dict[str, list[tuple[int, int]]]] = {}
        for topic in metadata["topics"]:
            for each in topic["partitions"] if topic["error_code"] == 0 else ():
                if (topic["topic"], each["partition"]) in wanted:
                    asked = leaders.setdefault(each["leader"], {}).setdefault(topic["topic"], [])
                    asked.append((each["partition"], LATEST))
        ends: dict[tuple[str, int], int] = {}
        for leader, asked_of_it in leaders.items():
            answer = await client.send(leader, OffsetRequest(-1, 0, list(asked_of_it.items())))
            for topic_name, answered in answer.topics:
                for partition, error_code, *_timestamp, offset in answered:
                    if error_code == 0:
                        ends[(topic_name, partition)] = offset
        return LogState(str(metadata["cluster_id"]), ends)

    def _started(self) -> AIOKafkaProducer:
        if self._producer is None:
            raise RuntimeError("the publisher is not started")
        return self._producer
