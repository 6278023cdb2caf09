"""An in-memory directory: the roster's shifts and units as the notifier hears of them."""

from __future__ import annotations

from schemas.duty import ShiftEnded, ShiftStarted, UnitUpdated
from schemas.values import Person
from services.notifier.domain import Contact
from services.notifier.domain.directory import KnownSender, UnitEntry

__all__ = ["MemoryDirectory"]


def _contact(person: Person) -> Contact:
    return Contact(person.name, person.phone, person.id)


class MemoryDirectory:
    """Implements `ports.Directory` with only the last shift each unit started, forgotten when it ends: the store
    keeps every shift and reads a unit's latest-started one, the same for handlers fed shifts in order."""

    def __init__(self) -> None:
        self.shifts: dict[str, ShiftStarted] = {}
        self.units: dict[str, UnitEntry] = {}

    async def shift_started(self, shift: ShiftStarted) -> None:
        self.shifts[shift.unit_id] = shift

    async def shift_ended(self, shift: ShiftEnded) -> None:
        current = self.shifts.get(shift.unit_id)
        if current is not None and current.shift_id == shift.shift_id:
            del self.shifts[shift.unit_id]

    async def unit_updated(self, unit: UnitUpdated) -> None:
        recipients = {str(each.role): Contact(each.name, each.phone) for each in unit.recipients}
        duty_room = _contact(unit.duty_room) if unit.duty_room else None
        self.units[unit.unit_id] = UnitEntry(unit.unit_id, unit.name, unit.parent_id, duty_room, recipients)

    async def unit(self, unit_id: str) -> UnitEntry | None:
        return self.units.get(unit_id)

    async def unit_name(self, unit_id: str) -> str:
        entry = self.units.get(unit_id)
        return entry.name if entry is not None else unit_id

    async def top_unit_ids(self) -> list[str]:
        return [unit.unit_id for unit in self.units.values() if unit.parent_id is None]

    async def on_duty(self, unit_ids: list[str] | None) -> dict[str, tuple[Contact, Contact]]:
        return {
            unit_id: (_contact(shift.officer), _contact(shift.leader))
            for unit_id, shift in self.shifts.items()
            if unit_ids is None or unit_id in unit_ids
        }

    async def sender(self, phone: str) -> KnownSender | None:
        for shift in self.shifts.values():
            for person in (shift.officer, shift.leader):
                if person.phone == phone:
                    return KnownSender(person.id, person.name, shift.unit_id)
        for unit in self.units.values():
            if unit.duty_room and unit.duty_room.phone == phone:
                return KnownSender(unit.duty_room.person_id or "", unit.duty_room.name, unit.unit_id)
        return None

    async def person(self, person_id: str) -> Contact | None:
        for shift in self.shifts.values():
            for person in (shift.officer, shift.leader):
                if person.id == person_id:
                    return _contact(person)
        return None
