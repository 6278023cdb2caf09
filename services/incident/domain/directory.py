"""Who an incident is assigned to, from the roster's read model (`services.directory`)."""

from __future__ import annotations

from dataclasses import dataclass

from schemas.values import Person
from services.directory.domain import Shift

__all__ = ["Assignment", "assign"]


@dataclass(frozen=True)
class Assignment:
    """Who answers for an incident: the shift's officer and leader, or in a gap a duty room."""

    officer: Person | None
    leader: Person | None
    duty_room: Person | None

    @property
    def gap(self) -> bool:
        return self.officer is None


def assign(shift: Shift | None, duty_room: Person | None) -> Assignment:
    """The current shift's pair; with no shift, the duty room above the unit (`duty_room_for`)."""
    if shift is not None:
        return Assignment(officer=shift.officer, leader=shift.leader, duty_room=None)
    return Assignment(officer=None, leader=None, duty_room=duty_room)
