"""End to end, as a duty office lives it: every service a separate process, the real broker, the real Twilio SDK."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.e2e.conftest import BEARER, System

pytestmark = pytest.mark.broker


def ago(minutes: float) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat()


def incident_fields(unit: str, location: str, minutes_ago: float = 2, severity: str = "III") -> dict[str, Any]:
    return {
        "unit_id": unit,
        "type": "fire",
        "severity": severity,
        "occurred_at": ago(minutes_ago),
        "location": location,
        "summary": "厨房起火，人员已疏散",
        "reporter": "端到端测试",
    }


async def _escalation_over(system: System, incident_id: str) -> bool:
    """The notifier's run for the incident is acknowledged with no step left due: nothing more can go out."""
    timeline = (await system.incident(incident_id))["timeline"]
    run_ids = [entry["data"]["run_id"] for entry in timeline if entry["kind"] == "acknowledged"]
    if not run_ids:
        return False
    response = await system.http.get(system.url("notifier", f"/runs/{run_ids[0]}"), headers=BEARER)
    response.raise_for_status()
    run = response.json()
    return run["state"] == "acknowledged" and all(track["due_at"] is None for track in run["tracks"])


async def test_an_incident_is_escalated_until_key_1_then_its_first_report_reaches_all_three_recipients(
    system: System,
) -> None:
    """HTTP intake → SMS to the officer on duty → no reply → call → key 1 → acknowledged → 首报 → each
    recipient (a landline) is called with it and presses 1 → on time."""
    unit = "maojian"
    officer = (await system.on_duty(unit))["officer"]["phone"]
    leader = (await system.on_duty(unit))["leader"]["phone"]
    system.twilio.set_call_outcome(officer, "completed", digits="1")
    reported = await system.report_incident(**incident_fields(unit, "茅箭区敬老院2楼"))
    incident_id = reported["incident"]["id"]

    sms = await system.until(lambda: [m for m in system.twilio.messages_to(officer) if "茅箭区敬老院" in m.body])
    assert sms[0].to == officer
    await system.until(lambda: system.twilio.calls_to(officer), what="a call to the officer")

    async def acknowledged() -> bool:
        return (await system.incident(incident_id))["acknowledged_at"] is not None

    await system.until(acknowledged)
    await system.until(lambda: _escalation_over(system, incident_id), what="the run ended with no step left due")
    await system.until(system.twilio.is_idle, what="the fake Twilio done with every call")
    assert not system.twilio.calls_to(leader), "the run went on after key 1"

    recipients = ["+867198100002", "+867198200002", "+867198000000"]
    for number in recipients:
        system.twilio.set_call_outcome(number, "completed", digits="1")
    await system.file_report(incident_id, "first", "首报：茅箭区敬老院厨房起火，已扑灭，无人员伤亡。")
    for number in recipients:  # landlines: called at once, they hear the report and press 1
        await system.until(lambda n=number: [c for c in system.twilio.calls_to(n) if c.digits_sent])

    async def each_acknowledged() -> list[Any]:
        detail = await system.incident(incident_id)
        (first,) = [report for report in detail["reports"] if report["kind"] == "first"]
        deliveries = first["deliveries"]
        return deliveries if all(d["acknowledged_at"] for d in deliveries) and len(deliveries) == 3 else []

    deliveries = await system.until(each_acknowledged)
    assert {d["phone"] for d in deliveries} == set(recipients)
    assert all(d["delivered_at"] for d in deliveries)
    detail = await system.incident(incident_id)
    assert detail["late"] is False
    assert detail["first_reported_at"] is not None


async def test_with_no_first_report_the_incident_goes_overdue_and_the_municipal_bureau_is_called(
    system: System,
) -> None:
    """An incident 59 min 45 s old, no 首报: at the hour it is overdue (迟报) and the bureau's duty room is called."""
    unit = "zhangwan"
    bureau = "+867198000000"
    calls_before = len(system.twilio.calls_to(bureau))
    reported = await system.report_incident(**incident_fields(unit, "张湾区救助站门口", minutes_ago=59.75))
    incident_id = reported["incident"]["id"]

    async def overdue() -> dict[str, Any] | None:
        detail = await system.incident(incident_id)
        return detail if detail["late"] else None

    detail = await system.until(overdue, timeout_s=60)
    assert any(entry["kind"] == "overdue" for entry in detail["timeline"]), detail["timeline"]
    await system.until(lambda: len(system.twilio.calls_to(bureau)) > calls_before, timeout_s=30)


async def test_a_broadcast_reaches_every_on_duty_officer_and_counts_their_acknowledgements(system: System) -> None:
    """A cold-wave notice goes to each unit's officer on duty; two reply 1 and the count says two."""
    response = await system.http.post(
        system.url("notifier", "/broadcasts"),
        json={"title": "寒潮预警", "text": "今夜寒潮来袭，请加强巡查，确保流浪人员安置。", "sent_by": "市民政局"},
        headers=BEARER,
    )
    assert response.status_code == 202, response.text
    broadcast_id = response.json()["broadcast_id"]
    units = ["shiyan-mca", "maojian", "zhangwan", "fuli-home", "jiuzhu-station"]
    officers = {unit: (await system.on_duty(unit))["officer"]["phone"] for unit in units}
    for number in officers.values():
        await system.until(lambda n=number: [m for m in system.twilio.messages_to(n) if "寒潮" in m.body])
    for unit in ("fuli-home", "jiuzhu-station"):
        await system.reply_sms(officers[unit], "1")

    async def counted() -> dict[str, Any] | None:
        view = (await system.http.get(system.url("notifier", f"/broadcasts/{broadcast_id}"), headers=BEARER)).json()
        return view if view["counts"]["acknowledged"] == 2 else None

    view = await system.until(counted)
    assert view["unit_id"] == "shiyan-mca"  # no sender named: the directory's top unit, the city bureau
    assert view["counts"]["units"] >= len(units)
    assert view["counts"]["waiting"] == view["counts"]["units"] - 2


async def test_a_missed_check_in_alerts_the_leader_and_the_municipal_duty_room(system: System) -> None:
    """Nobody answered the current shift's check-in requests (officer's and leader's): the leader gets the
    officer's 【签到未到】 by SMS, the city's duty room (a landline) a call for each, the leader's own included."""
    unit = "yunyang"
    duty = await system.on_duty(unit)
    officer, leader = duty["officer"]["phone"], duty["leader"]["phone"]
    assert await system.until(lambda: system.twilio.messages_to(officer), what="the check-in request")

    def asked(number: str) -> list[Any]:
        return [m for m in system.twilio.messages_to(number) if "带班签到" in m.body]

    assert await system.until(lambda: asked(leader), what="the leader's check-in request")

    def alerted(number: str) -> list[Any]:
        return [m for m in system.twilio.messages_to(number) if "签到未到" in m.body]

    warning = await system.until(lambda: alerted(leader), timeout_s=90)
    assert duty["officer"]["name"] in warning[0].body and "值班员" in warning[0].body

    def heard(number: str, who: str) -> list[Any]:  # a landline takes no SMS: it is called
        return [call for call in system.twilio.calls_to(number) if any(who in s.text for s in call.said)]

    assert await system.until(lambda: heard("+867198000000", f"值班员{duty['officer']['name']}未按时签到"))
    assert await system.until(lambda: heard("+867198000000", f"带班领导{duty['leader']['name']}未按时签到"))
    assert not [m for m in alerted(leader) if "带班领导" in m.body]


async def test_every_service_is_ready_and_exports_metrics(system: System) -> None:
    """/health/ready is 200 and /metrics speaks Prometheus on each service, with each service's own figures."""
    own = {
        "duty_roster": [],
        "incident": ["dutywatch_open_incidents", "dutywatch_late_first_reports"],
        "notifier": [
            "dutywatch_provider_requests_total",
            "dutywatch_step_lateness_seconds",
            "dutywatch_open_escalation_runs",
        ],
    }
    for service, names in own.items():
        ready = await system.http.get(system.url(service, "/health/ready"))
        assert ready.status_code == 200, (service, ready.text)
        metrics = (await system.http.get(system.url(service, "/metrics"))).text
        for name in ["dutywatch_messages_in_total", "dutywatch_handler_seconds", *names]:
            assert name in metrics, (service, name)
