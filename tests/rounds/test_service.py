"""The service on a real database (SQLite and PostgreSQL): timers fired by its sweeps, the HTTP API with its
tokens, what it puts in its outbox, and a bad plans file stopping it at start."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from services.rounds.adapters.plans_file import PlansFileError
from services.rounds.app import create_app
from services.rounds.settings import Settings
from tests.rounds.builders import cap_xml
from tests.rounds.conftest import NIGHT, Running


async def due_code(running: Running) -> str:
    """Plan, let the night round fall due, and read its code from the rounds the API lists."""
    await running.backend.plan_ahead(running.clock())
    running.clock.now = NIGHT
    await running.backend.fire_due(NIGHT)
    listed = (await running.client.get("/rounds", params={"state": "due"}, headers=running.as_())).json()
    (night,) = [each for each in listed if each["plan_id"] == "night"]
    return str(night["code"])


async def test_a_due_round_texts_its_code_and_a_missed_one_puts_its_alert_in_the_outbox(running: Running) -> None:
    """Falling due: an SMS with the code in the outbox; at the deadline, RoundMissed for officer, leader, duty room."""
    code = await due_code(running)
    (sms,) = await running.sent_of("notify.send_sms")
    assert f"巡 {code} 正常" in sms["text"]
    await running.backend.fire_due(NIGHT + timedelta(hours=1))
    (missed,) = await running.sent_of("duty.round_missed")
    assert missed["officer"]["name"] == "王芳" and missed["leader"]["name"] == "李强"
    assert missed["duty_room"]["name"] == "区民政局值班室"
    await running.backend.fire_due(NIGHT + timedelta(hours=2))
    assert len(await running.sent_of("duty.round_missed")) == 1


async def test_a_round_reported_over_http_twice_has_one_result(running: Running) -> None:
    """Per-checkpoint results: 201 the first time; the same again 200 with `first` false and the first result kept."""
    code = await due_code(running)
    body = {"by": "王芳", "results": [{"item": "1号楼", "ok": True}, {"item": "厨房", "ok": False, "note": "灶台油污"}]}
    first = await running.client.post(f"/rounds/{code}/report", json=body, headers=running.as_())
    again = await running.client.post(f"/rounds/{code}/report", json={"by": "别人"}, headers=running.as_())
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["first"] and not again.json()["first"]
    kept = again.json()["round"]
    assert kept["reported_by"] == "王芳" and kept["results"][1]["note"] == "灶台油污"
    other = "0001" if code == "0000" else "0000"
    unknown = await running.client.post(f"/rounds/{other}/report", json=body, headers=running.as_())
    assert unknown.status_code == 404


async def test_a_hazard_reported_over_http_is_escalated_when_overdue_and_closed_with_a_note(running: Running) -> None:
    """A 24-hour hazard: open, then overdue with HazardOverdue in the outbox, then closed; closing twice is 409."""
    code = await due_code(running)
    body = {"by": "王芳", "hazards": [{"description": "围墙破损", "hazard_class": "day"}]}
    (hazard,) = (await running.client.post(f"/rounds/{code}/report", json=body, headers=running.as_())).json()[
        "hazards"
    ]
    await running.backend.fire_due(NIGHT + timedelta(hours=24))
    assert [each["hazard_id"] for each in await running.sent_of("duty.hazard_overdue")] == [hazard["id"]]
    listed = (await running.client.get("/hazards", params={"state": "overdue"}, headers=running.as_())).json()
    assert [each["id"] for each in listed] == [hazard["id"]]
    close = {"by": "王芳", "note": "已修复围墙"}
    closed = await running.client.post(f"/hazards/{hazard['id']}/close", json=close, headers=running.as_())
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    twice = await running.client.post(f"/hazards/{hazard['id']}/close", json=close, headers=running.as_())
    assert twice.status_code == 409


async def test_a_leave_not_returned_becomes_a_missing_person_incident_on_intake(running: Running) -> None:
    """Expected back at 23:30 with 30 min grace: at midnight a missing_person ReportIncident is in the outbox."""
    body = {"unit_id": "home", "leave_id": "L-7", "resident": "张大爷", "expected_back": NIGHT.isoformat()}
    assert (await running.client.post("/leaves", json=body, headers=running.as_("home-token"))).status_code == 201
    await running.backend.fire_due(NIGHT + timedelta(minutes=31))
    (incident,) = await running.sent_of("incident.report")
    assert incident["type"] == "missing_person" and "张大爷" in incident["summary"]
    listed = (await running.client.get("/leaves", headers=running.as_())).json()
    assert listed[0]["state"] == "missing"


async def test_a_cap_warning_over_http_is_broadcast_and_a_malformed_one_is_422_naming_the_problem(
    running: Running,
) -> None:
    """Valid: 201 and a BroadcastSent to the covered units; missing <severity>: 422 saying info/severity."""
    bad = await running.client.post(
        "/warnings", params={"unit": "district"}, content=cap_xml(drop="severity"), headers=running.as_()
    )
    assert bad.status_code == 422 and "info/severity: missing" in bad.json()["detail"]
    xml = {**running.as_(), "Content-Type": "application/xml"}
    good = await running.client.post("/warnings", params={"unit": "district"}, content=cap_xml(), headers=xml)
    assert good.status_code == 201, good.text
    (broadcast,) = await running.sent_of("broadcast.sent")
    assert broadcast["target_unit_ids"] == ["district", "home"]
    shown = (await running.client.get(f"/warnings/{good.json()['warning']['id']}", headers=running.as_())).json()
    assert (shown["units_total"], shown["units_acknowledged"]) == (2, 0)


async def test_tokens_are_required_and_scoped_to_their_units(running: Running) -> None:
    """No token: 401; a home token cannot record a leave for the district: 403."""
    assert (await running.client.get("/rounds")).status_code == 401
    body = {"unit_id": "district", "leave_id": "L-8", "resident": "李", "expected_back": NIGHT.isoformat()}
    assert (await running.client.post("/leaves", json=body, headers=running.as_("home-token"))).status_code == 403


async def test_coverage_over_http_lists_the_checkpoints_not_patrolled(running: Running) -> None:
    """The night round reported with one checkpoint: the other is listed for that day."""
    code = await due_code(running)
    body = {"by": "王芳", "results": [{"item": "1号楼"}]}
    await running.client.post(f"/rounds/{code}/report", json=body, headers=running.as_())
    params = {"unit": "home", "from": "2026-12-01", "to": "2026-12-01"}
    rows = (await running.client.get("/coverage", params=params, headers=running.as_())).json()
    night = next(row for row in rows if row["plan_id"] == "night")
    assert night["not_covered"] == ["厨房"] and night["rounds_reported"] == 1


def test_a_bad_plans_file_stops_the_service_at_start_naming_the_line(tmp_path: Path) -> None:
    """create_app reads the plans file: a problem raises PlansFileError with the file and the line."""
    plans = tmp_path / "rounds.yaml"
    plans.write_text("plans:\n  - {id: a, unit: home, kind: daily_round}\n", encoding="utf-8")
    with pytest.raises(PlansFileError, match="line 2: plan 'a': a daily_round needs times"):
        create_app(Settings(data_dir=tmp_path, plans_file=plans))
