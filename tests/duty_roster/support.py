"""Integration helpers: a settable clock, a small roster file, settings for a test, and a Kafka topic reader."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from schemas.catalog import decode
from schemas.envelope import Envelope, Message
from schemas.topics import topic_for, topic_named
from services.duty_roster.settings import Settings
from services.runtime.settings import UnhurriedKafkaSettings

ROSTER = """\
planned: {{from: 2026-12-01, until: 2026-12-31}}
people:
  - {{id: {p}-a, name: 王芳, phone: "138 0000 1001"}}
  - {{id: {p}-b, name: 李明, phone: "138 0000 1002"}}
  - {{id: {p}-x, name: 赵强, phone: "139 0000 1003"}}
  - {{id: {p}-c, name: 陈静, phone: "138 0000 1004"}}
  - {{id: {p}-d, name: 刘洋, phone: "138 0000 1005"}}
  - {{id: {p}-y, name: 孙磊, phone: "139 0000 1006"}}
units:
  - id: {p}-city
    name: 市民政局
    kind: municipal_bureau
    duty_room: {{name: 市民政局值班室, phone: "0719 800 0000"}}
    shifts: {{start: 2026-12-01}}
    officers: [{p}-a, {p}-b]
    leaders: [{p}-x]
  - id: {p}-county
    name: 甲县民政局
    kind: district_bureau
    parent: {p}-city
    recipients:
      municipal_bureau: {{name: 市民政局值班室, phone: "0719 800 0000"}}
    shifts: {{start: 2026-12-01}}
    officers: [{p}-c, {p}-d]
    leaders: [{p}-y]
"""


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now.astimezone(UTC)


def unique_prefix() -> str:
    return "t" + uuid.uuid4().hex[:8]


def roster_text(prefix: str) -> str:
    return ROSTER.format(p=prefix)


ADMIN_TOKEN = "roster-admin-token-0123456789abcdef"
MAOJIAN_TOKEN = "roster-maojian-token-0123456789abcdef"
API_TOKENS = {
    "bureau": {"token": ADMIN_TOKEN, "units": ["*"]},
    "maojian-office": {"token": MAOJIAN_TOKEN, "units": ["maojian"]},
}


def settings_for(database_url: str, bootstrap: str, data_dir: Path) -> Settings:
    return Settings(
        database_url=database_url,
        data_dir=data_dir,
        api_tokens=API_TOKENS,  # type: ignore[arg-type]
        service_name=f"duty_roster-{uuid.uuid4().hex[:8]}",
        sweep_seconds=3600,  # the test sweeps by hand, at the instants it chooses
        kafka=UnhurriedKafkaSettings(bootstrap_servers=bootstrap),
    )


async def read_topic(
    bootstrap: str,
    topic: str,
    keep: Callable[[Envelope[Any]], bool],
    done: Callable[[list[Envelope[Any]]], bool],
    timeout_s: float = 20.0,
    linger_s: float = 1.0,
) -> list[Envelope[Any]]:
    """Read `topic` from the beginning (no consumer group) until `done(kept)`, then a little longer for duplicates."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, number) for number in range(topic_named(topic).partitions)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        kept: list[Envelope[Any]] = []
        loop = asyncio.get_running_loop()
        deadline, finished_at = loop.time() + timeout_s, None
        while loop.time() < deadline and (finished_at is None or loop.time() < finished_at + linger_s):
            batches = await consumer.getmany(timeout_ms=300)
            kept += [envelope for records in batches.values() for envelope in _decoded(records) if keep(envelope)]
            if finished_at is None and done(kept):
                finished_at = loop.time()
        return kept
    finally:
        await consumer.stop()


def _decoded(records: list[Any]) -> list[Envelope[Any]]:
    return [decode(record.value) for record in records]


async def publish(bootstrap: str, payload: Message, now: datetime) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        envelope = Envelope.wrap(payload, producer="test", occurred_at=now)
        await producer.send_and_wait(topic_for(payload).name, envelope.to_bytes(), key=envelope.key.encode())
    finally:
        await producer.stop()
