"""The whole system for benchmarks and fault runs: broker, three service processes, the fake Twilio in a
fourth (bench/fake_twilio_process.py).

Run from the repository root; the scripts put it on `sys.path` so `testbed.fakes` (the fake Twilio) imports.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from rich.console import Console

from services.runtime.embedded_broker import EmbeddedBroker, free_port
from services.stack import SERVICES, Stack, StackProcess
from testbed.databases import fresh_postgres_database

REPO = Path(__file__).resolve().parents[1]
TOKEN = "bench-token"
OUR_NUMBER = "+15005550006"
UNITS = (
    "shiyan-mca",
    "maojian",
    "zhangwan",
    "yunyang",
    "yunxi",
    "zhushan",
    "zhuxi",
    "fangxian",
    "danjiangkou",
    "fuli-home",
    "jiuzhu-station",
)
TYPES = (
    "fire",
    "co_poisoning",
    "food_poisoning",
    "missing_person",
    "accidental_injury",
    "cold_exposure",
    "rough_sleeper",
    "disaster_damage",
    "other",
)
TAG = re.compile(r"B(\d+)号")


def incident_body(n: int, occurred_at: str) -> dict[str, Any]:
    """Incident number `n`: its location starts with a tag `B<n>号` the officer's SMS carries."""
    return {
        "unit_id": UNITS[n % len(UNITS)],
        "type": TYPES[(n // len(UNITS)) % len(TYPES)],
        "severity": "IV",
        "occurred_at": occurred_at,
        "location": f"B{n}号楼",
        "summary": "基准测试",
        "reporter": "bench",
        "external_id": f"bench-{n}",
    }


@dataclass(frozen=True)
class ProviderRequest:
    method: str
    path: str
    form: dict[str, str]
    time: float

    @property
    def attempt_id(self) -> str | None:
        """The notifier's attempt an SMS or call request sends (from its callback URL); None for other requests."""
        if self.method != "POST" or not self.path.endswith(("/Messages.json", "/Calls.json")):
            return None
        callback = self.form.get("StatusCallback", "") or self.form.get("Url", "")
        return parse_qs(urlsplit(callback).query).get("attempt", [""])[0]


async def start_at_rate(count: int, rate: float, start: Callable[[int], Awaitable[None]]) -> None:
    """`start(n)` for each n below `count`, `rate` a second, each as its time comes; return once all have ended."""
    started = time.monotonic()
    tasks = []
    for n in range(count):
        await asyncio.sleep(max(0.0, started + n / rate - time.monotonic()))
        tasks.append(asyncio.create_task(start(n)))
    await asyncio.gather(*tasks)


def tagged_sms(requests: Iterable[ProviderRequest]) -> Iterator[tuple[int, float]]:
    """(incident number, arrival time) of each SMS sent to the provider for a tagged incident."""
    for request in requests:
        if request.method == "POST" and request.path.endswith("/Messages.json"):
            for match in TAG.finditer(request.form.get("Body", "")):
                yield int(match.group(1)), request.time


@dataclass
class FakeTwilioProcess:
    """The fake Twilio's process, the requests it logged so far, and when each tagged incident's first SMS
    arrived among them."""

    process: subprocess.Popen[str]
    log: Path
    base_url: str
    account_sid: str
    auth_token: str
    requests: list[ProviderRequest] = field(default_factory=list)
    first_sms_at: dict[int, float] = field(default_factory=dict)
    _read_to: int = 0

    def read_requests(self) -> list[ProviderRequest]:
        with self.log.open("rb") as log:
            log.seek(self._read_to)
            chunk = log.read()
        complete = chunk[: chunk.rfind(b"\n") + 1]
        self._read_to += len(complete)
        new = [ProviderRequest(**json.loads(line)) for line in complete.splitlines()]
        for n, arrived in tagged_sms(new):
            self.first_sms_at.setdefault(n, arrived)
        self.requests.extend(new)
        return self.requests


@dataclass
class BenchSystem:
    stack: Stack
    twilio: FakeTwilioProcess
    data_dir: Path
    env: dict[str, str] = field(default_factory=dict)  # what the services were started with beyond the stack's own
    more_replicas: list[Stack] = field(default_factory=list)  # each a second copy of every service (on PostgreSQL)

    def url(self, service: str, path: str) -> str:
        return self.stack.url(service) + path

    def pids(self) -> dict[str, int]:
        services = {name: process.pid for name, process in self.stack.processes.items()}
        broker = {"broker": pid} if (pid := self.stack.broker.pid) is not None else {}
        return services | broker | {"fake_twilio": self.twilio.process.pid}


def _services() -> tuple[StackProcess, ...]:
    return tuple(StackProcess(each.service, each.env_prefix, free_port()) for each in SERVICES)


def environment(twilio: FakeTwilioProcess) -> dict[str, str]:
    return {
        "DUTYWATCH_NOTIFIER_PROVIDER": "twilio",
        "DUTYWATCH_NOTIFIER_TWILIO_ACCOUNT_SID": twilio.account_sid,
        "DUTYWATCH_NOTIFIER_TWILIO_AUTH_TOKENS": twilio.auth_token,
        "DUTYWATCH_NOTIFIER_TWILIO_FROM_NUMBER": OUR_NUMBER,
        "DUTYWATCH_NOTIFIER_TWILIO_API_BASE_URL": twilio.base_url,
        "DUTYWATCH_INCIDENT_API_TOKENS": json.dumps({TOKEN: ["*"]}),
        "DUTYWATCH_INCIDENT_DEDUP_WINDOW_MINUTES": "0",
        "DUTYWATCH_NOTIFIER_LOG_JSON": "true",
        "DUTYWATCH_INCIDENT_LOG_JSON": "true",
        "DUTYWATCH_ROSTER_LOG_JSON": "true",
    }


@asynccontextmanager
async def running_system(
    extra_env: dict[str, str] | None = None, postgres: bool = False, replicas: int = 1
) -> AsyncIterator[BenchSystem]:
    """The system on a new broker; `replicas` copies of each service (the second and later only on PostgreSQL, where
    they share each service's database)."""
    data_dir = Path(tempfile.mkdtemp(prefix="dutywatch-bench-"))
    async with AsyncExitStack() as databases:
        if postgres:
            for service in SERVICES:
                url = await databases.enter_async_context(fresh_postgres_database("dutywatch_bench"))
                extra_env = {**(extra_env or {}), f"{service.env_prefix}DATABASE_URL": url}
        async with _system(data_dir, extra_env or {}, replicas) as system:
            yield system


@asynccontextmanager
async def _system(data_dir: Path, extra_env: dict[str, str], replicas: int) -> AsyncIterator[BenchSystem]:
    broker = EmbeddedBroker(log_file=data_dir / "broker.log")
    console = Console(stderr=True)
    with fake_twilio(data_dir / "provider-requests.jsonl") as twilio:
        env = {**environment(twilio), **extra_env}
        try:
            await broker.start()
            stacks = [
                _stack(data_dir / f"replica-{n}" if n else data_dir, broker, console, env) for n in range(replicas)
            ]
            try:
                # Together: each replica's consumer groups join while the others' do.
                await asyncio.gather(*(stack.start() for stack in stacks))
                yield BenchSystem(stacks[0], twilio, data_dir, env, stacks[1:])
            finally:
                for stack in reversed(stacks):
                    stack.stop()
        finally:
            broker.stop()


def _stack(data_dir: Path, broker: EmbeddedBroker, console: Console, env: dict[str, str]) -> Stack:
    roster = REPO / "examples" / "roster.yaml"
    return Stack(data_dir, roster, broker, console, services=_services(), extra_env=env)


@contextmanager
def fake_twilio(log: Path) -> Iterator[FakeTwilioProcess]:
    log.touch()
    command = [sys.executable, str(REPO / "bench" / "fake_twilio_process.py"), str(log)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        started = json.loads(process.stdout.readline())
        yield FakeTwilioProcess(process, log, started["base_url"], started["sid"], started["token"])
    finally:
        process.terminate()
        process.wait(10)


def process_sample(pid: int) -> tuple[float, float]:
    """(CPU seconds used so far, resident memory in MB) of a process, from /proc."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    cpu_s = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    with open(f"/proc/{pid}/status") as status:
        rss_kb = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    return cpu_s, rss_kb / 1024
