"""Domain: the holiday calendar — chinese-calendar, then the local file, then an estimate that says it is one."""

from __future__ import annotations

from datetime import date

from services.duty_roster.domain import (
    DayKind,
    HolidayCalendar,
    HolidaySource,
    LocalYear,
    check_roster,
    estimated_years,
)
from tests.duty_roster.builders import index, unit_roster


def test_spring_festival_2026_days_off_and_make_up_days() -> None:
    """15–23 February 2026 are holidays; 14 and 28 February are make-up working days (调休)."""
    calendar = HolidayCalendar()
    assert all(calendar.day(date(2026, 2, day))[0] is DayKind.HOLIDAY for day in range(15, 24))
    assert calendar.day(date(2026, 2, 14)) == (DayKind.MAKEUP_WORKDAY, "Spring Festival")
    assert calendar.day(date(2026, 2, 28)) == (DayKind.MAKEUP_WORKDAY, "Spring Festival")
    assert calendar.day(date(2026, 3, 7)) == (DayKind.WEEKEND, None)
    assert calendar.day(date(2026, 3, 9)) == (DayKind.WORKDAY, None)


def test_a_year_neither_source_covers_is_estimated_from_the_statutory_holidays() -> None:
    """2027 (not in chinese-calendar 1.11, not in the file): Spring Festival and National Day off as the law computes
    them, days in lieu included, no make-up working days; the year says it is estimated."""
    calendar = HolidayCalendar({}, "services/duty_roster/holidays.yaml")
    assert calendar.source(2027) is HolidaySource.ESTIMATED and calendar.source(2026) is HolidaySource.OFFICIAL
    assert calendar.day(date(2027, 1, 1)) == (DayKind.HOLIDAY, "New Year's Day")
    assert calendar.day(date(2027, 2, 5)) == (DayKind.HOLIDAY, "Spring Festival")
    assert all(calendar.is_festival(date(2027, 10, day)) for day in range(1, 6))
    assert calendar.day(date(2027, 1, 2)) == (DayKind.WEEKEND, None)
    assert calendar.day(date(2027, 1, 4)) == (DayKind.WORKDAY, None)


def test_the_official_schedule_wins_over_the_estimate() -> None:
    """chinese-calendar's 2026 has its make-up working days; the file's 2027 is official, estimated days gone."""
    calendar = HolidayCalendar({2027: LocalYear({date(2027, 1, 1): "元旦"}, {date(2027, 2, 20): "Spring Festival"})})
    assert calendar.day(date(2026, 2, 14)) == (DayKind.MAKEUP_WORKDAY, "Spring Festival")
    assert calendar.source(2027) is HolidaySource.OFFICIAL
    assert calendar.day(date(2027, 10, 4)) == (DayKind.WORKDAY, None)
    assert calendar.day(date(2027, 2, 20)) == (DayKind.MAKEUP_WORKDAY, "Spring Festival")


def test_the_local_file_covers_a_later_year() -> None:
    """A year in the local file is classified from it: its holidays, its make-up days, weekends otherwise."""
    calendar = HolidayCalendar({2027: LocalYear({date(2027, 1, 1): "元旦"}, {date(2027, 1, 2): "元旦"})}, "h.yaml")
    assert calendar.day(date(2027, 1, 1)) == (DayKind.HOLIDAY, "元旦")
    assert calendar.day(date(2027, 1, 2)) == (DayKind.MAKEUP_WORKDAY, "元旦")
    assert calendar.day(date(2027, 1, 3)) == (DayKind.WEEKEND, None)
    assert calendar.is_festival(date(2027, 1, 1)) and not calendar.is_festival(date(2027, 1, 3))


def test_the_check_warns_of_an_estimated_year_and_refuses_nothing() -> None:
    """A roster planned into 2027 with a holiday rotation checks clean; 2027 is named as estimated."""
    planned = (date(2026, 12, 1), date(2027, 1, 31))
    roster = index(
        unit_roster("u", ["a"], ["x"], start=date(2026, 12, 1), holiday_leaders=["h"]),
        calendar=HolidayCalendar({}, "services/duty_roster/holidays.yaml"),
        planned=planned,
    )
    assert check_roster(roster) == []
    assert estimated_years(roster) == [2027]
    entered = index(
        unit_roster("u", ["a"], ["x"], start=date(2026, 12, 1)),
        calendar=HolidayCalendar({2027: LocalYear({date(2027, 1, 1): "元旦"})}),
        planned=planned,
    )
    assert estimated_years(entered) == []
