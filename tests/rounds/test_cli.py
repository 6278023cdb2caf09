"""`dutywatch rounds plan --check`: a plans file checked without the service, each problem with its line."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from services.cli import app

REPO = Path(__file__).resolve().parents[2]


def test_the_sample_plans_file_checks_clean() -> None:
    """examples/rounds.yaml: exit 0 and how many plans it holds."""
    result = CliRunner().invoke(app, ["rounds", "plan", "--check", str(REPO / "examples" / "rounds.yaml")])
    assert result.exit_code == 0, result.output
    assert "4 plans" in result.output and "no problems" in result.output


def test_a_bad_plans_file_exits_1_naming_each_line(tmp_path: Path) -> None:
    """Two problems on lines 2 and 3: exit 1, each printed with its line."""
    plans = tmp_path / "rounds.yaml"
    plans.write_text("plans:\n  - {id: a, unit: home, kind: home_visit}\n  - {id: b, unit: home, kind: nap}\n")
    result = CliRunner().invoke(app, ["rounds", "plan", "--check", str(plans)])
    assert result.exit_code == 1
    assert "line 2: plan 'a': a home_visit needs households" in result.output
    assert "line 3: plans.1.kind" in result.output
