"""Concealment flags: an incident another source reported that the unit did not report by its deadline."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from schemas.catalog import decode
from schemas.envelope import Envelope
from schemas.values import Origin, ReportKind
from services.incident import handlers
from services.incident.domain import Concealment, Source, TimelineKind
from services.incident.domain.concealment import origin_on_intake, origin_over_http
from tests.incident.builders import report, report_body
from tests.incident.conftest import T0, Running
from tests.incident.test_handlers import RULES, kinds, seeded

PAST_THE_DEADLINE = T0 + timedelta(minutes=61)


@pytest.mark.parametrize(
    ("source", "origin", "acknowledged", "flag"),
    [
        (Source.KAFKA, Origin.EMERGENCY_MANAGEMENT, False, Concealment.MISSED),
        (Source.KAFKA, Origin.HOTLINE, True, Concealment.CONCEALED),
        (Source.HTTP, Origin.CITY_DUTY_ROOM, False, Concealment.MISSED),
        (Source.HTTP, Origin.PARENT_BUREAU, True, Concealment.CONCEALED),
        (Source.SMS, Origin.UNIT, False, None),
        (Source.HTTP, Origin.UNIT, True, None),
        (Source.KAFKA, Origin.UNIT, False, None),
    ],
)
async def test_an_incident_from_another_source_unreported_by_its_deadline_is_flagged(
    source: Source, origin: Origin, acknowledged: bool, flag: Concealment | None
) -> None:
    """From another source, whatever the channel, and no 首报 by the deadline: 漏报; reached (acknowledged) too:
    瞒报 candidate; the unit's own report is never flagged, only late."""
    ports = await seeded()
    taken = await handlers.on_report_incident(report("home", T0), source, origin, ports, RULES, T0)
    if acknowledged:
        incident = taken.incident
        incident.acknowledged_at = T0 + timedelta(minutes=3)
        await ports.incidents.save(incident)
    await handlers.fire_due_deadlines(ports, PAST_THE_DEADLINE)
    stored = await ports.incidents.get(taken.incident.id)
    assert stored is not None and stored.concealment is flag
    assert (TimelineKind.CONCEALMENT in await kinds(ports, stored.id)) is (flag is not None)


async def test_a_first_report_filed_in_time_leaves_no_flag() -> None:
    """The unit filed its 首报 before the deadline: the incident from another source carries no flag."""
    ports = await seeded()
    taken = await handlers.on_report_incident(
        report("home", T0), Source.KAFKA, Origin.EMERGENCY_MANAGEMENT, ports, RULES, T0
    )
    await handlers.on_file_report(taken.incident.id, ReportKind.FIRST, "首报", "王芳", Source.SMS, ports, T0)
    await handlers.fire_due_deadlines(ports, PAST_THE_DEADLINE)
    stored = await ports.incidents.get(taken.incident.id)
    assert stored is not None and stored.concealment is None


@pytest.mark.postgres
async def test_the_flag_is_stored_and_shown_on_the_incident(running: Running) -> None:
    """The flag survives the store on each database and is on the incident over HTTP."""
    async with running.backend.work() as ports:
        taken = await handlers.on_report_incident(
            report("home", T0), Source.KAFKA, Origin.EMERGENCY_MANAGEMENT, ports, RULES, T0
        )
    await running.backend.fire_due(PAST_THE_DEADLINE)
    shown = (await running.client.get(f"/incidents/{taken.incident.id}", headers=running.as_("admin-token"))).json()
    assert shown["concealment"] == "missed"
    assert "concealment" in {entry["kind"] for entry in shown["timeline"]}


@pytest.mark.parametrize(
    ("declared", "token_units", "origin"),
    [
        (None, {"home"}, Origin.UNIT),
        (Origin.HOTLINE, {"home"}, Origin.UNIT),
        (Origin.HOTLINE, {"home", "bare"}, Origin.UNIT),
        (None, None, Origin.OTHER),
        (Origin.CITY_DUTY_ROOM, None, Origin.CITY_DUTY_ROOM),
        (Origin.UNIT, None, Origin.UNIT),
        (None, {"district", "home"}, Origin.PARENT_BUREAU),
        (Origin.HOTLINE, {"district", "home"}, Origin.HOTLINE),
    ],
)
def test_who_reports_over_http_follows_the_token(
    declared: Origin | None, token_units: set[str] | None, origin: Origin
) -> None:
    """The unit's own token reports as the unit whatever it says; every unit's token and the parent bureau's are
    another source: what they say, or else other and parent_bureau."""
    assert origin_over_http(declared, "district", token_units) is origin


def test_a_report_on_intake_that_names_no_sender_comes_from_emergency_management() -> None:
    """Version 1 of incident.report (no origin) decodes as version 2 from the emergency-management link; a
    version 2 that says nothing means the same, and what it says is kept."""
    old = Envelope.wrap(report("home", T0), producer="emergency-link", occurred_at=T0).model_dump(mode="json")
    del old["payload"]["origin"]
    decoded = decode(json.dumps({**old, "version": 1}).encode())
    assert decoded.version == 2 and decoded.payload.origin is Origin.EMERGENCY_MANAGEMENT
    assert origin_on_intake(None) is Origin.EMERGENCY_MANAGEMENT
    assert origin_on_intake(Origin.HOTLINE) is Origin.HOTLINE


@pytest.mark.postgres
async def test_a_token_not_the_units_own_is_another_source_shown_on_the_incident_and_in_accountability(
    running: Running,
) -> None:
    """Over HTTP: the hotline (every unit's token) and the parent bureau's token report incidents the unit then
    does not report: both are flagged 漏报, shown with their origin; the unit's own report is not flagged."""
    reports = {
        "admin-token": report_body("home", T0, location="东区食堂", origin="hotline"),
        "bureau-token": report_body("home", T0, location="西区仓库"),
        "home-token": report_body("home", T0, location="南门岗亭", origin="city_duty_room"),
    }
    ids = {}
    for token, body in reports.items():
        response = await running.client.post("/incidents", json=body, headers=running.as_(token))
        assert response.status_code == 201, response.text
        ids[token] = response.json()["incident"]["id"]
    await running.backend.fire_due(PAST_THE_DEADLINE)
    shown = {
        token: (await running.client.get(f"/incidents/{each}", headers=running.as_("admin-token"))).json()
        for token, each in ids.items()
    }
    assert {token: (each["origin"], each["concealment"]) for token, each in shown.items()} == {
        "admin-token": ("hotline", "missed"),
        "bureau-token": ("parent_bureau", "missed"),
        "home-token": ("unit", None),
    }
    assert "reported by 热线" in shown["admin-token"]["timeline"][0]["detail"]
    params = {"from": "2026-12-01", "to": "2026-12-01"}
    [line] = (await running.client.get("/accountability", params=params, headers=running.as_("admin-token"))).json()
    assert (line["incidents"], line["from_other_sources"], line["concealment_flags"]) == (3, 2, 2)
