"""The fault run: 1,000 incidents while each service is SIGKILLed and restarted and the broker is frozen.

`python bench/faults.py [--incidents 1000] [--rate 10] [--pause-s 30]`, from the repository root. Each incident's
escalation is an SMS to the officer, then a call 30 s later (bench/faults.yaml). During the intake each service
is killed (SIGKILL) at a random moment and restarted, and the broker is paused (SIGSTOP) for 30 s. The client
retries an intake that got no answer with the same external id, as an integrating system would. It ends with
one JSON line: `incidents`, `lost` (accepted, no alert ever reached a provider), `steps_missed` (an SMS or call
that never went out), `duplicate_requests` (provider requests beyond one per step), `max_delay_s` (intake to the
first SMS).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from bench.bench_stack import TAG, TOKEN, BenchSystem, running_system

HERE = Path(__file__).parent
SETTLE_S = 240


async def report(client: httpx.AsyncClient, system: BenchSystem, n: int, accepted: dict[int, float]) -> None:
    """Post incident `n` until the service answers 200/201 (a retry joins the same incident by external id)."""
    body = system.incident_body(n, datetime.now(UTC).isoformat())
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
    """Kill and restart each service once at a random moment; freeze the broker once for `pause_s`."""
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

    faults = [f"{name} SIGKILL and restart" for name in ("duty_roster", "incident", "notifier")]
    await asyncio.gather(
        at(random.uniform(0.1, 0.6) * duration_s, "broker SIGSTOP"),
        *(at(random.uniform(0.1, 0.9) * duration_s, fault) for fault in faults),
    )


def provider_requests(system: BenchSystem) -> tuple[Counter[int], Counter[int], dict[int, float]]:
    """Per incident: SMS requests, call requests, and when the first SMS arrived."""
    sms: Counter[int] = Counter()
    calls: Counter[int] = Counter()
    first_sms: dict[int, float] = {}
    for request in system.twilio.requests:
        if request.method == "POST" and request.path.endswith("/Messages.json"):
            for match in TAG.finditer(request.form.get("Body", "")):
                sms[int(match.group(1))] += 1
                first_sms.setdefault(int(match.group(1)), request.time)
    for call in system.twilio.calls.values():
        tags = {int(m.group(1)) for said in call.said for m in TAG.finditer(said.text)}
        for n in tags:
            calls[n] += 1
    return sms, calls, first_sms


async def settle(system: BenchSystem, accepted: dict[int, float]) -> None:
    deadline = time.monotonic() + SETTLE_S
    while time.monotonic() < deadline:
        sms, calls, _ = provider_requests(system)
        if all(sms[n] and calls[n] for n in accepted):
            return
        await asyncio.sleep(2)


async def main(incidents: int, rate: float, pause_s: float) -> dict[str, Any]:
    env = {"DUTYWATCH_NOTIFIER_POLICY_FILE": str(HERE / "faults.yaml")}
    async with running_system(env) as system:
        accepted: dict[int, float] = {}
        faults: list[str] = []
        duration = incidents / rate
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with httpx.AsyncClient(timeout=10, headers=headers) as client:
            chaos = asyncio.create_task(inject_faults(system, duration, pause_s, faults))
            started = time.monotonic()
            posts = []
            for n in range(incidents):
                await asyncio.sleep(max(0.0, started + n / rate - time.monotonic()))
                posts.append(asyncio.create_task(report(client, system, n, accepted)))
            await asyncio.gather(*posts, chaos)
        await settle(system, accepted)
        sms, calls, first_sms = provider_requests(system)
        print("\n".join(faults), file=sys.stderr)
        delays = [first_sms[n] - accepted[n] for n in accepted if n in first_sms]
        return {
            "incidents": len(accepted),
            "lost": sum(1 for n in accepted if not sms[n] and not calls[n]),
            "steps_missed": sum(1 for n in accepted if not sms[n]) + sum(1 for n in accepted if not calls[n]),
            "duplicate_requests": sum(max(0, sms[n] - 1) + max(0, calls[n] - 1) for n in accepted),
            "provider_requests": sum(sms.values()) + sum(calls.values()),
            "max_delay_s": round(max(delays, default=float("nan")), 1),
            "faults": faults,
        }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--pause-s", type=float, default=30.0)
    arguments = parser.parse_args()
    print(json.dumps(asyncio.run(main(arguments.incidents, arguments.rate, arguments.pause_s)), ensure_ascii=False))
