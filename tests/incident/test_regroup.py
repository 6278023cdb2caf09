"""Merging a duplicate and splitting a wrong join: handlers on fakes, then HTTP on each database, then the CLI."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from schemas.incident import IncidentClosed, IncidentReported
from schemas.values import Origin
from services.incident import handlers
from services.incident.adapters.cli import incident_app
from services.incident.domain import IncidentStatus, ReportRefused, Source, TimelineKind
from testbed.fakes.asgi_server import AsgiServer
from tests.incident.builders import report, report_body
from tests.incident.conftest import Running
from tests.incident.served import prepared_app
from tests.incident.test_handlers import RULES, T0, kinds, seeded, sent


async def test_a_duplicate_merged_closes_into_the_incident_and_both_timelines_say_so() -> None:
    """The duplicate is closed as merged (its alerts stop by IncidentClosed); the survivor lists it."""
    ports = await seeded()
    first = await handlers.on_report_incident(
        report("home", T0, location="3号楼"), Source.HTTP, Origin.UNIT, ports, RULES, T0
    )
    second = await handlers.on_report_incident(
        report("home", T0, location="5号楼"), Source.HTTP, Origin.UNIT, ports, RULES, T0
    )
    assert not second.joined
    await handlers.on_merge_incidents(first.incident.id, second.incident.id, "李强", ports, T0)
    duplicate = await ports.incidents.get(second.incident.id)
    assert duplicate is not None and duplicate.status is IncidentStatus.CLOSED
    assert duplicate.merged_into == first.incident.id
    assert [closed.incident_id for closed in sent(ports).of_type(IncidentClosed)] == [second.incident.id]
    assert TimelineKind.MERGED in await kinds(ports, first.incident.id)
    assert TimelineKind.MERGED in await kinds(ports, second.incident.id)
    with pytest.raises(ReportRefused, match="closed"):
        await handlers.on_merge_incidents(first.incident.id, second.incident.id, "李强", ports, T0)


async def test_a_wrong_join_split_off_is_an_incident_of_its_own_on_the_original_clock() -> None:
    """The part split off gets its own alerts and deadlines from the original's event time."""
    ports = await seeded()
    original = await handlers.on_report_incident(
        report("home", T0 - timedelta(minutes=10)), Source.HTTP, Origin.UNIT, ports, RULES, T0
    )
    later = T0 + timedelta(minutes=5)
    split = await handlers.on_split_incident(
        original.incident.id, "5号楼", "另一名老人走失", "李强", ports, RULES, later
    )
    assert split.id != original.incident.id and split.location == "5号楼"
    assert split.first_report_due_at == original.incident.first_report_due_at
    assert [each.incident_id for each in sent(ports).of_type(IncidentReported)] == [original.incident.id, split.id]
    assert TimelineKind.SPLIT in await kinds(ports, original.incident.id)
    assert TimelineKind.SPLIT in await kinds(ports, split.id)


@pytest.mark.postgres
async def test_merge_and_split_over_http_with_field_errors_as_422(running: Running) -> None:
    """POST …/split opens the part as its own incident; POST …/merge closes it back in; a missing field is a 422."""
    headers = running.as_("home-token")
    created = await running.client.post("/incidents", json=report_body("home", T0), headers=headers)
    incident_id = created.json()["incident"]["id"]
    split = await running.client.post(
        f"/incidents/{incident_id}/split",
        json={"location": "5号楼", "summary": "另一处", "by": "李强"},
        headers=headers,
    )
    assert split.status_code == 201, split.text
    merged = await running.client.post(
        f"/incidents/{incident_id}/merge", json={"duplicate": split.json()["id"], "by": "李强"}, headers=headers
    )
    assert merged.status_code == 200, merged.text
    shown = (await running.client.get(f"/incidents/{split.json()['id']}", headers=headers)).json()
    assert shown["merged_into"] == incident_id and shown["status"] == "closed"
    bad = await running.client.post(
        f"/incidents/{incident_id}/split", json={"location": "x", "by": "李强"}, headers=headers
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "summary"]


def test_split_and_merge_from_the_command_line(tmp_path: Path) -> None:
    """`dutywatch incident split` prints the new id; `merge` puts it back; `show` has both in the timeline."""
    server = AsgiServer(prepared_app(tmp_path)).start()
    try:

        def run(*args: str) -> str:
            result = CliRunner().invoke(incident_app, ["--url", server.base_url, "--token", "admin-token", *args])
            assert result.exit_code == 0, result.output
            return result.output

        reported = run(
            "report", "--unit", "home", "--type", "fire", "--location", "3号楼", "--summary", "冒烟",
            "--reporter", "王芳", "--occurred-at", "2026-12-01T01:50:00",
        )  # fmt: skip
        incident_id = reported.split()[1]
        split_id = run("split", incident_id, "--location", "5号楼", "--summary", "另一处", "--by", "李强").split()[2]
        assert split_id.startswith("inc-")
        assert f"merged {split_id} into {incident_id}" in run(
            "merge", incident_id, "--duplicate", split_id, "--by", "李强"
        )
    finally:
        server.stop()
