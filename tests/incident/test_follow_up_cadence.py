"""The 续报 cadence: for grades I and II a 续报 falls due every two hours (a setting) until the 终报."""

from __future__ import annotations

from datetime import timedelta

import pytest

from schemas.incident import ReportDueSoon, ReportOverdue
from schemas.values import Origin, ReportKind, Severity
from services.incident import handlers
from services.incident.domain import Source
from services.incident.settings import Settings
from tests.incident.builders import report, report_body
from tests.incident.conftest import Running
from tests.incident.test_handlers import RULES, T0, seeded, sent

HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)


async def test_a_major_incident_is_reminded_of_each_follow_up_two_hours_after_the_last_report() -> None:
    """Grade II: warned 15 min before the 续报 is due, overdue (bureau called) at the hour; a 续报 restarts the
    clock from its filing, and the 首报 is not made late by it."""
    ports = await seeded()
    taken = await handlers.on_report_incident(
        report("home", T0, severity=Severity.II), Source.HTTP, Origin.UNIT, ports, RULES, T0
    )
    incident_id = taken.incident.id
    first_at = T0 + 10 * MINUTE
    await handlers.on_file_report(
        incident_id, ReportKind.FIRST, "首报", "王芳", Source.HTTP, ports, first_at, rules=RULES
    )
    assert await handlers.fire_due_deadlines(ports, first_at + 104 * MINUTE) == 0
    assert await handlers.fire_due_deadlines(ports, first_at + 105 * MINUTE) == 1
    [warning] = sent(ports).of_type(ReportDueSoon)
    assert (warning.kind, warning.due_at) == (ReportKind.FOLLOW_UP, first_at + 2 * HOUR)
    assert await handlers.fire_due_deadlines(ports, first_at + 2 * HOUR) == 1
    [overdue] = sent(ports).of_type(ReportOverdue)
    assert overdue.kind is ReportKind.FOLLOW_UP
    incident = await ports.incidents.get(incident_id)
    assert incident is not None and incident.late is False
    follow_up_at = first_at + 130 * MINUTE
    await handlers.on_file_report(
        incident_id, ReportKind.FOLLOW_UP, "续报", "王芳", Source.HTTP, ports, follow_up_at, rules=RULES
    )
    assert await handlers.fire_due_deadlines(ports, follow_up_at + 105 * MINUTE) == 1
    assert await handlers.fire_due_deadlines(ports, follow_up_at + 2 * HOUR) == 1
    assert [each.due_at for each in sent(ports).of_type(ReportOverdue)][-1] == follow_up_at + 2 * HOUR


async def test_the_final_report_ends_the_cadence_and_grades_iii_and_iv_have_none() -> None:
    """After the 终报 nothing more falls due; a grade III incident never has a 续报 deadline."""
    ports = await seeded()
    major = await handlers.on_report_incident(
        report("home", T0, severity=Severity.I), Source.HTTP, Origin.UNIT, ports, RULES, T0
    )
    minor = await handlers.on_report_incident(
        report("home", T0, location="5号楼"), Source.HTTP, Origin.UNIT, ports, RULES, T0
    )
    for kind in (ReportKind.FIRST, ReportKind.FINAL):
        await handlers.on_file_report(major.incident.id, kind, kind.label, "王芳", Source.HTTP, ports, T0, rules=RULES)
    await handlers.on_file_report(
        minor.incident.id, ReportKind.FIRST, "首报", "王芳", Source.HTTP, ports, T0, rules=RULES
    )
    assert await handlers.fire_due_deadlines(ports, T0 + 24 * HOUR) == 0
    assert sent(ports).of_type(ReportDueSoon) == []


def test_the_cadence_is_a_setting_and_zero_turns_it_off() -> None:
    """DUTYWATCH_INCIDENT_FOLLOW_UP_EVERY_HOURS sets the cadence; 0 means no 续报 falls due."""
    assert Settings().rules().report.follow_up_every == 2 * HOUR
    assert Settings(follow_up_every_hours=0).rules().report.follow_up_every is None


@pytest.mark.postgres
async def test_filing_settles_only_the_clocks_it_answers_in_the_store(running: Running) -> None:
    """On each database: the 首报 settles the 首报 rows and opens the 续报's; the 续报 settles those and opens
    the next."""
    headers = running.as_("home-token")
    body = report_body("home", T0, severity="II")
    incident_id = (await running.client.post("/incidents", json=body, headers=headers)).json()["incident"]["id"]
    for kind in ("first", "follow_up"):
        filed = {"kind": kind, "text": kind, "filed_by": "王芳"}
        response = await running.client.post(f"/incidents/{incident_id}/reports", json=filed, headers=headers)
        assert response.status_code == 201, response.text
    deadlines = (await running.client.get(f"/incidents/{incident_id}", headers=headers)).json()["deadlines"]
    states = sorted((row["report_kind"], row["kind"], row["outcome"] or "") for row in deadlines)
    assert states == [
        ("first", "due_soon", "met"),
        ("first", "overdue", "met"),
        ("follow_up", "due_soon", ""),
        ("follow_up", "due_soon", "met"),
        ("follow_up", "overdue", ""),
        ("follow_up", "overdue", "met"),
    ]
