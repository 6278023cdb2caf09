"""`dutywatch incident …` (the typer sub-app) against the app served over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.incident.adapters.cli import incident_app
from testbed.fakes.asgi_server import AsgiServer
from tests.incident.served import prepared_app

WIDE = {"COLUMNS": "250"}


@pytest.fixture
def base_url(tmp_path: Path) -> Iterator[str]:
    server = AsgiServer(prepared_app(tmp_path)).start()
    try:
        yield server.base_url
    finally:
        server.stop()


def test_report_list_show_file_and_accountability_from_the_command_line(base_url: str) -> None:
    """An incident reported by the CLI is listed, shown with its timeline, reported on, and counted."""
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(incident_app, ["--url", base_url, "--token", "admin-token", *args], env=WIDE)
        assert result.exit_code == 0, result.output
        return result.output

    reported = run(
        "report", "--unit", "home", "--type", "fire", "--location", "福利院3楼", "--summary", "冒烟",
        "--reporter", "王芳", "--occurred-at", "2026-12-01T01:50:00",
    )  # fmt: skip
    incident_id = reported.split()[1]
    assert incident_id.startswith("inc-") and "02:50" in reported
    assert incident_id in run("list", "--unit", "home")
    assert "reported" in run("show", incident_id)
    assert "filed first" in run("file", incident_id, "--kind", "first", "--text", "已扑灭", "--by", "王芳")
    csv_lines = run("accountability", "--from", "2026-12-01", "--to", "2026-12-01", "--csv").splitlines()
    assert csv_lines[0].startswith("unit_id,incidents") and csv_lines[1].startswith("home,1,0")


def test_a_refusal_is_printed_with_the_field_and_exits_1(base_url: str) -> None:
    """An unknown unit is refused with the service's reason and exit code 1."""
    result = CliRunner().invoke(
        incident_app,
        ["--url", base_url, "--token", "admin-token", "report", "--unit", "ghost", "--type", "fire",
         "--location", "x", "--summary", "y", "--reporter", "z", "--occurred-at", "2026-12-01T01:50:00"],
    )  # fmt: skip
    assert result.exit_code == 1 and "unit_id: unknown unit 'ghost'" in result.output
