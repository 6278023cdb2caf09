"""The plans file: valid plans read with their defaults, and every problem reported with its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.rounds.adapters.plans_file import PlansFileError, load_plans, parse_plans
from services.rounds.domain import NOTICE_CHECKLIST, OnHoliday, RoundKind

REPO = Path(__file__).resolve().parents[2]


def test_the_sample_plans_file_is_valid_and_covers_the_welfare_home_and_the_rescue_station() -> None:
    """examples/rounds.yaml loads, with plans for 福利院 and 救助站."""
    book = load_plans(REPO / "examples" / "rounds.yaml", known_units=None)
    units = {plan.unit_id for plan in book.plans}
    assert {"fuli-home", "jiuzhu-station"} <= units
    assert book.areas["fuli-home"] == ("420303", "张湾区")


def test_an_inspection_without_a_checklist_checks_the_notices_items_weekly_and_moves_off_holidays() -> None:
    """An inspection's defaults: the notice's checklist, Mondays, the next working day after a holiday."""
    book, issues = parse_plans("plans:\n  - {id: a, unit: home, kind: inspection}\n")
    assert issues == []
    (plan,) = book.plans
    assert plan.items == NOTICE_CHECKLIST
    assert plan.schedule.weekday == 1
    assert plan.schedule.on_holiday is OnHoliday.NEXT_WORKDAY
    assert plan.kind is RoundKind.INSPECTION


def test_a_home_visit_is_weekly_and_tighter_in_a_cold_wave_by_default() -> None:
    """A home visit with no timing: every 7 days, every 3 in a cold wave."""
    text = """plans:
  - id: v
    unit: home
    kind: home_visit
    households: [{id: h1, name: 王, group: 特困供养, address: 某村}]
"""
    book, issues = parse_plans(text)
    (plan,) = book.plans
    assert issues == []
    assert (plan.schedule.every_days, plan.schedule.cold_wave_every_days) == (7, 3)


def test_each_problem_is_named_with_its_line() -> None:
    """Unknown fields, missing checkpoints, two timings, a bad phone and a repeated id each give their line."""
    text = """plans:
  - id: r1
    unit: home
    kind: daily_round
    times: ["09:00"]
  - id: r1
    unit: home
    kind: street_patrol
    times: ["20:00"]
    every_minutes: 60
    hotspots: [{name: 桥洞}]
  - id: r3
    unit: home
    kind: inspection
    colour: red
  - id: r4
    unit: nowhere
    kind: inspection
    assignees:
      - {name: 张, phone: "12"}
"""
    _book, issues = parse_plans(text, known_units={"home"})
    found = {(issue.line, issue.message.split(":")[0]) for issue in issues}
    assert (2, "plan 'r1'") in found
    assert any(line == 6 and "listed twice" in message for line, message in [(i.line, i.message) for i in issues])
    assert any(issue.line == 6 and "not times and every_minutes" in issue.message for issue in issues)
    assert any(issue.line == 15 and "colour" in issue.message for issue in issues)
    assert any(issue.line == 17 and "unknown unit 'nowhere'" in issue.message for issue in issues)
    assert any(issue.line == 20 and "invalid number" in issue.message for issue in issues)


def test_a_bad_file_stops_loading_with_every_line_in_the_error(tmp_path: Path) -> None:
    """load_plans raises PlansFileError naming the file and the line, as the service does at start."""
    path = tmp_path / "rounds.yaml"
    path.write_text("plans:\n  - {id: x, unit: home, kind: home_visit}\n", encoding="utf-8")
    with pytest.raises(PlansFileError, match=r"rounds.yaml: line 2: plan 'x': a home_visit needs households"):
        load_plans(path)


def test_yaml_that_does_not_parse_names_its_line() -> None:
    """Broken YAML is one problem with the line the parser stopped at."""
    _book, issues = parse_plans("plans:\n  - {id: x\n  - y\n")
    assert issues and issues[0].line >= 2 and "not valid YAML" in issues[0].message
