"""HTTP intake → the officer's first SMS arriving at the provider, against the raw Kafka floor.

`python bench/e2e_latency.py [--seconds 60] [--rates 50,200,500]`, from the repository root. For each rate
it starts the whole system anew (embedded broker, the three services as processes, the fake Twilio that the
real SDK calls); it measures (a) the raw floor, once, on the first: aiokafka produce → consume → produce →
consume across two topics on the same broker; (b) intake → first provider request at each rate, with the
p99 of each third of the run; (c) CPU and RSS per service and of the broker. It ends with one JSON line:
`floor_p99_ms`, and per rate `p50_ms`, `p99_ms`, `ratio_p99`, `backlog_growing`, `rss_mb`.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp
import uvloop

from bench.bench_stack import TOKEN, BenchSystem, process_sample, running_system
from bench.kafka_floor import measure_floor, percentile

DRAIN_S = 30
QUIET_S = 10  # after start-up (group joins, the first sweeps) and before the floor is measured
POST_GRACE_S = 10  # a request still unanswered this long after the last was sent counts as refused


async def post_incident(client: aiohttp.ClientSession, system: BenchSystem, n: int, sent: dict[int, float]) -> bool:
    body = system.incident_body(n, datetime.now(UTC).isoformat())
    sent[n] = time.monotonic()
    try:
        async with client.post(system.url("incident", "/incidents"), json=body) as response:
            return response.status in (200, 201)
    except (aiohttp.ClientError, TimeoutError):
        return False


async def sample_processes(system: BenchSystem, rss: dict[str, float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        for name, pid in system.pids().items():
            rss[name] = max(rss.get(name, 0.0), process_sample(pid)[1])
        await asyncio.sleep(1)


async def run_rate(system: BenchSystem, rate: int, seconds: int) -> dict[str, Any]:
    sent: dict[int, float] = {}
    rss: dict[str, float] = {}
    cpu_before = {name: process_sample(pid)[0] for name, pid in system.pids().items()}
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_processes(system, rss, stop))
    # aiohttp, not httpx, for the load: it costs the machine a fraction of the CPU per request.
    connector = aiohttp.TCPConnector(limit=200)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, headers=headers, timeout=timeout) as client:
        started = time.monotonic()
        posts = []
        for i in range(rate * seconds):
            if i % rate == 0:
                # Once a second, what the run keeps (every post's task and time) leaves the collector's
                # view: walked by its oldest generation, it held up posts already stamped as sent.
                gc.freeze()
            await asyncio.sleep(max(0.0, started + i / rate - time.monotonic()))
            posts.append(asyncio.create_task(post_incident(client, system, i, sent)))
        done, unanswered = await asyncio.wait(posts, timeout=POST_GRACE_S)
        for post in unanswered:
            post.cancel()
        accepted = sum(post.result() for post in done)
    elapsed = time.monotonic() - started
    drained = await drain(system, sent)
    stop.set()
    await sampler
    cpu = {
        name: round(100 * (process_sample(pid)[0] - cpu_before[name]) / elapsed, 1)
        for name, pid in system.pids().items()
    }
    return summarize(system, sent, accepted, drained) | {
        "unanswered_posts": len(unanswered),
        "cpu_percent": cpu,
        "rss_mb": {name: round(value, 1) for name, value in rss.items()},
    }


async def drain(system: BenchSystem, sent: dict[int, float]) -> bool:
    """Wait until every incident's first SMS reached the provider; False if some had not after DRAIN_S."""
    deadline = time.monotonic() + DRAIN_S
    while time.monotonic() < deadline:
        system.collect()
        if all(n in system.first_sms_at for n in sent):
            return True
        await asyncio.sleep(0.5)
    return False


def summarize(system: BenchSystem, sent: dict[int, float], accepted: int, drained: bool) -> dict[str, Any]:
    order = sorted(sent, key=sent.__getitem__)
    latency = {n: (system.first_sms_at[n] - sent[n]) * 1000 for n in order if n in system.first_sms_at}
    values = list(latency.values()) or [float("nan")]
    third = max(1, len(order) // 3)
    thirds = [[latency[n] for n in order[start : start + third] if n in latency] for start in (0, third, 2 * third)]
    early, late = thirds[0], thirds[-1]
    growing = not drained or (
        bool(early) and bool(late) and statistics.median(late) > 2 * statistics.median(early) + 50
    )
    return {
        "sent": len(sent),
        "accepted": accepted,
        "reached_provider": len(latency),
        "p50_ms": round(statistics.median(values), 1),
        "p99_ms": round(percentile(values, 0.99), 1),
        "p99_ms_by_third": [round(percentile(part, 0.99), 1) if part else None for part in thirds],
        "backlog_growing": growing,
    }


async def main(seconds: int, rates: list[int], postgres: bool) -> dict[str, Any]:
    floor: dict[str, float] = {}
    results: dict[str, Any] = {}
    for rate in rates:
        # Each rate on a new system: the embedded broker's every fetch lists all it holds, so a rate measured
        # after another would also be charged for the messages of the one before.
        async with running_system(postgres=postgres) as system:
            await asyncio.sleep(QUIET_S)
            if not floor:
                floor = await measure_floor(system.stack.broker.bootstrap, messages=2000, rate_per_s=200)
                print(f"floor: {floor}", file=sys.stderr)
            result = await run_rate(system, rate, seconds)
        result["ratio_p99"] = round(result["p99_ms"] / floor["floor_p99_ms"], 2)
        print(f"{rate}/s: {result}", file=sys.stderr)
        results[str(rate)] = result
    return {**floor, "store": "postgresql" if postgres else "sqlite", "seconds_per_rate": seconds, "rates": results}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--rates", default="50,200,500")
    parser.add_argument("--postgres", action="store_true", help="Each service on a new database on 127.0.0.1:5432.")
    arguments = parser.parse_args()
    rates = [int(rate) for rate in arguments.rates.split(",")]
    # uvloop, as the services run: the load generator shares the machine's two cores with what it measures.
    figures = uvloop.run(main(arguments.seconds, rates, arguments.postgres))
    print(json.dumps(figures, ensure_ascii=False))
