"""The whole system as separate processes over the real broker, with the real Twilio SDK talking to the fake."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from rich.console import Console

from services.runtime.embedded_broker import EmbeddedBroker, free_port
from services.stack import SERVICES, Stack, StackProcess
from testbed.fakes.twilio import FakeTwilio
from testbed.polling import eventually

HERE = Path(__file__).parent
REPO = HERE.parents[1]
TOKEN = "e2e-token"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
OUR_NUMBER = "+15005550006"
SHANGHAI = ZoneInfo("Asia/Shanghai")
CHECK_IN_GRACE_S = 40


@dataclass
class System:
    """The running stack, the fake provider, and the few moves a duty office makes."""

    stack: Stack
    twilio: FakeTwilio
    http: httpx.AsyncClient

    def url(self, service: str, path: str) -> str:
        return self.stack.url(service) + path

    async def on_duty(self, unit: str) -> dict[str, Any]:
        response = await self.http.get(self.url("duty_roster", f"/units/{unit}/on-duty"), headers=BEARER)
        response.raise_for_status()
        return response.json()

    async def report_incident(self, **fields: Any) -> dict[str, Any]:
        response = await self.http.post(self.url("incident", "/incidents"), json=fields, headers=BEARER)
        assert response.status_code == 201, response.text
        return response.json()

    async def incident(self, incident_id: str) -> dict[str, Any]:
        response = await self.http.get(self.url("incident", f"/incidents/{incident_id}"), headers=BEARER)
        response.raise_for_status()
        return response.json()

    async def file_report(self, incident_id: str, kind: str, text: str) -> dict[str, Any]:
        body = {"kind": kind, "text": text, "filed_by": "e2e"}
        response = await self.http.post(
            self.url("incident", f"/incidents/{incident_id}/reports"), json=body, headers=BEARER
        )
        assert response.status_code in (200, 201), response.text
        return response.json()

    async def reply_sms(self, from_number: str, body: str) -> httpx.Response:
        return await self.twilio.send_inbound_sms_async(
            self.url("notifier", "/webhooks/twilio/sms"), from_=from_number, to=OUR_NUMBER, body=body
        )

    async def until(self, probe: Callable[[], Any], timeout_s: float = 60, what: str = "") -> Any:
        """Poll `probe` (sync or async) until it returns something truthy."""
        return await eventually(probe, timeout_s, what, every_s=0.2)


def _minutes_into_the_current_shift() -> float:
    """The sample roster hands over at 08:30 Asia/Shanghai every 24 h."""
    now = datetime.now(SHANGHAI)
    start = now.replace(hour=8, minute=30, second=0, microsecond=0)
    if start > now:
        start -= timedelta(days=1)
    return (now - start).total_seconds() / 60


def _services() -> tuple[StackProcess, ...]:
    return tuple(StackProcess(each.service, each.env_prefix, free_port()) for each in SERVICES)


@pytest.fixture(scope="module")
def twilio() -> Iterator[FakeTwilio]:
    with FakeTwilio() as fake:
        yield fake


@pytest.fixture(scope="module")
async def system(twilio: FakeTwilio, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    """The stack on a broker of its own: new consumer groups start at the earliest offset, and on the session
    broker they would first wade through every message the other tests left behind."""
    env = {
        "DUTYWATCH_NOTIFIER_PROVIDER": "twilio",
        "DUTYWATCH_NOTIFIER_TWILIO_ACCOUNT_SID": twilio.account_sid,
        "DUTYWATCH_NOTIFIER_TWILIO_AUTH_TOKENS": twilio.auth_token,
        "DUTYWATCH_NOTIFIER_TWILIO_FROM_NUMBER": OUR_NUMBER,
        "DUTYWATCH_NOTIFIER_TWILIO_API_BASE_URL": twilio.base_url,
        "DUTYWATCH_NOTIFIER_POLICY_FILE": str(HERE / "policy.yaml"),
        "DUTYWATCH_NOTIFIER_SWEEP_EVERY_S": "0.2",
        "DUTYWATCH_NOTIFIER_BROADCAST_UNIT_ID": "shiyan-mca",
        "DUTYWATCH_INCIDENT_API_TOKENS": json.dumps({TOKEN: ["*"]}),
        "DUTYWATCH_NOTIFIER_API_TOKENS": json.dumps({TOKEN: ["*"]}),
        "DUTYWATCH_ROSTER_API_TOKENS": json.dumps({TOKEN: ["*"]}),
        "DUTYWATCH_INCIDENT_SWEEP_EVERY_S": "0.2",
        "DUTYWATCH_ROSTER_SWEEP_SECONDS": "0.2",
        # The current shift's check-in window closes CHECK_IN_GRACE_S after the stack starts: nobody answers.
        "DUTYWATCH_ROSTER_CHECK_IN_LEAD_MINUTES": "0",
        "DUTYWATCH_ROSTER_CHECK_IN_GRACE_MINUTES": str(_minutes_into_the_current_shift() + CHECK_IN_GRACE_S / 60),
    }
    data = tmp_path_factory.mktemp("e2e")
    broker = EmbeddedBroker(log_file=data / "broker.log")
    stack = Stack(
        data, REPO / "examples" / "roster.yaml", broker, Console(stderr=True), services=_services(), extra_env=env
    )
    try:
        await stack.start()
        async with httpx.AsyncClient(timeout=10) as http:
            yield System(stack, twilio, http)
    finally:
        stack.stop()
