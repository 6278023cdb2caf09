"""Two replicas of each service on PostgreSQL: incidents while one replica of each service is SIGKILLed and restarted.

`python bench/replicas.py [--incidents 1000] [--rate 10] [--call-after-s 30]`, from the repository root, with
PostgreSQL on 127.0.0.1:5432 (trust auth, database `test`). Each service runs twice on one database of its own,
both replicas in one consumer group on the embedded broker. Each incident's escalation is an SMS to the officer,
then a call `--call-after-s` later (bench/faults.yaml). The load generator sends each incident to one incident
replica in turn, and to the other when that one does not answer (with the same external id). During the intake
one replica of each service, chosen at random, is killed (SIGKILL) at a random moment and restarted. It ends
with one JSON line:
- `lost`: accepted, no alert ever reached a provider;
- `steps_missed`: an SMS or call that never went out;
- `steps_fired_twice`: a step the notifier recorded more than once for an incident;
- `duplicate_requests`: provider requests beyond one per step (`provider_requests` in all);
- `intake_share` and `escalation_run_share`: of each replica (`a`, `b`), the incidents it accepted and the
  escalation runs it started.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg
import httpx
import yaml

from bench.bench_stack import TOKEN, BenchSystem, incident_body, running_system, start_at_rate
from services.stack import SERVICES, Stack

HERE = Path(__file__).parent
SETTLE_S = 240
STEPS = (0, 1)  # the SMS, then the call
SERVICE_NAMES = [each.service for each in SERVICES]


@dataclass
class Replicas:
    """Replica `a` (the bench system's first stack) and replica `b` of each service."""

    system: BenchSystem

    def stack(self, replica: str) -> Stack:
        return self.system.stack if replica == "a" else self.system.more_replicas[0]

    def incident_url(self, replica: str) -> str:
        return self.stack(replica).url("incident") + "/incidents"

    def database_url(self, service: str) -> str:
        prefix = next(each.env_prefix for each in SERVICES if each.service == service)
        return self.system.env[f"{prefix}DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://")

    def logs(self, service: str) -> dict[str, Path]:
        return {replica: self.stack(replica).data_dir / f"{service}.log" for replica in ("a", "b")}


def policy_with_call_after(seconds: float) -> Path:
    """bench/faults.yaml with the incident's call `seconds` after its SMS."""
    policy = yaml.safe_load((HERE / "faults.yaml").read_text())
    policy["default"]["incident"]["steps"][0]["wait_min"] = seconds / 60
    path = Path(tempfile.mkstemp(prefix="replicas-policy-", suffix=".yaml")[1])
    path.write_text(yaml.safe_dump(policy, allow_unicode=True))
    return path


async def report(client: httpx.AsyncClient, replicas: Replicas, n: int, accepted: dict[int, str]) -> None:
    """Post incident `n` to replica a or b in turn, then to the other until one answers 200/201."""
    body = incident_body(n, datetime.now(UTC).isoformat())
    for replica in itertools.cycle("ab" if n % 2 == 0 else "ba"):
        try:
            response = await client.post(replicas.incident_url(replica), json=body)
            if response.status_code in (200, 201):
                accepted.setdefault(n, replica)
                return
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.5)


async def kill_one_of_each(replicas: Replicas, duration_s: float, log: list[str]) -> None:
    """SIGKILL one replica of each service at a random moment of the intake, and start it again."""
    started = time.monotonic()

    async def at(moment: float, service: str, replica: str) -> None:
        await asyncio.sleep(moment)
        log.append(f"{time.monotonic() - started:.0f}s {service} {replica} SIGKILL and restart")
        stack = replicas.stack(replica)
        stack.kill_service(service)
        stack.start_service(service)

    await asyncio.gather(
        *(at(random.uniform(0.2, 0.8) * duration_s, service, random.choice("ab")) for service in SERVICE_NAMES)
    )


async def rows(url: str, query: str) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(url)
    try:
        return list(await connection.fetch(query))
    finally:
        await connection.close()


async def attempt_steps(replicas: Replicas) -> tuple[dict[str, tuple[int, int]], Counter[tuple[int, int]]]:
    """attempt id → (incident number, step), and how often each (incident number, step) was recorded."""
    incidents = await rows(replicas.database_url("incident"), "SELECT id, external_id FROM incidents")
    numbers = {row["id"]: int(row["external_id"].removeprefix("bench-")) for row in incidents}
    attempts = await rows(
        replicas.database_url("notifier"),
        "SELECT a.id, r.subject_id, a.step FROM attempts a JOIN runs r ON r.id = a.run_id WHERE r.subject = 'incident'",
    )
    steps = {row["id"]: (numbers[row["subject_id"]], row["step"]) for row in attempts if row["subject_id"] in numbers}
    return steps, Counter(steps.values())


async def provider_requests(replicas: Replicas) -> tuple[Counter[tuple[int, int]], Counter[tuple[int, int]]]:
    """Provider requests per (incident number, step), and the steps recorded per (incident number, step)."""
    steps, recorded = await attempt_steps(replicas)
    requests: Counter[tuple[int, int]] = Counter()
    for request in replicas.system.twilio.read_requests():
        attempt = request.attempt_id
        if attempt in steps:
            requests[steps[attempt]] += 1
    return requests, recorded


async def settle(replicas: Replicas, accepted: dict[int, str]) -> None:
    deadline = time.monotonic() + SETTLE_S
    while time.monotonic() < deadline:
        requests, _ = await provider_requests(replicas)
        if all(requests[(n, step)] for n in accepted for step in STEPS):
            return
        await asyncio.sleep(2)


def runs_started(log: Path) -> int:
    """Escalation runs for incidents the notifier replica writing `log` started (its JSON log lines)."""
    count = 0
    for line in log.read_text(errors="replace").splitlines():
        with contextlib.suppress(ValueError):
            entry = json.loads(line)
            count += entry.get("event") == "run started" and entry.get("subject") == "incident"
    return count


def shares(counts: dict[str, int]) -> dict[str, float]:
    total = sum(counts.values()) or 1
    return {replica: round(count / total, 3) for replica, count in sorted(counts.items())}


async def main(incidents: int, rate: float, call_after_s: float) -> dict[str, Any]:
    begun = time.monotonic()
    env = {"DUTYWATCH_NOTIFIER_POLICY_FILE": str(policy_with_call_after(call_after_s))}
    async with running_system(env, postgres=True, replicas=2) as system:
        replicas = Replicas(system)
        print(f"{time.monotonic() - begun:.0f}s both replicas of each service ready", file=sys.stderr)
        accepted: dict[int, str] = {}
        kills: list[str] = []
        duration = incidents / rate
        async with httpx.AsyncClient(timeout=10, headers={"Authorization": f"Bearer {TOKEN}"}) as client:
            chaos = asyncio.create_task(kill_one_of_each(replicas, duration, kills))
            await start_at_rate(incidents, rate, lambda n: report(client, replicas, n, accepted))
            await chaos
        print(f"{time.monotonic() - begun:.0f}s intake done", file=sys.stderr)
        await settle(replicas, accepted)
        print(f"{time.monotonic() - begun:.0f}s every step sent (or gave up)", file=sys.stderr)
        requests, recorded = await provider_requests(replicas)
        print("\n".join(kills), file=sys.stderr)
        runs = {replica: runs_started(log) for replica, log in replicas.logs("notifier").items()}
        return {
            "incidents": len(accepted),
            "lost": sum(1 for n in accepted if not any(requests[(n, step)] for step in STEPS)),
            "steps_missed": sum(1 for n in accepted for step in STEPS if not requests[(n, step)]),
            "steps_fired_twice": sum(1 for count in recorded.values() if count > 1),
            "duplicate_requests": sum(max(0, count - 1) for count in requests.values()),
            "provider_requests": sum(requests.values()),
            "intake_share": shares(Counter(accepted.values())),
            "escalation_run_share": shares(runs),
            "kills": kills,
        }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--call-after-s", type=float, default=30.0, help="The call this long after the SMS.")
    arguments = parser.parse_args()
    figures = asyncio.run(main(arguments.incidents, arguments.rate, arguments.call_after_s))
    print(json.dumps(figures, ensure_ascii=False))
