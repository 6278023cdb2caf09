"""End to end: a filed 首报 ends its alarms, over separate processes, the real broker and the real Twilio SDK.

The incident is 59 minutes old when it is reported, so the 首报 warning goes out at once and the deadline passes
within the test; the units' policies (tests/e2e/policy.yaml) make every later step a call 18 s on.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.e2e.conftest import System

pytestmark = pytest.mark.broker

MINUTES_AGO = 59.3
PAST_THE_DEADLINE_S = 12


def fire_at(unit: str, location: str) -> dict[str, Any]:
    return {
        "unit_id": unit,
        "type": "fire",
        "severity": "III",
        "occurred_at": (datetime.now(UTC) - timedelta(minutes=MINUTES_AGO)).isoformat(),
        "location": location,
        "summary": "锅炉房起火，人员已疏散",
        "reporter": "端到端测试",
    }


async def alarmed(system: System, unit: str, location: str) -> tuple[str, str, str, str]:
    """Report the incident; return its id, the officer, the leader and the deadline once both are warned."""
    duty = await system.on_duty(unit)
    officer, leader = duty["officer"]["phone"], duty["leader"]["phone"]
    reported = await system.report_incident(**fire_at(unit, location))
    incident = reported["incident"]
    await system.until(lambda: [m for m in system.twilio.messages_to(officer) if location in m.body])
    for number in (officer, leader):
        await system.until(lambda n=number: [m for m in system.twilio.messages_to(n) if "首报将到期" in m.body])
    return incident["id"], officer, leader, incident["first_report_due_at"]


async def past(deadline: str) -> None:
    remaining = datetime.fromisoformat(deadline) - datetime.now(UTC)
    await asyncio.sleep(max(remaining.total_seconds(), 0) + PAST_THE_DEADLINE_S)


def said_to(system: System, number: str) -> list[str]:
    return [" ".join(said.text for said in call.said) for call in system.twilio.calls_to(number)]


async def assert_reached_the_recipients(system: System, unit_name: str, recipients: list[str]) -> None:
    """The three duty rooms are landlines: each is called at once and hears the report."""
    for number in recipients:
        await system.until(
            lambda n=number: [text for text in said_to(system, n) if "首报" in text and unit_name in text],
            what=f"the 首报 read to {number}",
        )


def assert_no_alarm_after_the_filing(system: System, officer: str, leader: str, unit_name: str) -> None:
    """Nobody of the unit was called, nobody warned twice, and the bureau never heard 至今未报 about it."""
    assert system.twilio.calls_to(officer) == [], "the officer was called after filing"
    assert system.twilio.calls_to(leader) == [], "the leader was called after the officer filed"
    for number in (officer, leader):
        warnings = [m for m in system.twilio.messages_to(number) if "首报将到期" in m.body]
        assert len(warnings) == 1, warnings
    said = said_to(system, "+867198000000")
    assert not [text for text in said if "至今未报" in text and unit_name in text], said


async def stopped_runs(system: System, incident_id: str) -> set[str]:
    timeline = (await system.incident(incident_id))["timeline"]
    return {entry["detail"].split(" ")[0] for entry in timeline if entry["kind"] == "run_stopped"}


@dataclass(frozen=True)
class Filed:
    """An incident whose 首报 was filed while its alarms ran, and who was alarmed."""

    incident_id: str
    officer: str
    leader: str
    deadline: str


async def filed_by_sms(system: System) -> Filed:
    """Incident → alert and 首报 warning → the officer texts `首报 …` → both runs stop, the recipients hear it."""
    incident_id, officer, leader, deadline = await alarmed(system, "yunxi", "郧西县福利院锅炉房")
    await system.reply_sms(officer, "首报 锅炉房起火已扑灭，无人员伤亡，正在排查原因。")
    await system.until(lambda: _both_stopped(system, incident_id), what="both runs stopped")
    await assert_reached_the_recipients(system, "郧西县民政局", ["+867198100005", "+867198200005", "+867198000000"])
    return Filed(incident_id, officer, leader, deadline)


async def filed_over_http(system: System) -> Filed:
    """The same, the 首报 filed over HTTP."""
    incident_id, officer, leader, deadline = await alarmed(system, "zhushan", "竹山县救助站锅炉房")
    await system.file_report(incident_id, "first", "锅炉房起火已扑灭，无人员伤亡。")
    await system.until(lambda: _both_stopped(system, incident_id), what="both runs stopped")
    await assert_reached_the_recipients(system, "竹山县民政局", ["+867198100006", "+867198200006", "+867198000000"])
    return Filed(incident_id, officer, leader, deadline)


@pytest.fixture(scope="module")
async def past_the_deadlines(system: System) -> dict[str, Filed]:
    """Both filings at once, on two units, then past both deadlines: the real-time wait is taken once."""
    by_sms, over_http = await asyncio.gather(filed_by_sms(system), filed_over_http(system))
    await past(max(by_sms.deadline, over_http.deadline, key=datetime.fromisoformat))
    return {"sms": by_sms, "http": over_http}


async def test_the_officers_sms_first_report_stops_every_alarm_and_reaches_the_three_recipients(
    system: System, past_the_deadlines: dict[str, Filed]
) -> None:
    """Filed by SMS: acknowledged, no call to anyone, the three recipients got it, and past the deadline no
    warning and no 至今未报 call."""
    filed = past_the_deadlines["sms"]
    assert_no_alarm_after_the_filing(system, filed.officer, filed.leader, "郧西县民政局")
    detail = await system.incident(filed.incident_id)
    assert detail["acknowledged_at"] is not None and detail["first_reported_at"] is not None
    assert detail["late"] is False
    assert "overdue" not in {entry["kind"] for entry in detail["timeline"]}


async def test_a_first_report_filed_over_http_stops_every_alarm_just_the_same(
    system: System, past_the_deadlines: dict[str, Filed]
) -> None:
    """Filed over HTTP: both runs stopped, nobody called, nothing after the deadline."""
    filed = past_the_deadlines["http"]
    assert_no_alarm_after_the_filing(system, filed.officer, filed.leader, "竹山县民政局")
    assert (await system.incident(filed.incident_id))["late"] is False


async def _both_stopped(system: System, incident_id: str) -> bool:
    return await stopped_runs(system, incident_id) == {"incident", "report_due"}
