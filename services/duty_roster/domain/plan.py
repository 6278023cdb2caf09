"""A month's duty table as it is posted on the wall: one row per shift, holidays marked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from services.duty_roster.domain.calendar import DayKind
from services.duty_roster.domain.lookup import Assignment, RosterIndex, Shift
from services.duty_roster.domain.model import Override, Role, local_instant

__all__ = ["PlanRow", "month_plan", "parse_month"]


@dataclass(frozen=True, slots=True)
class PlanRow:
    shift: Shift
    day_kind: DayKind
    festival: str | None
    officer: Assignment
    leader: Assignment
    changes: tuple[Override, ...] = ()
    """Overrides that begin or end inside the shift: the wall plan notes them."""


def parse_month(text: str) -> tuple[int, int]:
    """`2026-12` → (2026, 12); ValueError naming the expected form otherwise."""
    try:
        year, month = (int(part) for part in text.split("-"))
        date(year, month, 1)
    except ValueError:
        raise ValueError(f"{text!r} is not a month; write it as YYYY-MM, e.g. 2026-12") from None
    return year, month


def month_plan(index: RosterIndex, unit_id: str, year: int, month: int) -> list[PlanRow]:
    """Every shift of the unit that starts in the month (local time)."""
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    start, end = local_instant(first, time()), local_instant(following, time())
    return [_row(index, shift) for shift in index.shifts(unit_id, start, end) if shift.starts_at >= start]


def _row(index: RosterIndex, shift: Shift) -> PlanRow:
    kind, festival = index.calendar.day(shift.local_day)
    changes = index.changes_within(shift)
    return PlanRow(
        shift=shift,
        day_kind=kind,
        festival=festival,
        officer=index.assignment(shift, Role.OFFICER, shift.starts_at),
        leader=index.assignment(shift, Role.LEADER, shift.starts_at),
        changes=changes,
    )
