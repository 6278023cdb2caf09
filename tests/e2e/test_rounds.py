"""The rounds service end to end: every service a separate process, the real broker, the real Twilio SDK against the
fake. Its plans fall due every minute here, and its waits are seconds."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.e2e.conftest import BEARER, TOKEN, System
from tests.rounds.builders import cap_xml

pytestmark = pytest.mark.broker

PLANS = """
areas:
  shiyan-mca: ["420300"]
  fuli-home: ["420303"]
  jiuzhu-station: ["420302"]
plans:
  - id: e2e-patrol
    unit: jiuzhu-station
    kind: street_patrol
    title: 街面巡查
    every_minutes: 1
    window_minutes: 1
    hotspots: [{name: 人民桥涵洞}]
  - id: e2e-rounds
    unit: fuli-home
    kind: daily_round
    title: 院内巡查
    every_minutes: 1
    window_minutes: 2
    checkpoints: [1号楼, 厨房]
"""
CODE = re.compile(r"巡 (\d{4}) 正常")
ALERT_CODE = re.compile(r"回复1或(\d{4})确认")


@pytest.fixture(scope="module", autouse=True)
def rounds_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The rounds service of this module's stack: the plans above and waits of seconds."""
    plans = tmp_path_factory.mktemp("plans") / "rounds.yaml"
    plans.write_text(PLANS, encoding="utf-8")
    settings = {
        "DUTYWATCH_ROUNDS_PLANS_FILE": str(plans),
        "DUTYWATCH_ROUNDS_API_TOKENS": json.dumps({TOKEN: ["*"]}),
        "DUTYWATCH_ROUNDS_SWEEP_EVERY_S": "0.5",
        "DUTYWATCH_ROUNDS_PLAN_EVERY_S": "5",
        "DUTYWATCH_ROUNDS_HORIZON_HOURS": "0.1",
        "DUTYWATCH_ROUNDS_HAZARD_IMMEDIATE_HOURS": "0.01",
        "DUTYWATCH_ROUNDS_LEAVE_GRACE_MINUTES": "0.1",
        "DUTYWATCH_ROUNDS_WARNING_ACK_MINUTES": "0.5",
    }
    with pytest.MonkeyPatch.context() as patch:
        for name, value in settings.items():
            patch.setenv(name, value)
        yield


def texts(system: System, number: str, containing: str) -> list[Any]:
    return [message for message in system.twilio.messages_to(number) if containing in message.body]


async def rounds_api(system: System, method: str, path: str, **kwargs: Any) -> Any:
    response = await system.http.request(method, system.url("rounds", path), headers=BEARER, **kwargs)
    assert response.status_code < 300, response.text
    return response.json()


async def test_a_patrol_not_reported_alerts_the_officer_then_the_leader(system: System) -> None:
    """The rescue station's patrol falls due (its code by SMS), nobody reports it: 【巡查未报】 to the officer, then
    the leader is called."""
    duty = await system.on_duty("jiuzhu-station")
    officer, leader = duty["officer"]["phone"], duty["leader"]["phone"]
    await system.until(lambda: texts(system, officer, "巡 "), timeout_s=90, what="the patrol's code")
    missed = await system.until(lambda: texts(system, officer, "巡查未报"), timeout_s=150, what="the missed alert")
    assert "街面巡查" in missed[0].body
    calls = await system.until(lambda: system.twilio.calls_to(leader), timeout_s=60, what="the leader's call")
    assert calls[0].created_at >= missed[0].created_at


async def test_a_round_reported_by_sms_with_a_hazard_becomes_an_item_escalated_when_overdue(system: System) -> None:
    """`巡 code 隐患 3楼电暖器私拉电线`: confirmed, a 当即 item owned by the officer; overdue 36 s later, alerted."""
    officer = (await system.on_duty("fuli-home"))["officer"]["phone"]
    due = await system.until(lambda: texts(system, officer, "【院内巡查】"), timeout_s=90, what="the round code")
    match = CODE.search(due[-1].body)
    assert match is not None, due[-1].body
    await system.reply_sms(officer, f"巡 {match.group(1)} 隐患 3楼电暖器私拉电线")
    await system.until(lambda: texts(system, officer, "隐患1项"), timeout_s=30, what="the confirmation")
    (hazard,) = await rounds_api(system, "GET", "/hazards", params={"unit": "fuli-home"})
    assert hazard["hazard_class"] == "immediate" and hazard["owner"]["phone"] == officer

    async def overdue() -> list[Any]:
        return await rounds_api(system, "GET", "/hazards", params={"unit": "fuli-home", "state": "overdue"})

    await system.until(overdue, timeout_s=90)
    await system.until(lambda: texts(system, officer, "隐患逾期未整改"), timeout_s=30, what="the overdue alert")


async def test_a_leave_not_returned_becomes_a_missing_resident_incident_with_its_clock(system: System) -> None:
    """Expected back now, grace 6 s: an incident of type missing_person at the welfare home, first report due 1 h on."""
    body = {"unit_id": "fuli-home", "leave_id": "e2e-leave-1", "resident": "张大爷", "expected_back": _now()}
    await rounds_api(system, "POST", "/leaves", json=body)

    async def missing() -> list[Any]:
        listed = await system.http.get(
            system.url("incident", "/incidents"), params={"unit": "fuli-home"}, headers=BEARER
        )
        return [each for each in listed.json() if each["type"] == "missing_person"]

    (incident,) = await system.until(missing, timeout_s=60)
    detail = await system.incident(incident["id"])
    occurred = datetime.fromisoformat(detail["occurred_at"])
    assert datetime.fromisoformat(detail["first_report_due_at"]) - occurred == timedelta(hours=1)
    assert "张大爷" in detail["summary"]


async def test_a_cap_warning_reaches_officers_and_leaders_and_acknowledgements_are_counted(system: System) -> None:
    """A cold wave over the city: each covered unit's officer (tracked) and leader (a copy); the welfare home's officer
    acknowledges with the code, counted; the bureau, silent, has its leader called."""
    now = datetime.now(UTC)
    document = cap_xml(
        identifier=f"e2e-{now.timestamp():.0f}", sent=now.isoformat(), expires=(now + timedelta(hours=2)).isoformat()
    )
    taken = await rounds_api(system, "POST", "/warnings", params={"unit": "shiyan-mca"}, content=document)
    warning = taken["warning"]
    assert warning["units"] == ["fuli-home", "jiuzhu-station", "shiyan-mca"]
    duty = {unit: await system.on_duty(unit) for unit in warning["units"]}
    for unit in warning["units"]:
        await system.until(lambda u=unit: texts(system, duty[u]["officer"]["phone"], "寒潮"), what=f"{unit} officer")
        await system.until(lambda u=unit: texts(system, duty[u]["leader"]["phone"], "已通知本单位值班员"))
    home_officer = duty["fuli-home"]["officer"]["phone"]
    code = ALERT_CODE.search(texts(system, home_officer, "寒潮")[-1].body)
    assert code is not None
    await system.reply_sms(home_officer, code.group(1))

    async def counted() -> dict[str, Any] | None:
        shown = await rounds_api(system, "GET", f"/warnings/{warning['id']}")
        return shown if shown["units_acknowledged"] == 1 else None

    shown = await system.until(counted, timeout_s=60)
    assert list(shown["acknowledged"]) == ["fuli-home"]
    bureau_leader = duty["shiyan-mca"]["leader"]["phone"]
    await system.until(lambda: system.twilio.calls_to(bureau_leader), timeout_s=90, what="the bureau leader's call")


async def test_the_rounds_service_is_ready_and_exports_its_metrics(system: System) -> None:
    """/health/ready is 200 and /metrics has the rounds and hazards gauges."""
    assert (await system.http.get(system.url("rounds", "/health/ready"))).status_code == 200
    metrics = (await system.http.get(system.url("rounds", "/metrics"))).text
    assert 'dutywatch_rounds{state="due"}' in metrics and "dutywatch_hazards" in metrics


def _now() -> str:
    return datetime.now(UTC).isoformat()
