"""Over the real broker: the rounds service reads the roster's units and shifts, takes a round report by SMS
(`TextReceived`) and by `rounds.intake`, and sends a malformed CAP warning to `rounds.intake.dlq` with the reason."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from schemas.notify import TextReceived
from schemas.rounds import ReceiveWarning, ReportRound
from services.rounds.app import RoundsBackend, create_app
from services.rounds.domain import RoundState
from services.rounds.settings import Settings
from services.rounds.testing import ManualClock
from services.runtime.embedded_broker import EmbeddedBroker
from tests.incident.builders import OFFICER, district_updated, home_updated, shift_started
from tests.incident.kafka_probe import of_type, publish, records
from tests.rounds.builders import cap_xml

pytestmark = pytest.mark.broker

NOW = datetime.now(UTC).replace(microsecond=0)


@dataclass
class Live:
    backend: RoundsBackend
    home: str


def plans(home: str, district: str) -> str:
    return f"""
areas: {{{home}: ["420303"], {district}: ["420303"]}}
plans:
  - {{id: r-{home}, unit: {home}, kind: daily_round, every_minutes: 1, window_minutes: 60, checkpoints: [1号楼]}}
"""


async def _until(check: Callable[[], Awaitable[bool]], timeout_s: float = 30) -> None:
    async with asyncio.timeout(timeout_s):
        while not await check():
            await asyncio.sleep(0.1)


@pytest.fixture(scope="module")
async def live(broker: EmbeddedBroker, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Live]:
    """One started rounds service (its own consumer group) that has read a district and a home with a shift."""
    tag = uuid.uuid4().hex[:8]
    home, district = f"home-{tag}", f"district-{tag}"
    folder: Path = tmp_path_factory.mktemp("rounds")
    (folder / "rounds.yaml").write_text(plans(home, district), encoding="utf-8")
    settings = {
        "data_dir": folder,
        "service_name": f"rounds-test-{tag}",
        "plans_file": folder / "rounds.yaml",
        "horizon_hours": 0.05,
        "sweep_every_s": 0.5,
        "kafka": {"bootstrap_servers": broker.bootstrap},
    }
    api = create_app(Settings(**settings), clock=ManualClock(NOW))  # type: ignore[arg-type]
    backend: RoundsBackend = api.state.backend
    await backend.runtime.start()
    await publish(
        broker.bootstrap,
        district_updated(district),
        home_updated(home, district),
        shift_started(home, NOW - timedelta(hours=1)),
    )

    async def a_round_is_due() -> bool:
        await backend.fire_due(NOW)
        async with backend.work() as ports:
            return bool(await ports.rounds.find(units=[home], states=[RoundState.DUE]))

    await _until(a_round_is_due)
    yield Live(backend, home)
    await backend.runtime.stop()


async def due_code(live: Live) -> str:
    async with live.backend.work() as ports:
        waiting = await ports.rounds.find(units=[live.home], states=[RoundState.DUE])
    assert waiting[0].code is not None
    return waiting[0].code


async def test_a_due_round_is_texted_and_reported_by_sms_over_the_broker(live: Live, broker: EmbeddedBroker) -> None:
    """The code goes out as SendSms on notify.requests; `巡 code 正常` on notify.events records it and confirms."""
    code = await due_code(live)
    assert await records(broker.bootstrap, "notify.requests", of_type("notify.send_sms", unit_id=live.home))
    text = TextReceived(unit_id=live.home, **{"from": OFFICER.phone}, text=f"巡 {code} 正常", received_at=NOW)
    await publish(broker.bootstrap, text)
    confirmed = await records(broker.bootstrap, "notify.requests", of_type("notify.send_sms", reason="round reported"))
    assert any(live.home.encode() == record.key for record in confirmed)


async def test_round_reports_and_cap_warnings_on_rounds_intake_and_a_malformed_one_in_the_dlq(
    live: Live, broker: EmbeddedBroker
) -> None:
    """ReportRound records the round; a CAP document without <severity> goes to rounds.intake.dlq naming it."""
    code = await due_code(live)
    await publish(broker.bootstrap, ReportRound(unit_id=live.home, code=code, by="巡查系统"))

    async def reported() -> bool:
        async with live.backend.work() as ports:
            found = await ports.rounds.find(units=[live.home], code=code)
        return any(each.reported_by == "巡查系统" for each in found)

    await _until(reported)
    await publish(broker.bootstrap, ReceiveWarning(unit_id=live.home, cap_xml=cap_xml(drop="severity")))
    [dead] = await records(broker.bootstrap, "rounds.intake.dlq", lambda record: record.key == live.home.encode())
    assert b"info/severity: missing" in dict(dead.headers)["dlq-reason"]
