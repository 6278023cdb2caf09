"""Domain: the holiday calendar — chinese-calendar, then the local file, never a silent guess."""

from __future__ import annotations

from datetime import date

import pytest

from services.duty_roster.domain import CalendarNotCoveredError, DayKind, HolidayCalendar, LocalYear, check_roster
from tests.duty_roster.builders import index, unit_roster


def test_spring_festival_2026_days_off_and_make_up_days() -> None:
    """15–23 February 2026 are holidays; 14 and 28 February are make-up working days (调休)."""
    calendar = HolidayCalendar()
    assert all(calendar.day(date(2026, 2, day))[0] is DayKind.HOLIDAY for day in range(15, 24))
    assert calendar.day(date(2026, 2, 14)) == (DayKind.MAKEUP_WORKDAY, "Spring Festival")
    assert calendar.day(date(2026, 2, 28)) == (DayKind.MAKEUP_WORKDAY, "Spring Festival")
    assert calendar.day(date(2026, 3, 7)) == (DayKind.WEEKEND, None)
    assert calendar.day(date(2026, 3, 9)) == (DayKind.WORKDAY, None)


def test_a_year_neither_source_covers_is_an_error_naming_the_year_and_the_file() -> None:
    """2027 is not in chinese-calendar 1.11: asking about it names 2027 and the file to fill."""
    calendar = HolidayCalendar({}, "services/duty_roster/holidays.yaml")
    with pytest.raises(CalendarNotCoveredError) as raised:
        calendar.day(date(2027, 1, 1))
    assert "2027" in str(raised.value) and "services/duty_roster/holidays.yaml" in str(raised.value)
    assert not calendar.covers(2027) and calendar.covers(2026)


def test_the_local_file_covers_a_later_year() -> None:
    """A year in the local file is classified from it: its holidays, its make-up days, weekends otherwise."""
    calendar = HolidayCalendar({2027: LocalYear({date(2027, 1, 1): "元旦"}, {date(2027, 1, 2): "元旦"})}, "h.yaml")
    assert calendar.day(date(2027, 1, 1)) == (DayKind.HOLIDAY, "元旦")
    assert calendar.day(date(2027, 1, 2)) == (DayKind.MAKEUP_WORKDAY, "元旦")
    assert calendar.day(date(2027, 1, 3)) == (DayKind.WEEKEND, None)
    assert calendar.is_festival(date(2027, 1, 1)) and not calendar.is_festival(date(2027, 1, 3))


def test_the_check_refuses_a_holiday_rotation_planned_into_an_uncovered_year() -> None:
    """A roster planned into 2027 with a holiday rotation is refused, naming 2027 and the file to fill."""
    planned = (date(2026, 12, 1), date(2027, 1, 31))
    roster = index(
        unit_roster("u", ["a"], ["x"], start=date(2026, 12, 1), holiday_leaders=["h"]),
        calendar=HolidayCalendar({}, "services/duty_roster/holidays.yaml"),
        planned=planned,
    )
    issues = check_roster(roster)
    assert len(issues) == 1 and "2027" in issues[0].message and "holidays.yaml" in issues[0].message
    without_holiday_rotation = index(unit_roster("u", ["a"], ["x"], start=date(2026, 12, 1)), planned=planned)
    assert check_roster(without_holiday_rotation) == []
