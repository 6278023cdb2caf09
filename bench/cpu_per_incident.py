"""The CPU target in one sitting: the bare pipeline, the rules' floor and the services, alternately, at one rate.

`python bench/cpu_per_incident.py [--seconds 60] [--rate 100] [--rounds 3]`, from the repository root. Each round
runs the three in turn, each on a new broker and fake Twilio, for the same load (`bench/load.py`): the bare
pipeline (`bench/bare_pipeline.py`), the rules' floor (`bench/rules_floor.py`) and the whole system on SQLite
(`bench/e2e_latency.py`'s). A run's CPU per incident is that of its two processes on the alert's path (the two
stand-ins, or the incident service and the notifier) while the load runs, in ms per incident posted. The machine's
speed drifts within a sitting, so each round's ratios are of its own three runs. It ends with one JSON line: per
round the three figures and `services_over_bare` (the target: ≤ 2), `floor_over_bare` and `services_over_floor`,
then the median of each across the rounds; a run that did not do all its work (an incident without its first SMS,
a floor that recorded less than every attempt delivered and both its events) is named under `incomplete`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import uvloop

from bench import bare_pipeline, e2e_latency, rules_floor
from bench.bench_stack import running_system
from bench.load import QUIET_S

ON_THE_PATH = {
    "bare": ("intake", "dispatch"),
    "floor": ("intake", "dispatch"),
    "services": ("incident", "notifier"),
}
Run = Callable[[int, int], Awaitable[dict[str, Any]]]


async def bare(rate: int, seconds: int) -> dict[str, Any]:
    async with bare_pipeline.bare_pipeline() as pipeline:
        await asyncio.sleep(QUIET_S)
        return await bare_pipeline.run_rate(pipeline, rate, seconds)


async def floor(rate: int, seconds: int) -> dict[str, Any]:
    async with bare_pipeline.bare_pipeline(rules_floor.serve_intake, rules_floor.serve_dispatch) as pipeline:
        await asyncio.sleep(QUIET_S)
        result = await bare_pipeline.run_rate(pipeline, rate, seconds)
        return result | {"recorded": await rules_floor.recorded(pipeline.data_dir, result["sent"])}


async def services(rate: int, seconds: int) -> dict[str, Any]:
    async with running_system() as system:
        await asyncio.sleep(QUIET_S)
        return await e2e_latency.run_rate(system, rate, seconds)


RUNS: dict[str, Run] = {"bare": bare, "floor": floor, "services": services}


def ms_per_incident(kind: str, result: dict[str, Any], rate: int) -> float:
    """CPU % of a core × 10 / incidents a second = ms of CPU per incident."""
    return round(sum(result["cpu_percent"][process] for process in ON_THE_PATH[kind]) * 10 / rate, 2)


def complete(result: dict[str, Any]) -> bool:
    """Every incident posted had its first SMS; for the floor, each one's attempt and two events recorded."""
    sent = result["sent"]
    recorded = result.get("recorded", {"attempts_delivered": sent, "timeline_entries": 2 * sent})
    return (
        result["reached_provider"] == sent
        and recorded["attempts_delivered"] >= sent
        and recorded["timeline_entries"] >= 2 * sent
    )


def ratios(figures: dict[str, float]) -> dict[str, float]:
    return {
        "services_over_bare": round(figures["services"] / figures["bare"], 2),
        "floor_over_bare": round(figures["floor"] / figures["bare"], 2),
        "services_over_floor": round(figures["services"] / figures["floor"], 2),
    }


async def one_round(rate: int, seconds: int, incomplete: list[str], number: int) -> dict[str, float]:
    figures = {}
    for kind, run in RUNS.items():
        result = await run(rate, seconds)
        if not complete(result):
            incomplete.append(f"round {number} {kind}")
        figures[kind] = ms_per_incident(kind, result, rate)
        print(f"round {number} {kind}: {figures[kind]} ms per incident, {result['cpu_percent']}", file=sys.stderr)
    return {f"{kind}_ms": value for kind, value in figures.items()} | ratios(figures)


async def main(seconds: int, rate: int, rounds: int) -> dict[str, Any]:
    incomplete: list[str] = []
    each = [await one_round(rate, seconds, incomplete, number) for number in range(1, rounds + 1)]
    medians = {key: round(statistics.median(round_[key] for round_ in each), 2) for key in each[0]}
    return {"rate": rate, "seconds": seconds, "rounds": each, "median": medians, "incomplete": incomplete}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--rate", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()
    # uvloop, as the services run: the load generator shares the machine's two cores with what it measures.
    figures = uvloop.run(main(arguments.seconds, arguments.rate, arguments.rounds))
    print(json.dumps(figures, ensure_ascii=False))
