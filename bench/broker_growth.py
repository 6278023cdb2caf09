"""The embedded broker's CPU as what it holds grows: aiokafka alone, no services.

`python bench/broker_growth.py [--rate 800] [--seconds 40]`, from the repository root. One producer sends
`rate` small records a second, keyed over 12 units, to a topic of 3 partitions; one consumer group reads
them. Every 5 s it notes the broker's CPU. Tansu's memory engine lists every batch a partition holds on
each fetch, so at a steady rate its CPU climbs; `e2e_latency.py` runs each rate on a new broker for that
reason. It ends with one JSON line: `rate`, `broker_cpu_percent` per 5 s, `sent`, `consumed`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from bench.bench_stack import process_sample
from schemas.topics import Topic
from services.runtime.embedded_broker import EmbeddedBroker, create_topics
from services.runtime.settings import KafkaSettings

WINDOW_S = 5
RECORD = b"x" * 300  # about the size of one of our envelopes


async def measure(broker: EmbeddedBroker, rate: int, seconds: int) -> dict[str, object]:
    topic = Topic(f"bench.growth.{uuid.uuid4().hex[:6]}", 3, "")
    await create_topics(broker.bootstrap, [topic])
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, linger_ms=0)
    consumer = AIOKafkaConsumer(
        topic.name,
        bootstrap_servers=broker.bootstrap,
        group_id=topic.name,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=KafkaSettings().fetch_max_wait_ms,
    )
    await asyncio.gather(producer.start(), consumer.start())
    while not consumer.assignment():
        await asyncio.sleep(0.05)
    consumed = 0

    async def consume() -> None:
        nonlocal consumed
        async for _ in consumer:
            consumed += 1

    consuming = asyncio.create_task(consume())
    assert broker.pid is not None
    cpu_percent: list[float] = []
    started = window_started = time.monotonic()
    cpu_before = process_sample(broker.pid)[0]
    sent = 0
    while time.monotonic() - started < seconds:
        await asyncio.sleep(max(0.0, started + sent / rate - time.monotonic()))
        await producer.send(topic.name, RECORD, key=str(sent % 12).encode())
        sent += 1
        if (now := time.monotonic()) - window_started >= WINDOW_S:
            cpu = process_sample(broker.pid)[0]
            cpu_percent.append(round(100 * (cpu - cpu_before) / (now - window_started)))
            cpu_before, window_started = cpu, now
    consuming.cancel()
    await asyncio.gather(producer.stop(), consumer.stop(), return_exceptions=True)
    return {"rate": rate, "broker_cpu_percent": cpu_percent, "sent": sent, "consumed": consumed}


async def main(rate: int, seconds: int) -> None:
    broker = EmbeddedBroker()
    await broker.start()
    try:
        print(json.dumps(await measure(broker, rate, seconds)))
    finally:
        broker.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=800)
    parser.add_argument("--seconds", type=int, default=40)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.rate, arguments.seconds))
