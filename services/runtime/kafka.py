"""The producing side of Kafka: one producer for the outbox relay and the DLQ, which also asks the broker where
its log stands. The consuming side is `consumer_group.py`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from aiokafka import AIOKafkaProducer
from aiokafka.protocol.metadata import MetadataRequest
from aiokafka.protocol.offset import OffsetRequest

from services.runtime.kafka_security import client_security
from services.runtime.log_watch import LogState, Published
from services.runtime.metrics import MESSAGES_OUT
from services.runtime.outbox import OutgoingRecord
from services.runtime.settings import KafkaSettings

__all__ = ["KafkaRecordPublisher"]

LATEST = -1  # a list-offsets request's timestamp for "where the log ends"


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
