"""The read model of the roster (units, shifts) from `duty.units` and `duty.shifts`, and who answers for a unit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from schemas.values import Person

__all__ = ["OnDuty", "Shift", "Unit"]


@dataclass(frozen=True)
class Unit:
    id: str
    name: str
    parent_id: str | None
    duty_room: Person | None


@dataclass(frozen=True)
class Shift:
    id: str
    unit_id: str
    officer: Person
    leader: Person
    starts_at: datetime
    ends_at: datetime

    def covers(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at


@dataclass(frozen=True)
class OnDuty:
    """Who answers for a unit now: its officer and leader (None in a gap) and the duty room above it."""

    officer: Person | None
    leader: Person | None
    duty_room: Person | None
