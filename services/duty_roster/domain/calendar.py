"""Chinese public holidays and make-up working days (调休), in tiers, so that a date always has an answer.

1. **official**: the State Council's schedule, from `chinese-calendar` or, for the years it lacks, the operator's
   holidays file;
2. **estimated**: for a year nobody has entered yet, the statutory holidays the `holidays` package computes for
   China (it knows the lunar dates and the days given in lieu, not the make-up working days).

Who is on duty never fails closed on a calendar: an estimated year is said to be estimated, and the operators
are reminded to enter the official one (`services/duty_roster/handlers.py`, `on_holidays_reminder_due`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import lru_cache

import chinese_calendar
import holidays

from schemas.values import HolidaySource

__all__ = ["DayKind", "HolidayCalendar", "HolidaySource", "LocalYear"]


class DayKind(StrEnum):
    """What a date is on the wall plan."""

    WORKDAY = "workday"
    WEEKEND = "weekend"
    HOLIDAY = "holiday"
    MAKEUP_WORKDAY = "makeup_workday"

    @property
    def mark(self) -> str:
        return {"workday": "", "weekend": "周末", "holiday": "休", "makeup_workday": "班"}[self.value]


@dataclass(frozen=True)
class LocalYear:
    """One year's official schedule, filled in by hand: days off and make-up working days, by festival name."""

    holidays: Mapping[date, str] = field(default_factory=dict)
    workdays: Mapping[date, str] = field(default_factory=dict)


class HolidayCalendar:
    """Classifies dates: chinese-calendar, then the local file's years, then an estimate."""

    def __init__(
        self, local_years: Mapping[int, LocalYear] | None = None, override_file: str = "holidays.yaml"
    ) -> None:
        self._local = dict(local_years or {})
        self.override_file = override_file
        self._days: dict[date, tuple[DayKind, str | None]] = {}

    def source(self, year: int) -> HolidaySource:
        if _package_covers(year) or year in self._local:
            return HolidaySource.OFFICIAL
        return HolidaySource.ESTIMATED

    def is_festival(self, day: date) -> bool:
        """A statutory holiday day off (not a plain weekend): the holiday rotation applies."""
        return self.day(day)[0] is DayKind.HOLIDAY

    def day(self, day: date) -> tuple[DayKind, str | None]:
        """The kind of `day` and the festival's name when it belongs to one."""
        known = self._days.get(day)
        if known is None:
            known = self._days[day] = self._classify(day)
        return known

    def _classify(self, day: date) -> tuple[DayKind, str | None]:
        if _package_covers(day.year):
            off, name = chinese_calendar.get_holiday_detail(day)
            if name is not None:
                return (DayKind.HOLIDAY if off else DayKind.MAKEUP_WORKDAY), name
            return (DayKind.WEEKEND if off else DayKind.WORKDAY), None
        local = self._local.get(day.year)
        return _classify_local(local if local is not None else estimated_year(day.year), day)


def _classify_local(local: LocalYear, day: date) -> tuple[DayKind, str | None]:
    if day in local.holidays:
        return DayKind.HOLIDAY, local.holidays[day]
    if day in local.workdays:
        return DayKind.MAKEUP_WORKDAY, local.workdays[day]
    return (DayKind.WEEKEND if day.weekday() >= 5 else DayKind.WORKDAY), None


# The holidays package names China's festivals in Chinese ("春节（补假）" for a day in lieu); the wall plan
# uses chinese-calendar's names, so that an estimated year reads like an official one.
_FESTIVAL_NAMES = {
    "元旦": chinese_calendar.Holiday.new_years_day.value,
    "农历除夕": chinese_calendar.Holiday.spring_festival.value,
    "春节": chinese_calendar.Holiday.spring_festival.value,
    "清明节": chinese_calendar.Holiday.tomb_sweeping_day.value,
    "劳动节": chinese_calendar.Holiday.labour_day.value,
    "端午节": chinese_calendar.Holiday.dragon_boat_festival.value,
    "中秋节": chinese_calendar.Holiday.mid_autumn_festival.value,
    "国庆节": chinese_calendar.Holiday.national_day.value,
}


@lru_cache(maxsize=16)
def estimated_year(year: int) -> LocalYear:
    """The statutory days off of `year` as the law computes them (lunar festivals, days in lieu); no make-up days."""
    days = holidays.country_holidays("CN", years=year, language="zh_CN")
    return LocalYear(holidays={day: _festival(name) for day, name in days.items() if day.year == year})


def _festival(name: str) -> str:
    base = name.split("（")[0]
    return _FESTIVAL_NAMES.get(base, base)


@lru_cache(maxsize=64)
def _package_covers(year: int) -> bool:
    try:
        chinese_calendar.get_holiday_detail(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True
