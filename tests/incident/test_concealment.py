"""Concealment flags: an incident another source reported that the unit did not report by its deadline."""

from __future__ import annotations

from datetime import timedelta

import pytest

from schemas.values import ReportKind
from services.incident import handlers
from services.incident.domain import Concealment, Source, TimelineKind
from tests.incident.builders import report
from tests.incident.conftest import T0, Running
from tests.incident.test_handlers import RULES, kinds, seeded

PAST_THE_DEADLINE = T0 + timedelta(minutes=61)


@pytest.mark.parametrize(
    ("source", "acknowledged", "flag"),
    [
        (Source.KAFKA, False, Concealment.MISSED),
        (Source.KAFKA, True, Concealment.CONCEALED),
        (Source.SMS, False, None),
        (Source.HTTP, True, None),
    ],
)
async def test_an_incident_from_another_source_unreported_by_its_deadline_is_flagged(
    source: Source, acknowledged: bool, flag: Concealment | None
) -> None:
    """From incident.intake and no 首报 by the deadline: 漏报; reached (acknowledged) too: 瞒报 candidate;
    the unit's own report is never flagged, only late."""
    ports = await seeded()
    taken = await handlers.on_report_incident(report("home", T0), source, ports, RULES, T0)
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
    taken = await handlers.on_report_incident(report("home", T0), Source.KAFKA, ports, RULES, T0)
    await handlers.on_file_report(taken.incident.id, ReportKind.FIRST, "首报", "王芳", Source.SMS, ports, T0)
    await handlers.fire_due_deadlines(ports, PAST_THE_DEADLINE)
    stored = await ports.incidents.get(taken.incident.id)
    assert stored is not None and stored.concealment is None


@pytest.mark.postgres
async def test_the_flag_is_stored_and_shown_on_the_incident(running: Running) -> None:
    """The flag survives the store on each database and is on the incident over HTTP."""
    async with running.backend.work() as ports:
        taken = await handlers.on_report_incident(report("home", T0), Source.KAFKA, ports, RULES, T0)
    await running.backend.fire_due(PAST_THE_DEADLINE)
    shown = (await running.client.get(f"/incidents/{taken.incident.id}", headers=running.as_("admin-token"))).json()
    assert shown["concealment"] == "missed"
    assert "concealment" in {entry["kind"] for entry in shown["timeline"]}
