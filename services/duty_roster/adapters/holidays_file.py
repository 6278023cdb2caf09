"""The local holiday file: years `chinese-calendar` does not cover yet, filled in from the State Council's notice.

years:
  2027:
    holidays:                       # days off, by festival
      New Year's Day: [2027-01-01]
      Spring Festival: ["2027-02-06..2027-02-13"]
    workdays:                       # make-up working days (调休)
      Spring Festival: [2027-02-20]
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from services.duty_roster.domain.calendar import HolidayCalendar, LocalYear

__all__ = ["DEFAULT_HOLIDAYS_FILE", "load_calendar"]

DEFAULT_HOLIDAYS_FILE = Path(__file__).resolve().parent.parent / "holidays.yaml"


class _Year(BaseModel):
    model_config = ConfigDict(extra="forbid")

    holidays: dict[str, list[date | str]] = Field(default_factory=dict)
    workdays: dict[str, list[date | str]] = Field(default_factory=dict)


class _HolidayFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    years: dict[int, _Year] = Field(default_factory=dict)


def load_calendar(path: Path | None) -> HolidayCalendar:
    """The calendar with the local file's years; a missing file means chinese-calendar alone."""
    if path is None or not path.exists():
        return HolidayCalendar({}, str(path or DEFAULT_HOLIDAYS_FILE))
    document: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    parsed = _HolidayFile.model_validate(document)
    years = {
        year: LocalYear(holidays=_by_day(entry.holidays, year, path), workdays=_by_day(entry.workdays, year, path))
        for year, entry in parsed.years.items()
    }
    return HolidayCalendar(years, str(path))


def _by_day(festivals: dict[str, list[date | str]], year: int, path: Path) -> dict[date, str]:
    days: dict[date, str] = {}
    for name, items in festivals.items():
        for item in items:
            for day in _days(item):
                if day.year != year:
                    raise ValueError(f"{path}: {day} is listed under year {year}")
                days[day] = name
    return days


def _days(item: date | str) -> list[date]:
    if isinstance(item, date):
        return [item]
    first, _, last = item.partition("..")
    start, end = date.fromisoformat(first.strip()), date.fromisoformat((last or first).strip())
    return [start + timedelta(days=offset) for offset in range((end - start).days + 1)]
