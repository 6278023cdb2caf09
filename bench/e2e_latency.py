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
import json
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import uvloop

from bench.bench_stack import BenchSystem, process_sample, running_system
from bench.kafka_floor import measure_floor
from bench.load import QUIET_S, Offered, latency_by_third, latency_figures, load_with_cpu, until_first_sms


async def sample_processes(system: BenchSystem, rss: dict[str, float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        for name, pid in system.pids().items():
            rss[name] = max(rss.get(name, 0.0), process_sample(pid)[1])
        await asyncio.sleep(1)


async def run_rate(system: BenchSystem, rate: int, seconds: int) -> dict[str, Any]:
    rss: dict[str, float] = {}
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_processes(system, rss, stop))
    run = await load_with_cpu(system.url("incident", "/incidents"), rate, seconds, system.pids())
    drained = await until_first_sms(system.twilio, run.offered.sent)
    stop.set()
    await sampler
    return summarize(system, run.offered, drained) | {
        "load_seconds": round(run.seconds, 3),
        "cpu_percent": run.cpu_percent,
        "rss_mb": {name: round(value, 1) for name, value in rss.items()},
    }


def summarize(system: BenchSystem, offered: Offered, drained: bool) -> dict[str, Any]:
    early, _, late = latency_by_third(offered.sent, system.twilio.first_sms_at)
    growing = not drained or (
        bool(early) and bool(late) and statistics.median(late) > 2 * statistics.median(early) + 50
    )
    return {
        "sent": len(offered.sent),
        "accepted": offered.accepted,
        "reached_provider": sum(1 for n in offered.sent if n in system.twilio.first_sms_at),
        **latency_figures(offered.sent, system.twilio.first_sms_at),
        "backlog_growing": growing,
        "unanswered_posts": offered.unanswered,
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
