"""`dutywatch roster check`: every problem of a roster file at once, each with its line; exit 1 if any."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from schemas.values import HolidaySource
from services.cli import app
from services.duty_roster.adapters.holidays_file import DEFAULT_HOLIDAYS_FILE, HolidayFileError, load_calendar
from services.duty_roster.adapters.roster_file import read_roster
from services.duty_roster.domain import DayKind

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "roster.yaml"

BROKEN = """\
planned: {from: 2026-12-01, until: 2026-12-31}
people:
  - {id: wang, name: 王芳, phone: "138 0000 0001"}
  - {id: li, name: 李明, phone: "138 0000 0002"}
  - {id: zhao, name: 赵强, phone: "12345"}
  - {id: chen, name: 陈静, phone: "139 0000 0004"}
units:
  - id: county-a
    name: 甲县民政局
    kind: district_bureau
    shifts: {start: 2026-12-01}
    officers: [wang, ~]
    leaders: [chen]
  - id: county-b
    name: 乙县民政局
    kind: district_bureau
    shifts: {start: 2026-12-01}
    officers: [wang, li]
    leaders: [zhao]
"""


def test_check_lists_a_gap_a_double_booking_and_a_bad_number_with_their_lines(tmp_path: Path) -> None:
    """The three problems are printed, each on the line where the file causes it, and the command exits 1."""
    roster_file = tmp_path / "roster.yaml"
    roster_file.write_text(BROKEN, encoding="utf-8")
    result = CliRunner().invoke(app, ["roster", "check", str(roster_file)])
    lines = result.output.splitlines()
    assert result.exit_code == 1
    assert any(f"{roster_file}:5:" in line and "invalid number" in line for line in lines)
    assert any(f"{roster_file}:12:" in line and "gap" in line and "county-a" in line for line in lines)
    assert any(f"{roster_file}:18:" in line and "double booking" in line and "'wang'" in line for line in lines)
    assert "3 problem(s)" in result.output


def test_check_names_unknown_people_and_one_person_in_both_roles(tmp_path: Path) -> None:
    """An unknown person and an officer who is also the leader are reported at their lines."""
    text = BROKEN.replace("leaders: [chen]", "leaders: [wang, nobody]").replace("[wang, ~]", "[wang, chen]")
    index, issues = read_roster(text, load_calendar(None))
    messages = {issue.line: issue.message for issue in issues}
    assert "unknown person 'nobody'" in messages[13]
    assert any("both officer and leader" in message for message in messages.values())
    assert index is not None


def test_structure_errors_name_the_field_and_its_line() -> None:
    """A wrong kind and a bad handover time are reported with the field path and line."""
    text = BROKEN.replace(
        "kind: district_bureau\n    shifts: {start: 2026-12-01}\n    officers: [wang, ~]",
        "kind: castle\n    shifts: {start: 2026-12-01}\n    officers: [wang, ~]",
        1,
    )
    _, issues = read_roster(text, load_calendar(None))
    assert any(issue.line == 10 and "units.0.kind" in issue.message for issue in issues)


def test_the_sample_roster_checks_clean() -> None:
    """examples/roster.yaml, which `make run` imports, has no problems."""
    result = CliRunner().invoke(app, ["roster", "check", str(EXAMPLE)])
    assert result.exit_code == 0, result.output


def test_who_and_plan_answer_from_a_file() -> None:
    """`who --json` and `plan` read the sample roster and show the officer, leader and the month's rows."""
    runner = CliRunner()
    who = runner.invoke(
        app, ["roster", "who", "--unit", "maojian", "--at", "2026-12-11T09:00", "--json", "--file", str(EXAMPLE)]
    )
    assert who.exit_code == 0, who.output
    assert '"maojian-spare"' in who.output and "病假" in who.output
    plan = runner.invoke(app, ["roster", "plan", "--unit", "zhangwan", "--month", "2026-12", "--file", str(EXAMPLE)])
    assert plan.exit_code == 0, plan.output
    assert "张湾区民政局 2026-12 值班表" in plan.output
    unknown = runner.invoke(app, ["roster", "who", "--unit", "nowhere", "--file", str(EXAMPLE)])
    assert unknown.exit_code == 1 and "no unit 'nowhere'" in unknown.output


def test_who_in_a_year_nobody_entered_names_both_and_says_the_holidays_are_estimated() -> None:
    """`roster who --at 2027-01-02T10:00` names the city bureau's officer and leader, and says `estimated`."""
    runner = CliRunner()
    args = ["roster", "who", "--unit", "shiyan-mca", "--at", "2027-01-02T10:00", "--file", str(EXAMPLE)]
    shown = runner.invoke(app, args)
    assert shown.exit_code == 0, shown.output
    assert "值班员   刘明" in shown.output and "带班领导 陈文" in shown.output and "estimated" in shown.output
    as_json = runner.invoke(app, [*args, "--json"])
    assert '"holidays": "estimated"' in as_json.output and '"officer": {' in as_json.output


def test_check_warns_of_an_estimated_year_and_still_passes() -> None:
    """The sample roster, planned into 2027, checks clean with a warning that names 2027 and the file to fill."""
    result = CliRunner().invoke(app, ["roster", "check", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert "warning: 2027's holidays are estimated" in result.output and "holidays.yaml" in result.output


HOLIDAYS_2027 = """\
# the State Council's notice, entered by hand
years:
  2027:
    holidays:
      New Year's Day: [2027-01-01]
      Spring Festival: ["2027-02-06..2027-02-12"]
    workdays:
      Spring Festival: [2027-02-20]
"""


def test_a_holiday_file_makes_its_year_official(tmp_path: Path) -> None:
    """A filled-in 2027 is read: its days off, its make-up working day, and the year is official."""
    path = tmp_path / "holidays.yaml"
    path.write_text(HOLIDAYS_2027, encoding="utf-8")
    calendar = load_calendar(path)
    assert calendar.source(2027) is HolidaySource.OFFICIAL
    assert calendar.day(date(2027, 2, 12)) == (DayKind.HOLIDAY, "Spring Festival")
    assert calendar.day(date(2027, 2, 20)) == (DayKind.MAKEUP_WORKDAY, "Spring Festival")
    assert calendar.day(date(2027, 10, 1)) == (DayKind.WORKDAY, None)


def test_every_problem_of_a_holiday_file_is_named_with_its_line(tmp_path: Path) -> None:
    """A date under the wrong year, a day both off and worked, a weekday make-up day and a non-date: each at its line;
    `roster check` reports them and exits 1."""
    path = tmp_path / "holidays.yaml"
    path.write_text(
        HOLIDAYS_2027.replace("[2027-01-01]", "[2027-01-01, 2028-01-01]")
        .replace("[2027-02-20]", "[2027-02-20, 2027-02-08, 2027-02-31x]")
        .replace('"2027-02-06..2027-02-12"', '"2027-02-06..2027-02-12", 2027-02-08'),
        encoding="utf-8",
    )
    with pytest.raises(HolidayFileError) as raised:
        load_calendar(path)
    problems = raised.value.problems
    assert any(p.startswith("line 5:") and "2028-01-01 is listed under year 2027" in p for p in problems), problems
    assert any(
        p.startswith("line 8:") and "2027-02-08 is both a day off and a make-up working day" in p for p in problems
    )
    assert any(p.startswith("line 8:") and "on a weekday" in p for p in problems)
    assert any(p.startswith("line 8:") and "'2027-02-31x' is not a date" in p for p in problems)
    result = CliRunner().invoke(
        app, ["roster", "check", str(EXAMPLE)], env={"DUTYWATCH_ROSTER_HOLIDAYS_FILE": str(path)}
    )
    assert result.exit_code == 1 and f"{path}: line 5:" in result.output


def test_the_shipped_holiday_file_loads() -> None:
    """services/duty_roster/holidays.yaml, read at every start, has no problems."""
    assert load_calendar(DEFAULT_HOLIDAYS_FILE).override_file == str(DEFAULT_HOLIDAYS_FILE)
