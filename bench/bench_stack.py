"""The whole system for benchmarks and fault runs: broker, three service processes, the fake Twilio.

Run from the repository root; the scripts put it on `sys.path` so `tests.fakes` (the fake Twilio) imports.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from services.runtime.embedded_broker import EmbeddedBroker, free_port
from services.stack import SERVICES, Stack, StackProcess
from tests.databases import fresh_postgres_database
from tests.fakes.twilio import FakeTwilio

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


@dataclass
class BenchSystem:
    stack: Stack
    twilio: FakeTwilio
    data_dir: Path
    seen_requests: int = 0
    first_sms_at: dict[int, float] = field(default_factory=dict)
    sms_count: dict[int, int] = field(default_factory=dict)

    def url(self, service: str, path: str) -> str:
        return self.stack.url(service) + path

    def incident_body(self, n: int, occurred_at: str) -> dict[str, Any]:
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

    def collect(self) -> None:
        """Note, for each tagged incident, when its first SMS reached the provider and how many it got."""
        requests = self.twilio.requests
        for request in requests[self.seen_requests :]:
            if request.method == "POST" and request.path.endswith("/Messages.json"):
                for match in TAG.finditer(request.form.get("Body", "")):
                    n = int(match.group(1))
                    self.first_sms_at.setdefault(n, request.time)
                    self.sms_count[n] = self.sms_count.get(n, 0) + 1
        self.seen_requests = len(requests)

    def pids(self) -> dict[str, int]:
        return {name: process.pid for name, process in self.stack.processes.items()}


def _services() -> tuple[StackProcess, ...]:
    return tuple(StackProcess(each.service, each.env_prefix, free_port()) for each in SERVICES)


def environment(twilio: FakeTwilio) -> dict[str, str]:
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
async def running_system(extra_env: dict[str, str] | None = None, postgres: bool = False) -> AsyncIterator[BenchSystem]:
    data_dir = Path(tempfile.mkdtemp(prefix="dutywatch-bench-"))
    async with AsyncExitStack() as databases:
        if postgres:
            for service in SERVICES:
                url = await databases.enter_async_context(fresh_postgres_database("dutywatch_bench"))
                extra_env = {**(extra_env or {}), f"{service.env_prefix}DATABASE_URL": url}
        async with _system(data_dir, extra_env or {}) as system:
            yield system


@asynccontextmanager
async def _system(data_dir: Path, extra_env: dict[str, str]) -> AsyncIterator[BenchSystem]:
    broker = EmbeddedBroker(log_file=data_dir / "broker.log")
    console = Console(stderr=True)
    with FakeTwilio(step_delay=0.2) as twilio:
        env = {**environment(twilio), **extra_env}
        stack = Stack(data_dir, REPO / "examples" / "roster.yaml", broker, console, services=_services(), extra_env=env)
        try:
            await stack.start()
            yield BenchSystem(stack, twilio, data_dir)
        finally:
            stack.stop()


def process_sample(pid: int) -> tuple[float, float]:
    """(CPU seconds used so far, resident memory in MB) of a process, from /proc."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    cpu_s = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    with open(f"/proc/{pid}/status") as status:
        rss_kb = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    return cpu_s, rss_kb / 1024
