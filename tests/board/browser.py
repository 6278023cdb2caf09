"""The whole stack with the board, on free ports, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from rich.console import Console

from services.duty_roster.domain import LOCAL_TZ
from services.runtime.embedded_broker import EmbeddedBroker, free_port
from services.stack import BOARD, SERVICES, Stack, StackProcess

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "var" / "board-screenshots"  # kept out of git: every run writes them anew
CITY_TOKEN = "board-city-token"
COUNTY_TOKEN = "board-maojian-token"
CHECK_IN_MISSED_AFTER_S = 60  # the roster must have started and asked before it runs out
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    """Debian's Chromium (`apt-get install chromium`); Playwright's own builds cannot be downloaded here."""
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def skip_without_chromium() -> None:
    """Skipped, in one line, without a browser; in CI (`CI=true`) a missing browser fails instead."""
    if chromium_path() is None:
        message = "no Chromium found (apt-get install chromium): the board's browser tests did not run"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@dataclass
class BoardSystem:
    stack: Stack
    http: httpx.AsyncClient

    def url(self, service: str, path: str = "") -> str:
        return self.stack.url(service) + path

    async def report_incident(self, unit_id: str, summary: str, occurred_at: str, kind: str = "fire") -> dict[str, Any]:
        body = {
            "unit_id": unit_id,
            "type": kind,
            "severity": "III",
            "occurred_at": occurred_at,
            "location": "福利院3号楼",
            "summary": summary,
            "reporter": "张三",
        }
        answer = await self.http.post(
            self.url("incident", "/incidents"), json=body, headers={"Authorization": f"Bearer {CITY_TOKEN}"}
        )
        assert answer.status_code == 201, answer.text
        incident: dict[str, Any] = answer.json()["incident"]
        return incident

    async def hand_over(self, unit_id: str) -> None:
        """The unit's officer falls ill: an override on the roster gives the rest of the shift to the unit's
        officer who is on neither this shift nor the next; the roster restates the shift, and the incident
        service hands the open incidents over."""
        city = {"Authorization": f"Bearer {CITY_TOKEN}"}
        on_duty = self.url("duty_roster", f"/units/{unit_id}/on-duty")
        now = (await self.http.get(on_duty, headers=city)).json()
        after = (await self.http.get(on_duty, params={"at": now["ends_at"]}, headers=city)).json()
        busy = {now["officer"]["id"], after["officer"]["id"]}
        relief = next(f"{unit_id}-officer-{n}" for n in (1, 2, 3) if f"{unit_id}-officer-{n}" not in busy)
        sick = {
            "role": "officer",
            "by": relief,
            "starts_at": datetime.now(UTC).isoformat(),
            "ends_at": now["ends_at"],
            "reason": "病假",
            "entered_by": "值班室",
        }
        answer = await self.http.post(self.url("duty_roster", f"/units/{unit_id}/overrides"), json=sick, headers=city)
        assert answer.status_code == 201, answer.text

    async def handovers(self, unit_id: str) -> list[dict[str, Any]]:
        answer = await self.http.get(
            self.url("incident", "/handovers"),
            params={"unit": unit_id},
            headers={"Authorization": f"Bearer {CITY_TOKEN}"},
        )
        answer.raise_for_status()
        found: list[dict[str, Any]] = answer.json()
        return found

    async def incident(self, incident_id: str) -> dict[str, Any]:
        answer = await self.http.get(
            self.url("incident", f"/incidents/{incident_id}"), headers={"Authorization": f"Bearer {CITY_TOKEN}"}
        )
        answer.raise_for_status()
        found: dict[str, Any] = answer.json()
        return found


def _check_in_grace_minutes() -> float:
    """A grace period that ends CHECK_IN_MISSED_AFTER_S from now for the sample roster's 08:30 shifts."""
    now = datetime.now(LOCAL_TZ)
    handover = datetime.combine(now.date(), time(8, 30), tzinfo=LOCAL_TZ)
    started = handover if handover <= now else handover - timedelta(days=1)
    return (now - started).total_seconds() / 60 + CHECK_IN_MISSED_AFTER_S / 60


async def board_system(data: Path) -> AsyncIterator[BoardSystem]:
    tokens = json.dumps({CITY_TOKEN: ["*"], COUNTY_TOKEN: ["maojian"]})
    env = {
        # The current shift's officers are asked to check in at start, and nobody answers.
        "DUTYWATCH_ROSTER_CHECK_IN_LEAD_MINUTES": "0",
        "DUTYWATCH_ROSTER_CHECK_IN_GRACE_MINUTES": str(_check_in_grace_minutes()),
        "DUTYWATCH_ROSTER_SWEEP_SECONDS": "1",
        "DUTYWATCH_ROSTER_API_TOKENS": tokens,
        "DUTYWATCH_INCIDENT_API_TOKENS": tokens,
        "DUTYWATCH_NOTIFIER_API_TOKENS": tokens,
        "DUTYWATCH_BOARD_API_TOKENS": tokens,
        "DUTYWATCH_BOARD_FEED_TOKEN": CITY_TOKEN,
        "DUTYWATCH_BOARD_REFRESH_S": "1",
        "DUTYWATCH_NOTIFIER_BROADCAST_UNIT_ID": "shiyan-mca",
    }
    services = tuple(StackProcess(each.service, each.env_prefix, free_port()) for each in (*SERVICES, BOARD))
    broker = EmbeddedBroker(log_file=data / "broker.log")
    stack = Stack(
        data, REPO / "examples" / "roster.yaml", broker, Console(stderr=True), services=services, extra_env=env
    )
    try:
        await stack.start()
        async with httpx.AsyncClient(timeout=10) as http:
            yield BoardSystem(stack, http)
    finally:
        stack.stop()
