"""The operator's holiday file: the State Council's schedule for years `chinese-calendar` does not cover yet.

years:
  2027:
    holidays:                       # days off, by festival
      New Year's Day: [2027-01-01]
      Spring Festival: ["2027-02-06..2027-02-13"]
    workdays:                       # make-up working days (调休)
      Spring Festival: [2027-02-20]

Every problem is reported with its line: a date outside its year, a day both off and a make-up working day,
a make-up working day that is not a Saturday or Sunday, a date that is not one.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from services.duty_roster.domain.calendar import HolidayCalendar, LocalYear
from services.runtime.yaml_lines import LineList, LineMap, line_of, load_with_lines

__all__ = ["DEFAULT_HOLIDAYS_FILE", "HolidayFileError", "estimated_notice", "load_calendar"]

DEFAULT_HOLIDAYS_FILE = Path(__file__).resolve().parent.parent / "holidays.yaml"
_KINDS = ("holidays", "workdays")


class HolidayFileError(ValueError):
    """The holiday file has problems; `problems` are "line N: …" strings, in file order."""

    def __init__(self, path: Path, problems: list[tuple[int, str]]) -> None:
        self.problems = [f"line {line}: {message}" for line, message in sorted(problems)]
        super().__init__(f"{path}: " + "; ".join(self.problems))


def estimated_notice(year: int, path: Path | None) -> str:
    """What to tell the operators while `year`'s holidays are estimated."""
    return (
        f"{year}'s holidays are estimated (statutory days computed by the holidays package; make-up working days "
        f"unknown): enter the State Council's {year} schedule (国务院办公厅关于{year}年部分节假日安排的通知) in "
        f"{path or DEFAULT_HOLIDAYS_FILE}"
    )


def load_calendar(path: Path | None) -> HolidayCalendar:
    """The calendar with the file's years; a missing file means chinese-calendar and the estimate alone."""
    if path is None or not path.exists():
        return HolidayCalendar({}, str(path or DEFAULT_HOLIDAYS_FILE))
    try:
        document = load_with_lines(path.read_text(encoding="utf-8")) or LineMap()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise HolidayFileError(path, [(mark.line + 1 if mark else 0, f"not YAML: {error}")]) from None
    years, problems = _years(document)
    if problems:
        raise HolidayFileError(path, problems)
    return HolidayCalendar(years, str(path))


def _years(document: Any) -> tuple[dict[int, LocalYear], list[tuple[int, str]]]:
    if not isinstance(document, dict) or set(document) - {"years"}:
        return {}, [(line_of(document, []), "the file holds one mapping, `years:`")]
    entries = document.get("years") or LineMap()
    if not isinstance(entries, dict):
        return {}, [(line_of(document, ["years"]), "`years:` maps a year to its holidays and workdays")]
    years: dict[int, LocalYear] = {}
    problems: list[tuple[int, str]] = []
    for year, entry in entries.items():
        where = ["years", year]
        if not isinstance(year, int) or not isinstance(entry, dict) or set(entry) - set(_KINDS):
            problems.append((line_of(document, where), f"{year}: a year maps `holidays:` and `workdays:`"))
            continue
        found = {kind: _days_of(document, [*where, kind], entry.get(kind) or {}, year, problems) for kind in _KINDS}
        problems += _overlaps(found) + _weekday_workdays(found["workdays"])
        years[year] = LocalYear(
            holidays={day: name for day, (name, _) in found["holidays"].items()},
            workdays={day: name for day, (name, _) in found["workdays"].items()},
        )
    return years, problems


def _days_of(
    document: Any, where: list[Any], festivals: Any, year: int, problems: list[tuple[int, str]]
) -> dict[date, tuple[str, int]]:
    """Day → (festival, line) of one year's `holidays:` or `workdays:`, noting each problem."""
    if not isinstance(festivals, dict):
        problems.append((line_of(document, where), f"{where[-1]}: maps a festival to a list of dates"))
        return {}
    days: dict[date, tuple[str, int]] = {}
    for name, items in festivals.items():
        for position, item in enumerate(items if isinstance(items, LineList) else [items]):
            line = line_of(document, [*where, name, position])
            try:
                listed = _days(item)
            except (TypeError, ValueError):
                problems.append((line, f"{name}: {item!r} is not a date (YYYY-MM-DD) or a range (A..B)"))
                continue
            problems += [(line, f"{name}: {day} is listed under year {year}") for day in listed if day.year != year]
            days.update({day: (str(name), line) for day in listed if day.year == year})
    return days


def _overlaps(found: dict[str, dict[date, tuple[str, int]]]) -> list[tuple[int, str]]:
    both = sorted(found["holidays"].keys() & found["workdays"].keys())
    return [(found["workdays"][day][1], f"{day} is both a day off and a make-up working day") for day in both]


def _weekday_workdays(workdays: dict[date, tuple[str, int]]) -> list[tuple[int, str]]:
    return [
        (line, f"{name}: {day} is a make-up working day on a weekday (they fall on Saturdays and Sundays)")
        for day, (name, line) in sorted(workdays.items())
        if day.weekday() < 5
    ]


def _days(item: Any) -> list[date]:
    if isinstance(item, date):
        return [item]
    first, _, last = str(item).partition("..")
    start, end = date.fromisoformat(first.strip()), date.fromisoformat((last or first).strip())
    if end < start:
        raise ValueError(f"{item}: the range ends before it starts")
    return [start + timedelta(days=offset) for offset in range((end - start).days + 1)]
