"""The CPU target in one sitting: the bare pipeline, the rules' floor and the services, alternately, at one rate.

`python bench/cpu_per_incident.py [--seconds 60] [--rate 100] [--rounds 3]`, from the repository root. Each round
runs the three in turn, each on a new broker and fake Twilio, for the same load (`bench/load.py`): the bare
pipeline (`bench/bare_pipeline.py`), the rules' floor (`bench/rules_floor.py`) and the whole system on SQLite
(`bench/e2e_latency.py`'s). Each round starts with the next of the three, so that none always runs first. A run's
CPU per incident is what its two processes on the alert's path (the two stand-ins, or the incident service and
the notifier) spent from its first post to its last answer, divided by the incidents posted. The machine's speed
drifts within a sitting, so each round's ratios are of its own three runs. It ends with one JSON line: per round
the order, the three figures and `services_over_bare` (the target: ≤ 2), `floor_over_bare` and
`services_over_floor`, with `incomplete` naming a run in which an incident had no first SMS or, for the floor,
fewer than one delivered attempt and two attempt events per incident were recorded; then each figure's median.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import uvloop

from bench import bare_pipeline, e2e_latency, rules_floor
from bench.bench_stack import running_system
from bench.load import QUIET_S


async def stand_ins(
    rate: int,
    seconds: int,
    intake: bare_pipeline.StandIn,
    dispatch: bare_pipeline.StandIn,
    recorded: bare_pipeline.Recorded | None,
) -> dict[str, Any]:
    async with bare_pipeline.bare_pipeline(intake, dispatch) as pipeline:
        await asyncio.sleep(QUIET_S)
        return await bare_pipeline.run_rate(pipeline, rate, seconds, recorded)


async def services(rate: int, seconds: int) -> dict[str, Any]:
    async with running_system() as system:
        await asyncio.sleep(QUIET_S)
        return await e2e_latency.run_rate(system, rate, seconds)


@dataclass(frozen=True)
class Kind:
    run: Callable[[int, int], Awaitable[dict[str, Any]]]
    on_the_path: tuple[str, str]  # the two processes an alert goes through


KINDS = {
    "bare": Kind(
        partial(stand_ins, intake=bare_pipeline.serve_intake, dispatch=bare_pipeline.serve_dispatch, recorded=None),
        ("intake", "dispatch"),
    ),
    "floor": Kind(
        partial(
            stand_ins,
            intake=rules_floor.serve_intake,
            dispatch=rules_floor.serve_dispatch,
            recorded=rules_floor.recorded,
        ),
        ("intake", "dispatch"),
    ),
    "services": Kind(services, ("incident", "notifier")),
}


def ms_per_incident(kind: Kind, result: dict[str, Any]) -> float:
    cpu_s = sum(result["cpu_percent"][process] / 100 * result["load_seconds"] for process in kind.on_the_path)
    return round(1000 * cpu_s / result["sent"], 2)


def complete(result: dict[str, Any]) -> bool:
    sent = result["sent"]
    recorded = "recorded" not in result or rules_floor.all_recorded(result["recorded"], sent)
    return result["reached_provider"] == sent and recorded


def ratios(figures: dict[str, float]) -> dict[str, float]:
    return {
        "services_over_bare": round(figures["services"] / figures["bare"], 2),
        "floor_over_bare": round(figures["floor"] / figures["bare"], 2),
        "services_over_floor": round(figures["services"] / figures["floor"], 2),
    }


async def one_round(number: int, rate: int, seconds: int) -> dict[str, Any]:
    names = list(KINDS)
    order = names[number % len(names) :] + names[: number % len(names)]
    figures, incomplete = {}, []
    for name in order:
        result = await KINDS[name].run(rate, seconds)
        figures[name] = ms_per_incident(KINDS[name], result)
        if not complete(result):
            incomplete.append(name)
        print(f"round {number + 1} {name}: {figures[name]} ms per incident, {result['cpu_percent']}", file=sys.stderr)
    per_kind = {f"{name}_ms": figures[name] for name in names}
    return {"order": order} | per_kind | ratios(figures) | {"incomplete": incomplete}


async def main(rate: int, seconds: int, rounds: int) -> dict[str, Any]:
    per_round = [await one_round(number, rate, seconds) for number in range(rounds)]
    figures = [key for key, value in per_round[0].items() if isinstance(value, float)]
    medians = {key: round(statistics.median(each[key] for each in per_round), 2) for key in figures}
    return {"rate": rate, "seconds": seconds, "rounds": per_round, "median": medians}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--rate", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3, choices=range(1, 100), metavar="1…99")
    arguments = parser.parse_args()
    # uvloop, as the services run: the load generator shares the machine's two cores with what it measures.
    figures = uvloop.run(main(arguments.rate, arguments.seconds, arguments.rounds))
    print(json.dumps(figures, ensure_ascii=False))
