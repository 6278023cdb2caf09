"""Reading and writing the real broker's topics from a test, without joining a consumer group (no 5 s join)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition

from schemas.envelope import Envelope, Message
from schemas.topics import topic_for

Record = ConsumerRecord[bytes, bytes]
Wanted = Callable[[Record], bool]


async def publish(bootstrap: str, *payloads: Message) -> None:
    """Each payload in an envelope on its registry topic, keyed by unit."""
    for payload in payloads:
        envelope = Envelope.wrap(payload, producer="test", occurred_at=datetime.now(UTC))
        await publish_raw(bootstrap, topic_for(payload).name, envelope.key.encode(), envelope.to_bytes())


async def publish_raw(bootstrap: str, topic: str, key: bytes, value: bytes) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=key)
    finally:
        await producer.stop()


async def records(bootstrap: str, topic: str, wanted: Wanted, count: int = 1, timeout_s: float = 20) -> list[Record]:
    """The records of `topic` that `wanted` accepts, read from the start until `count` are found; TimeoutError
    naming what was found when `timeout_s` passes first."""
    async with _reading_from_the_start(bootstrap, topic) as (consumer, _partitions):
        found: list[Record] = []
        try:
            async with asyncio.timeout(timeout_s):
                while len(found) < count:
                    found += _accepted(await consumer.getmany(timeout_ms=300), wanted)
        except TimeoutError:
            raise TimeoutError(f"{len(found)} of {count} wanted records on {topic} within {timeout_s} s") from None
        return found


async def records_so_far(bootstrap: str, topic: str, wanted: Wanted) -> list[Record]:
    """The records of `topic` that `wanted` accepts among all the broker holds now (read to its end offsets):
    for "no more than" and "none", which no wait can prove."""
    async with _reading_from_the_start(bootstrap, topic) as (consumer, partitions):
        ends = await consumer.end_offsets(partitions)
        found: list[Record] = []
        while await _short_of(consumer, ends):
            found += _accepted(await consumer.getmany(timeout_ms=300), wanted)
        return found


@asynccontextmanager
async def _reading_from_the_start(
    bootstrap: str, topic: str
) -> AsyncIterator[tuple[AIOKafkaConsumer, list[TopicPartition]]]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer.topics()
        partitions = [TopicPartition(topic, each) for each in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        yield consumer, partitions
    finally:
        await consumer.stop()


async def _short_of(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    for partition, end in ends.items():
        if await consumer.position(partition) < end:
            return True
    return False


def _accepted(batches: dict[TopicPartition, list[Record]], wanted: Wanted) -> list[Record]:
    return [record for batch in batches.values() for record in batch if wanted(record)]


def document_of(record: Record) -> dict[str, Any]:
    """The record's JSON object, or {} when it is none."""
    try:
        document = json.loads(record.value or b"")
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def of_type(message_type: str, **fields: Any) -> Wanted:
    """Records carrying an envelope of `message_type` whose payload has these field values."""

    def wanted(record: Record) -> bool:
        document = document_of(record)
        payload = document.get("payload") or {}
        return document.get("type") == message_type and all(payload.get(k) == v for k, v in fields.items())

    return wanted
