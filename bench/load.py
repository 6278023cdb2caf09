"""The load of the latency benches: tagged incidents posted at a steady rate, and the figures of a run."""

from __future__ import annotations

import asyncio
import gc
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp

from bench.bench_stack import TOKEN, FakeTwilioProcess, incident_body, process_sample
from bench.kafka_floor import percentile

QUIET_S = 10  # after start-up (group joins, the first sweeps) and before the floor is measured
POST_GRACE_S = 10  # a request still unanswered this long after the last was sent counts as refused
DRAIN_S = 30  # after the last post, how long the incidents still waiting for their first SMS are waited for


@dataclass(frozen=True)
class Offered:
    sent: dict[int, float]  # incident number → when its post left (monotonic clock)
    accepted: int
    unanswered: int


async def post_at_rate(url: str, rate: int, seconds: int, headers: dict[str, str] | None = None) -> Offered:
    """Post `rate` incidents a second for `seconds`, each as its time comes, without waiting for answers."""
    sent: dict[int, float] = {}
    # aiohttp, not httpx, for the load: it costs the machine a fraction of the CPU per request.
    connector = aiohttp.TCPConnector(limit=200)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, headers=headers, timeout=timeout) as client:

        async def post(n: int) -> bool:
            body = incident_body(n, datetime.now(UTC).isoformat())
            sent[n] = time.monotonic()
            try:
                async with client.post(url, json=body) as response:
                    return response.status in (200, 201)
            except (aiohttp.ClientError, TimeoutError):
                return False

        started = time.monotonic()
        posts = []
        for i in range(rate * seconds):
            if i % rate == 0:
                # Once a second, what the run keeps (every post's task and time) leaves the collector's
                # view: walked by its oldest generation, it held up posts already stamped as sent.
                gc.freeze()
            await asyncio.sleep(max(0.0, started + i / rate - time.monotonic()))
            posts.append(asyncio.create_task(post(i)))
        done, unanswered = await asyncio.wait(posts, timeout=POST_GRACE_S)
        for each in unanswered:
            each.cancel()
    return Offered(sent, sum(post.result() for post in done), len(unanswered))


@dataclass(frozen=True)
class LoadRun:
    offered: Offered
    seconds: float  # from the first post to the last answer
    cpu_percent: dict[str, float]  # what each process, and the load generator, spent in those seconds


async def load_with_cpu(url: str, rate: int, seconds: int, pids: dict[str, int]) -> LoadRun:
    """`post_at_rate` with the bench's bearer token, and the CPU of each process in `pids` while it ran: taken at
    its last answer, before any wait for what is still on its way, so that every kind of run is charged alike."""
    before = {name: process_sample(pid)[0] for name, pid in pids.items()}
    own_before = time.process_time()
    started = time.monotonic()
    offered = await post_at_rate(url, rate, seconds, {"Authorization": f"Bearer {TOKEN}"})
    elapsed = time.monotonic() - started
    used = {name: process_sample(pid)[0] - before[name] for name, pid in pids.items()}
    used["load_generator"] = time.process_time() - own_before
    return LoadRun(offered, elapsed, {name: round(100 * cpu_s / elapsed, 1) for name, cpu_s in used.items()})


async def until_first_sms(twilio: FakeTwilioProcess, sent: dict[int, float]) -> bool:
    """Wait until every incident posted has had its first SMS reach the fake Twilio; False if not in DRAIN_S."""
    deadline = time.monotonic() + DRAIN_S
    while True:
        twilio.read_requests()
        if all(n in twilio.first_sms_at for n in sent):
            return True
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.5)


def latency_by_third(sent: dict[int, float], arrived: dict[int, float]) -> list[list[float]]:
    """Milliseconds from post to arrival, in three parts by the order the posts left."""
    order = sorted(sent, key=sent.__getitem__)
    third = max(1, len(order) // 3)
    return [
        [(arrived[n] - sent[n]) * 1000 for n in order[start : start + third] if n in arrived]
        for start in (0, third, 2 * third)
    ]


def latency_figures(sent: dict[int, float], arrived: dict[int, float]) -> dict[str, Any]:
    values = [(arrived[n] - sent[n]) * 1000 for n in sent if n in arrived] or [float("nan")]
    return {
        "p50_ms": round(statistics.median(values), 1),
        "p99_ms": round(percentile(values, 0.99), 1),
        "p99_ms_by_third": [
            round(percentile(part, 0.99), 1) if part else None for part in latency_by_third(sent, arrived)
        ],
    }
