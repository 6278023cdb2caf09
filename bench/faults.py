"""The fault run: 1,000 incidents while each service is SIGKILLed and restarted, the broker is frozen, and the
broker is killed while the notifier lags.

`python bench/faults.py [--incidents 1000] [--rate 10] [--pause-s 30]`, from the repository root. Each incident's
escalation is an SMS to the officer, then a call 30 s later (bench/faults.yaml). During the intake each service
is killed (SIGKILL) at a random moment and restarted, and the broker is paused (SIGSTOP) for 30 s. At another
moment the notifier is stalled (SIGSTOP) for LAG_S, and halfway through the broker is SIGKILLed: its log, in
memory, goes with it; the stack's broker watch starts a new one on the same port (as `dutywatch up` does), and
the services' relays publish again what it held. The client
retries an intake that got no answer with the same external id, as an integrating system would. It ends with
one JSON line: `incidents`, `lost` (accepted, no alert ever reached a provider), `steps_missed` (an SMS or call
that never went out), `duplicate_requests` (provider requests beyond one per step), `max_delay_s` (intake to the
first SMS). The rounds service runs bench/faults_rounds.yaml and is killed too; `rounds_lost` (a round that fell
due whose SMS never went out) and `missed_alerts_lost` (a missed round no alert went out for) count its losses.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import signal
import sqlite3
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from bench.bench_stack import TOKEN, BenchSystem, incident_body, running_system, start_at_rate
from bench.fault_rounds import ROUNDS_ENV, rounds_outcome

HERE = Path(__file__).parent
SETTLE_S = 240
LAG_S = 16
STEPS = (0, 1)  # bench/faults.yaml: the SMS, then the call


async def report(client: httpx.AsyncClient, system: BenchSystem, n: int, accepted: dict[int, float]) -> None:
    """Post incident `n` until the service answers 200/201 (a retry joins the same incident by external id)."""
    body = incident_body(n, datetime.now(UTC).isoformat())
    while True:
        try:
            response = await client.post(system.url("incident", "/incidents"), json=body)
            if response.status_code in (200, 201):
                accepted.setdefault(n, time.monotonic())
                return
        except httpx.HTTPError:
            pass
        await asyncio.sleep(1)


async def inject_faults(system: BenchSystem, duration_s: float, pause_s: float, log: list[str]) -> None:
    """Kill and restart each service once at a random moment; freeze the broker once for `pause_s`; kill the
    broker once while the notifier lags."""
    started = time.monotonic()

    async def at(moment: float, fault: str) -> None:
        await asyncio.sleep(moment)
        log.append(f"{time.monotonic() - started:.0f}s {fault}")
        if fault == "broker SIGSTOP":
            system.stack.broker.pause()
            await asyncio.sleep(pause_s)
            system.stack.broker.resume()
            log.append(f"{time.monotonic() - started:.0f}s broker SIGCONT")
        else:
            name = fault.split()[0]
            system.stack.kill_service(name)
            system.stack.start_service(name)

    faults = [f"{name} SIGKILL and restart" for name in ("duty_roster", "incident", "notifier", "rounds")]
    await asyncio.gather(
        at(random.uniform(0.1, 0.6) * duration_s, "broker SIGSTOP"),
        broker_killed_while_the_notifier_lags(system, random.uniform(0.1, 0.7) * duration_s, started, log),
        *(at(random.uniform(0.1, 0.9) * duration_s, fault) for fault in faults),
    )


async def broker_killed_while_the_notifier_lags(
    system: BenchSystem, moment: float, started: float, log: list[str]
) -> None:
    """At `moment`, stall the notifier for LAG_S; halfway, SIGKILL the broker (the stack's watch starts a new one)."""
    await asyncio.sleep(moment)
    lagging = system.stack.processes["notifier"]
    lagging.send_signal(signal.SIGSTOP)
    log.append(f"{time.monotonic() - started:.0f}s notifier SIGSTOP (lagging)")
    await asyncio.sleep(LAG_S / 2)
    system.stack.broker.kill()
    log.append(f"{time.monotonic() - started:.0f}s broker SIGKILL (the watch starts a new one)")
    await asyncio.sleep(LAG_S / 2)
    lagging.send_signal(signal.SIGCONT)
    log.append(f"{time.monotonic() - started:.0f}s notifier SIGCONT")


def attempt_steps(data_dir: Path) -> dict[str, tuple[int, int]]:
    """attempt id → (incident number, step), from the notifier's and the incident service's own stores."""
    with sqlite3.connect(data_dir / "incident.sqlite3") as incident_db:
        numbers = {
            incident_id: int(external_id.removeprefix("bench-"))
            for incident_id, external_id in incident_db.execute("SELECT id, external_id FROM incidents")
        }
    with sqlite3.connect(data_dir / "notifier.sqlite3") as notifier_db:
        rows = notifier_db.execute(
            "SELECT a.id, r.subject_id, a.step FROM attempts a JOIN runs r ON r.id = a.run_id "
            "WHERE r.subject = 'incident'"
        ).fetchall()
    return {attempt: (numbers[incident], step) for attempt, incident, step in rows if incident in numbers}


def provider_requests(system: BenchSystem) -> tuple[Counter[tuple[int, int]], dict[int, float]]:
    """Provider requests per (incident number, step), and when each incident's first one arrived."""
    steps = attempt_steps(system.data_dir)
    requests: Counter[tuple[int, int]] = Counter()
    first: dict[int, float] = {}
    for request in system.twilio.read_requests():
        attempt = request.attempt_id
        if attempt in steps:
            requests[steps[attempt]] += 1
            first.setdefault(steps[attempt][0], request.time)
    return requests, first


async def settle(system: BenchSystem, accepted: dict[int, float]) -> None:
    deadline = time.monotonic() + SETTLE_S
    while time.monotonic() < deadline:
        requests, _ = provider_requests(system)
        if all(requests[(n, step)] for n in accepted for step in STEPS):
            return
        await asyncio.sleep(2)


async def main(incidents: int, rate: float, pause_s: float) -> dict[str, Any]:
    env = {"DUTYWATCH_NOTIFIER_POLICY_FILE": str(HERE / "faults.yaml"), **ROUNDS_ENV}
    async with running_system(env) as system:
        accepted: dict[int, float] = {}
        faults: list[str] = []
        duration = incidents / rate
        headers = {"Authorization": f"Bearer {TOKEN}"}
        watch = asyncio.create_task(system.stack.watch_broker())
        async with httpx.AsyncClient(timeout=10, headers=headers) as client:
            chaos = asyncio.create_task(inject_faults(system, duration, pause_s, faults))
            await start_at_rate(incidents, rate, lambda n: report(client, system, n, accepted))
            await chaos
        intake_ended = datetime.now(UTC)
        await settle(system, accepted)
        watch.cancel()
        rounds = await rounds_outcome(system, intake_ended)
        requests, first = provider_requests(system)
        print("\n".join(faults), file=sys.stderr)
        delays = [first[n] - accepted[n] for n in accepted if n in first]
        return {
            "incidents": len(accepted),
            "lost": sum(1 for n in accepted if n not in first),
            "steps_missed": sum(1 for n in accepted for step in STEPS if not requests[(n, step)]),
            "duplicate_requests": sum(max(0, count - 1) for count in requests.values()),
            "provider_requests": sum(requests.values()),
            "max_delay_s": round(max(delays, default=float("nan")), 1),
            **rounds,
            "faults": faults,
        }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--pause-s", type=float, default=30.0)
    arguments = parser.parse_args()
    print(json.dumps(asyncio.run(main(arguments.incidents, arguments.rate, arguments.pause_s)), ensure_ascii=False))
