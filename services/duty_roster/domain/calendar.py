"""Chinese public holidays and make-up working days (调休): `chinese-calendar`, then a local file for later years."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import lru_cache

import chinese_calendar

__all__ = ["CalendarNotCoveredError", "DayKind", "HolidayCalendar", "LocalYear"]


class DayKind(StrEnum):
    """What a date is on the wall plan."""

    WORKDAY = "workday"
    WEEKEND = "weekend"
    HOLIDAY = "holiday"
    MAKEUP_WORKDAY = "makeup_workday"

    @property
    def mark(self) -> str:
        return {"workday": "", "weekend": "周末", "holiday": "休", "makeup_workday": "班"}[self.value]


class CalendarNotCoveredError(LookupError):
    """A date in a year that neither chinese-calendar nor the local holiday file covers."""

    def __init__(self, year: int, override_file: str) -> None:
        super().__init__(
            f"year {year} is covered neither by chinese-calendar (2004–2026) nor by {override_file}: "
            f"add {year}'s public holidays and make-up working days (调休) to {override_file}"
        )
        self.year = year
        self.override_file = override_file


@dataclass(frozen=True)
class LocalYear:
    """One year's official schedule, filled in by hand: days off and make-up working days, by festival name."""

    holidays: Mapping[date, str] = field(default_factory=dict)
    workdays: Mapping[date, str] = field(default_factory=dict)


class HolidayCalendar:
    """Classifies dates; the local file wins for the years it lists, chinese-calendar covers the rest."""

    def __init__(
        self, local_years: Mapping[int, LocalYear] | None = None, override_file: str = "holidays.yaml"
    ) -> None:
        self._local = dict(local_years or {})
        self.override_file = override_file
        self._days: dict[date, tuple[DayKind, str | None]] = {}

    def covers(self, year: int) -> bool:
        return year in self._local or _package_covers(year)

    def is_festival(self, day: date) -> bool:
        """A statutory holiday day off (not a plain weekend): the holiday rotation applies."""
        return self.day(day)[0] is DayKind.HOLIDAY

    def day(self, day: date) -> tuple[DayKind, str | None]:
        """The kind of `day` and the festival's name when it belongs to one; raises CalendarNotCoveredError."""
        known = self._days.get(day)
        if known is None:
            known = self._days[day] = self._classify(day)
        return known

    def _classify(self, day: date) -> tuple[DayKind, str | None]:
        local = self._local.get(day.year)
        if local is not None:
            return _classify_local(local, day)
        if not _package_covers(day.year):
            raise CalendarNotCoveredError(day.year, self.override_file)
        off, name = chinese_calendar.get_holiday_detail(day)
        if name is not None:
            return (DayKind.HOLIDAY if off else DayKind.MAKEUP_WORKDAY), name
        return (DayKind.WEEKEND if off else DayKind.WORKDAY), None


def _classify_local(local: LocalYear, day: date) -> tuple[DayKind, str | None]:
    if day in local.holidays:
        return DayKind.HOLIDAY, local.holidays[day]
    if day in local.workdays:
        return DayKind.MAKEUP_WORKDAY, local.workdays[day]
    return (DayKind.WEEKEND if day.weekday() >= 5 else DayKind.WORKDAY), None


@lru_cache(maxsize=64)
def _package_covers(year: int) -> bool:
    try:
        chinese_calendar.get_holiday_detail(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True
