"""Reading and writing the real broker's topics from a test, without joining a consumer group (no 5 s join)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
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
    """The records of `topic` that `wanted` accepts, read from the start until `count` are found or time is up."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer.topics()
        partitions = [TopicPartition(topic, each) for each in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        return await _collect(consumer, wanted, count, timeout_s)
    finally:
        await consumer.stop()


async def _collect(consumer: AIOKafkaConsumer, wanted: Wanted, count: int, timeout_s: float) -> list[Record]:
    found: list[Record] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while loop.time() < deadline and len(found) < count:
        batches = await consumer.getmany(timeout_ms=300)
        found += [record for batch in batches.values() for record in batch if wanted(record)]
    return found


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
