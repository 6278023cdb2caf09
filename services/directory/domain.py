"""Units and shifts as the roster tells them (`duty.units`, `duty.shifts`), and who stands in when a unit has
nobody on duty. Pure: no I/O, `now` is a parameter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

from schemas.values import Person, Recipient, RecipientRole, UnitKind

__all__ = ["Placed", "Shift", "Unit", "duty_room_above"]

Room = TypeVar("Room")
Room_co = TypeVar("Room_co", covariant=True)


@dataclass(frozen=True)
class Unit:
    id: str
    name: str
    kind: UnitKind
    parent_id: str | None
    duty_room: Person | None = None
    recipients: tuple[Recipient, ...] = ()

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
    """A shift of a unit's officer (值班员) and leader (带班领导); `ended_at` is set once the roster said it ended."""

    id: str
    unit_id: str
    officer: Person
    leader: Person
    starts_at: datetime
    ends_at: datetime
    ended_at: datetime | None = None

    def covers(self, now: datetime) -> bool:
        return self.ended_at is None and self.starts_at <= now < self.ends_at

    def person_with_phone(self, phone: str) -> Person | None:
        return next((each for each in (self.officer, self.leader) if each.phone == phone), None)

    def person_with_id(self, person_id: str) -> Person | None:
        return next((each for each in (self.officer, self.leader) if each.id == person_id), None)


class Placed(Protocol[Room_co]):
    """A unit as a service keeps it: its place in the tree and its duty room (a `Person` here, a service's own
    contact type elsewhere)."""

    @property
    def parent_id(self) -> str | None: ...

    @property
    def duty_room(self) -> Room_co | None: ...


def duty_room_above(unit: Placed[Room] | None, parent: Placed[Room] | None) -> Room | None:
    """Who answers for a unit with nobody on duty: its parent's duty room, the unit's own at the top (or when the
    parent has none)."""
    if parent is not None and parent.duty_room is not None:
        return parent.duty_room
    return unit.duty_room if unit is not None else None
