"""The raw Kafka floor: aiokafka produce → consume → produce → consume across two topics, no services.

Used by `bench/e2e_latency.py` as the yardstick for end-to-end latency; runnable alone:
`python bench/kafka_floor.py` prints one JSON line with `floor_p50_ms` and `floor_p99_ms`.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from schemas.topics import Topic
from services.runtime.embedded_broker import EmbeddedBroker, create_topics
from services.runtime.settings import KafkaSettings


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def _joined(consumer: AIOKafkaConsumer) -> None:
    while not consumer.assignment():
        await asyncio.sleep(0.05)


async def measure_floor(bootstrap: str, messages: int = 2000, rate_per_s: float = 200) -> dict[str, float]:
    """Latency of two hops (topic A, relay, topic B) for `messages` sent at `rate_per_s`."""
    suffix = uuid.uuid4().hex[:6]
    first, second = Topic(f"bench.floor.a.{suffix}", 3, ""), Topic(f"bench.floor.b.{suffix}", 3, "")
    await create_topics(bootstrap, [first, second])
    wait_ms = KafkaSettings().fetch_max_wait_ms
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=0)
    relay_in = AIOKafkaConsumer(
        first.name,
        bootstrap_servers=bootstrap,
        group_id=f"relay-{suffix}",
        auto_offset_reset="earliest",
        fetch_max_wait_ms=wait_ms,
    )
    sink = AIOKafkaConsumer(
        second.name,
        bootstrap_servers=bootstrap,
        group_id=f"sink-{suffix}",
        auto_offset_reset="earliest",
        fetch_max_wait_ms=wait_ms,
    )
    await asyncio.gather(producer.start(), relay_in.start(), sink.start())
    await asyncio.gather(_joined(relay_in), _joined(sink))
    latencies: list[float] = []

    async def relay() -> None:
        async for record in relay_in:
            await producer.send(second.name, record.value, key=record.key)

    async def collect() -> None:
        async for record in sink:
            latencies.append((time.perf_counter() - float(record.value or b"0")) * 1000)
            if len(latencies) >= messages:
                return

    relaying = asyncio.create_task(relay())
    collecting = asyncio.create_task(collect())
    for n in range(messages):
        await producer.send(first.name, str(time.perf_counter()).encode(), key=str(n % 50).encode())
        await asyncio.sleep(1 / rate_per_s)
    await asyncio.wait_for(collecting, 60)
    relaying.cancel()
    await asyncio.gather(producer.stop(), relay_in.stop(), sink.stop(), return_exceptions=True)
    return {
        "floor_p50_ms": round(statistics.median(latencies), 2),
        "floor_p99_ms": round(percentile(latencies, 0.99), 2),
    }


async def main() -> None:
    broker = EmbeddedBroker()
    await broker.start()
    try:
        print(json.dumps(await measure_floor(broker.bootstrap)))
    finally:
        broker.stop()


if __name__ == "__main__":
    asyncio.run(main())
