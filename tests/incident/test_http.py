"""HTTP intake, reading, reports and tokens, against the real app and a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from schemas.catalog import decode
from tests.incident.builders import report_body
from tests.incident.conftest import T0, Running

pytestmark = pytest.mark.postgres


async def outbox_types(running: Running) -> list[str]:
    outbox = running.backend.database.outbox.table
    async with running.backend.database.store.transaction() as session:
        rows = (await session.execute(select(outbox.c.value).order_by(outbox.c.id))).scalars().all()
    return [decode(value).type for value in rows]


async def post(running: Running, body: dict[str, Any], token: str = "home-token") -> Any:
    return await running.client.post("/incidents", json=body, headers=running.as_(token))


async def test_http_intake_creates_the_incident_and_its_events_in_the_outbox(running: Running) -> None:
    """POST /incidents answers 201 with the assigned incident; IncidentReported, which names the assignment, is
    queued."""
    response = await post(running, report_body("home", T0 - timedelta(minutes=10)))
    assert response.status_code == 201, response.text
    incident = response.json()["incident"]
    assert incident["status"] == "reported" and incident["officer"]["name"] == "王芳"
    assert incident["first_report_due_at"].startswith("2026-12-01T02:50:00")
    assert await outbox_types(running) == ["incident.reported"]


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"severity": "V"}, "severity", "Input should be"),
        ({"type": "earthquake"}, "type", "Input should be"),
        ({"location": ""}, "location", "at least 1 character"),
        ({"occurred_at": "2026-12-01T02:00:00"}, "occurred_at", "timezone"),
        ({"occurred_at": "2026-12-01T03:00:00Z"}, "occurred_at", "in the future"),
        ({"occurred_at": "2026-11-20T00:00:00Z"}, "occurred_at", "more than 7 days ago"),
        ({"unit_id": "nowhere"}, "unit_id", "unknown unit"),
        ({"summary": "nul\u0000byte"}, "summary", "control characters"),
        ({"casualties": -1}, "casualties", "greater than or equal to 0"),
    ],
)
async def test_each_validation_error_is_a_422_naming_the_field(
    running: Running, changes: dict[str, Any], field: str, words: str
) -> None:
    """A bad field, a future or too-old occurred_at and an unknown unit are 422s whose detail names the field."""
    body = {**report_body("home", T0), **changes}
    response = await post(running, body, token="admin-token")
    assert response.status_code == 422, response.text
    [problem] = response.json()["detail"]
    assert problem["loc"][-1] == field and words in problem["msg"]
    assert await outbox_types(running) == []


async def test_a_missing_field_is_a_422_naming_it(running: Running) -> None:
    """Leaving out `summary` is a 422 on body.summary."""
    body = report_body("home", T0)
    del body["summary"]
    response = await post(running, body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "summary"]


async def test_tokens_401_without_or_with_a_bad_one_and_403_for_another_unit(running: Running) -> None:
    """No token or an unknown one is 401; a unit's token reporting for another unit is 403."""
    body = report_body("home", T0)
    assert (await running.client.post("/incidents", json=body)).status_code == 401
    assert (await post(running, body, token="guess")).status_code == 401
    refused = await post(running, body, token="district-token")
    assert refused.status_code == 403 and "home" in refused.json()["detail"]
    assert (
        await running.client.get("/incidents", headers=running.as_("district-token"), params={"unit": "home"})
    ).status_code == 403


async def test_another_units_incident_answers_404_like_one_that_does_not_exist(running: Running) -> None:
    """A unit's token reading, reporting on or closing an incident of another unit gets the 404 an unknown id
    gets, not a 403 that would tell the id exists."""
    created = (await post(running, report_body("home", T0))).json()["incident"]
    district = running.as_("district-token")
    for incident_id in (created["id"], "inc-none"):
        path = f"/incidents/{incident_id}"
        read = await running.client.get(path, headers=district)
        assert (read.status_code, read.json()) == (404, {"detail": f"no incident {incident_id!r}"})
        report = {"kind": "first", "text": "情况", "filed_by": "王芳"}
        assert (await running.client.post(f"{path}/reports", json=report, headers=district)).status_code == 404
        closing = await running.client.post(f"{path}/close", json={"closed_by": "李强"}, headers=district)
        assert closing.status_code == 404


async def test_a_repeat_joins_with_200_and_is_on_the_timeline(running: Running) -> None:
    """The same external id again answers 200 with joined=true and the same incident id."""
    first = await post(running, report_body("home", T0, external_id="119-7"))
    again = await post(running, report_body("home", T0, external_id="119-7", reporter="119指挥中心"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["joined"] and again.json()["incident"]["id"] == first.json()["incident"]["id"]
    detail = (
        await running.client.get(f"/incidents/{first.json()['incident']['id']}", headers=running.as_("home-token"))
    ).json()
    assert [entry["kind"] for entry in detail["timeline"]] == ["reported", "assigned", "joined"]
    assert (await outbox_types(running)).count("incident.reported") == 1


async def test_reports_list_detail_and_close_over_http(running: Running) -> None:
    """File first, follow-up and final reports, see them per recipient, list by status, then close."""
    created = (await post(running, report_body("home", T0))).json()["incident"]
    path, headers = f"/incidents/{created['id']}", running.as_("home-token")
    early = await running.client.post(
        f"{path}/reports", json={"kind": "final", "text": "x", "filed_by": "王芳"}, headers=headers
    )
    assert early.status_code == 409 and "first report" in early.json()["detail"]
    for kind in ("first", "follow_up", "final"):
        filed = await running.client.post(
            f"{path}/reports", json={"kind": kind, "text": f"{kind} 情况", "filed_by": "王芳"}, headers=headers
        )
        assert filed.status_code == 201, filed.text
    detail = (await running.client.get(path, headers=headers)).json()
    assert detail["status"] == "final_reported" and not detail["late"]
    assert [len(each["deliveries"]) for each in detail["reports"]] == [3, 3, 3]
    assert {each["outcome"] for each in detail["deadlines"]} == {"met"}
    listed = await running.client.get("/incidents", params={"status": "final_reported"}, headers=headers)
    assert [each["id"] for each in listed.json()] == [created["id"]]
    closed = await running.client.post(f"{path}/close", json={"closed_by": "李强"}, headers=headers)
    assert closed.json()["status"] == "closed"
    assert (await outbox_types(running)).count("notify.deliver_report") == 3
    assert (await running.client.get("/incidents/inc-none", headers=headers)).status_code == 404


async def test_a_unit_without_recipients_gets_its_report_recorded_as_undeliverable(running: Running) -> None:
    """With no recipients in the directory, the report is filed and the timeline says it could not go out."""
    created = (await post(running, report_body("bare", T0), token="admin-token")).json()["incident"]
    headers = running.as_("admin-token")
    await running.client.post(
        f"/incidents/{created['id']}/reports", json={"kind": "first", "text": "t", "filed_by": "a"}, headers=headers
    )
    detail = (await running.client.get(f"/incidents/{created['id']}", headers=headers)).json()
    assert detail["timeline"][-2]["kind"] == "report_undeliverable"
    assert "notify.deliver_report" not in await outbox_types(running)


async def test_deadlines_are_swept_from_the_store_exactly_once(running: Running) -> None:
    """The sweep fires the warning and the overdue notice from the database; sweeping again fires nothing."""
    created = (await post(running, report_body("home", T0))).json()["incident"]
    fire_due = running.backend.fire_due
    assert await fire_due(T0 + timedelta(minutes=44)) == 0
    assert await fire_due(T0 + timedelta(minutes=61)) == 1  # the warning is superseded by the deadline
    assert await fire_due(T0 + timedelta(minutes=62)) == 0
    types = await outbox_types(running)
    assert types.count("incident.report_overdue") == 1 and "incident.report_due_soon" not in types
    detail = (await running.client.get(f"/incidents/{created['id']}", headers=running.as_("home-token"))).json()
    assert detail["status"] == "overdue" and detail["late"]
    assert sorted(each["outcome"] for each in detail["deadlines"]) == ["fired", "superseded"]


async def test_no_reminder_is_asked_for_once_the_first_report_is_filed(running: Running) -> None:
    """The warning fired at 45 minutes; the 首报 is filed at 50: past the deadline the sweep asks for no overdue
    call, and the overdue timer is settled as met."""
    created = (await post(running, report_body("home", T0))).json()["incident"]
    assert await running.backend.fire_due(T0 + timedelta(minutes=45)) == 1
    running.clock.advance(minutes=50)
    filed = await running.client.post(
        f"/incidents/{created['id']}/reports",
        json={"kind": "first", "text": "t", "filed_by": "a"},
        headers=running.as_("home-token"),
    )
    assert filed.status_code == 201, filed.text
    assert await running.backend.fire_due(T0 + timedelta(hours=3)) == 0
    types = await outbox_types(running)
    assert types.count("incident.report_due_soon") == 1 and "incident.report_overdue" not in types
    detail = (await running.client.get(f"/incidents/{created['id']}", headers=running.as_("home-token"))).json()
    assert sorted(each["outcome"] for each in detail["deadlines"] if each["report_kind"] == "first") == [
        "fired",
        "met",
    ]


async def test_accountability_over_http(running: Running) -> None:
    """GET /accountability gives per-unit figures for the days asked, in Beijing time."""
    created = (await post(running, report_body("home", T0))).json()["incident"]
    running.clock.advance(minutes=70)
    await running.backend.fire_due(running.clock())
    await running.client.post(
        f"/incidents/{created['id']}/reports",
        json={"kind": "first", "text": "t", "filed_by": "a"},
        headers=running.as_("home-token"),
    )
    lines = (
        await running.client.get(
            "/accountability", params={"from": "2026-12-01", "to": "2026-12-01"}, headers=running.as_("admin-token")
        )
    ).json()
    assert lines == [
        {
            "unit_id": "home",
            "incidents": 1,
            "acknowledged": 0,
            "median_to_acknowledge_s": None,
            "worst_to_acknowledge_s": None,
            "median_to_first_report_s": 4200.0,
            "late_first_reports": 1,
            "missing_first_reports": 0,
            "on_time_first_reports": 0,
            "from_other_sources": 0,
            "concealment_flags": 0,
            "missed_check_ins": 0,
            "person_id": None,
            "name": None,
            "role": "unit",
            "score": 95,
            "rank": 1,
        }
    ]
    backwards = await running.client.get(
        "/accountability", params={"from": "2026-12-02", "to": "2026-12-01"}, headers=running.as_("admin-token")
    )
    assert backwards.status_code == 422 and backwards.json()["detail"][0]["loc"] == ["query", "to"]


async def test_two_simultaneous_reports_of_one_incident_open_it_once(running: Running) -> None:
    """Two intakes racing for one unit and type: one opens the incident, the other joins it."""
    body = report_body("home", T0)
    first, second = await asyncio.gather(post(running, body), post(running, body))
    assert sorted([first.status_code, second.status_code]) == [200, 201]
    assert first.json()["incident"]["id"] == second.json()["incident"]["id"]


async def test_a_since_out_of_range_is_a_422_naming_it(running: Running) -> None:
    """A `since` that cannot be expressed in UTC is a 422 on query.since, not a server error."""
    response = await running.client.get(
        "/incidents", params={"since": "0001-01-01T00:00:00+01:00"}, headers=running.as_("admin-token")
    )
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["query", "since"]
