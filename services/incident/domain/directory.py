"""The read model of the roster (units and shifts) and who an incident is assigned to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from schemas.values import Person, Recipient, RecipientRole, UnitKind

__all__ = ["Assignment", "Shift", "Unit", "assign"]


@dataclass(frozen=True)
class Unit:
    id: str
    name: str
    kind: UnitKind
    parent_id: str | None
    duty_room: Person | None
    recipients: tuple[Recipient, ...]

    @property
    def municipal_bureau(self) -> Recipient | None:
        """The municipal bureau duty room among the unit's report recipients: the one called when a report is late."""
        return next((each for each in self.recipients if each.role is RecipientRole.MUNICIPAL_BUREAU), None)

    @property
    def report_recipients(self) -> tuple[Recipient, ...]:
        """One per role, its first number: whose delivery of a report is recorded (a role may list several
        numbers, reached in order; reaching any of them is the role's delivery)."""
        firsts: dict[RecipientRole, Recipient] = {}
        for recipient in self.recipients:
            firsts.setdefault(recipient.role, recipient)
        return tuple(firsts.values())

    def recipient_phone(self, phone: str) -> str:
        """The number a report's delivery to `phone` is recorded under: its role's first number."""
        role = next((each.role for each in self.recipients if each.phone == phone), None)
        first = next((each for each in self.report_recipients if each.role is role), None)
        return first.phone if first is not None else phone


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
class Assignment:
    """Who answers for an incident: the shift's officer and leader, or in a gap a duty room."""

    officer: Person | None
    leader: Person | None
    duty_room: Person | None

    @property
    def gap(self) -> bool:
        return self.officer is None


def assign(shift: Shift | None, unit: Unit, parent: Unit | None) -> Assignment:
    """The current shift's pair; with no shift, the parent unit's duty room (the unit's own when it has no parent)."""
    if shift is not None:
        return Assignment(officer=shift.officer, leader=shift.leader, duty_room=None)
    duty_room = parent.duty_room if parent is not None and parent.duty_room is not None else unit.duty_room
    return Assignment(officer=None, leader=None, duty_room=duty_room)
