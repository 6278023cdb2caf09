"""Accountability by unit and by person, the ranking of units, missed check-ins, and the CSV and XLSX files."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from schemas.duty import CheckInMissed, DutyRole
from schemas.values import Person
from services.incident import handlers
from services.incident.adapters.account_files import ACCOUNT_COLUMNS
from services.incident.adapters.cli import incident_app
from services.incident.domain import AccountBy, Concealment, MissedCheckIn, account
from testbed.fakes.asgi_server import AsgiServer
from tests.incident.builders import LEADER, OFFICER, report_body
from tests.incident.conftest import T0, Running
from tests.incident.served import prepared_app
from tests.incident.test_domain import NOW, incident

MINUTE = timedelta(minutes=1)
ZHANG = Person(id="zhang-jun", name="张军", phone="+8613800000002")


def test_units_are_ranked_by_score_then_by_the_faster_first_report() -> None:
    """100 less 5 per 迟报, 15 per 漏报, 20 per flag and 2 per missed check-in; ties go to the faster 首报."""
    cases = [
        incident(id="1", first_reported_at=NOW, late=True),
        incident(id="2", unit_id="b", first_reported_at=NOW + 20 * MINUTE),
        incident(id="3", unit_id="c", first_reported_at=NOW + 5 * MINUTE),
        incident(id="4", unit_id="d", first_report_due_at=NOW - MINUTE, concealment=Concealment.MISSED),
    ]
    missed = [MissedCheckIn("s-1", "b", DutyRole.OFFICER, OFFICER, NOW)]
    lines = {line.unit_id: line for line in account(cases, NOW, missed)}
    assert {unit: line.score for unit, line in lines.items()} == {"home": 95, "b": 98, "c": 100, "d": 65}
    assert {unit: line.rank for unit, line in lines.items()} == {"c": 1, "b": 2, "home": 3, "d": 4}
    assert (lines["d"].missing_first_reports, lines["d"].concealment_flags) == (1, 1)


def test_by_person_each_incident_counts_for_its_officer_and_its_leader() -> None:
    """An incident is on its officer's and its leader's line; a missed check-in on the line of the role that missed
    it."""
    cases = [
        incident(id="1", officer=OFFICER, leader=LEADER, first_reported_at=NOW, late=True),
        incident(id="2", officer=ZHANG, leader=LEADER, first_reported_at=NOW),
    ]
    missed = [
        MissedCheckIn("s-1", "home", DutyRole.OFFICER, ZHANG, NOW),
        MissedCheckIn("s-1", "home", DutyRole.LEADER, LEADER, NOW),
    ]
    lines = account(cases, NOW, missed, AccountBy.PERSON)
    by_person = {(line.name, line.role): line for line in lines}
    assert set(by_person) == {("王芳", "officer"), ("张军", "officer"), ("李强", "leader")}
    assert by_person["李强", "leader"].incidents == 2 and by_person["李强", "leader"].late_first_reports == 1
    assert by_person["张军", "officer"].missed_check_ins == 1 and by_person["王芳", "officer"].missed_check_ins == 0
    assert by_person["李强", "leader"].missed_check_ins == 1
    assert all(line.rank is None for line in lines)


def test_a_merged_duplicate_is_not_counted() -> None:
    """An incident closed into another by a merge is one incident, not two."""
    cases = [incident(id="1"), incident(id="2", merged_into="1")]
    [line] = account(cases, NOW)
    assert line.incidents == 1


@pytest.mark.postgres
async def test_missed_check_ins_are_kept_once_and_counted_over_http_as_csv_and_xlsx(running: Running) -> None:
    """A CheckInMissed (twice) is one missed check-in, the leader's of the same shift another on the leader's line;
    GET /accountability gives them in JSON, CSV and XLSX."""
    officers = CheckInMissed(
        unit_id="home",
        shift_id="home@1",
        role=DutyRole.OFFICER,
        person=OFFICER,
        leader=LEADER,
        due_by=T0,
        municipal_duty_room=None,
    )
    leaders = officers.model_copy(update={"role": DutyRole.LEADER, "person": LEADER, "leader": None})
    for missed in (officers, officers, leaders):
        async with running.backend.work() as ports:
            await handlers.on_check_in_missed(missed, ports, T0)
    headers = running.as_("admin-token")
    await running.client.post("/incidents", json=report_body("home", T0 - 10 * MINUTE), headers=headers)
    query = {"from": "2026-12-01", "to": "2026-12-01", "by": "person"}
    lines = (await running.client.get("/accountability", params=query, headers=headers)).json()
    officer, leader = ({line["role"]: line for line in lines}[role] for role in ("officer", "leader"))
    assert (officer["name"], officer["role"], officer["missed_check_ins"]) == ("王芳", "officer", 1)
    assert (leader["role"], leader["incidents"], leader["missed_check_ins"]) == ("leader", 1, 1)
    as_csv = await running.client.get("/accountability", params={**query, "format": "csv"}, headers=headers)
    assert as_csv.text.splitlines()[0] == ",".join(ACCOUNT_COLUMNS)
    as_xlsx = await running.client.get("/accountability", params={**query, "format": "xlsx"}, headers=headers)
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    assert sheet is not None and [cell.value for cell in sheet[1]] == list(ACCOUNT_COLUMNS)


def test_the_cli_writes_the_xlsx_by_person_that_openpyxl_reads_back(tmp_path: Path) -> None:
    """`dutywatch incident accountability --by person --format xlsx -o FILE`: the documented columns, one row
    per person and role."""
    server = AsgiServer(prepared_app(tmp_path)).start()
    try:
        runner = CliRunner()
        base = ["--url", server.base_url, "--token", "admin-token"]
        reported = runner.invoke(
            incident_app,
            [*base, "report", "--unit", "home", "--type", "fire", "--location", "3号楼", "--summary", "冒烟",
             "--reporter", "王芳", "--occurred-at", "2026-12-01T01:50:00"],
        )  # fmt: skip
        assert reported.exit_code == 0, reported.output
        target = tmp_path / "accountability.xlsx"
        result = runner.invoke(
            incident_app,
            [*base, "accountability", "--from", "2026-12-01", "--to", "2026-12-01", "--by", "person",
             "--format", "xlsx", "-o", str(target)],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
    finally:
        server.stop()
    sheet = load_workbook(target).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ACCOUNT_COLUMNS
    assert {(row[ACCOUNT_COLUMNS.index("name")], row[ACCOUNT_COLUMNS.index("role")]) for row in rows[1:]} == {
        ("王芳", "officer"),
        ("李强", "leader"),
    }
