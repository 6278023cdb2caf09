"""The roster read model as the notifier asks it: who is on duty per unit, who has a number, the unit directory."""

from __future__ import annotations

from schemas.duty import ShiftEnded, ShiftStarted, UnitUpdated
from schemas.values import Person
from services.directory import handlers as directory
from services.directory import ports as shared
from services.directory.domain import Unit
from services.notifier.domain import Contact
from services.notifier.domain.directory import KnownSender, UnitEntry

__all__ = ["Directory"]


def _contact(person: Person) -> Contact:
    return Contact(name=person.name, phone=person.phone, person_id=person.id)


def _entry(unit: Unit) -> UnitEntry:
    recipients = {each.role.value: Contact(name=each.name, phone=each.phone) for each in unit.recipients}
    duty_room = None if unit.duty_room is None else _contact(unit.duty_room)
    return UnitEntry(unit.id, unit.name, unit.parent_id, duty_room, recipients)


class Directory:
    """The shifts and units read model (the shared `services.directory`), kept from `duty.shifts` and `duty.units`
    and read as the notifier needs it: over the store's `SqlDirectory`, or over the shared memory fake in tests.

    Who is on duty is the roster's word: a unit's latest-started shift until the roster says it ended, whatever the
    clock says (a late ShiftEnded leaves the shift's people reachable)."""

    def __init__(self, model: shared.Directory) -> None:
        self._model = model
        self._units: dict[str, UnitEntry | None] = {}  # read in this transaction

    async def shift_started(self, shift: ShiftStarted) -> None:
        await directory.on_shift_started(shift, self._model)

    async def shift_ended(self, shift: ShiftEnded) -> None:
        # Ended at its planned end: what the notifier reads is only whether it ended.
        await directory.on_shift_ended(shift, self._model, shift.ends_at)

    async def unit_updated(self, unit: UnitUpdated) -> None:
        self._units.pop(unit.unit_id, None)
        await directory.on_unit_updated(unit, self._model)

    async def unit(self, unit_id: str) -> UnitEntry | None:
        if unit_id not in self._units:
            found = await self._model.unit(unit_id)
            self._units[unit_id] = None if found is None else _entry(found)
        return self._units[unit_id]

    async def unit_name(self, unit_id: str) -> str:
        entry = await self.unit(unit_id)
        return entry.name if entry is not None else unit_id

    async def top_unit_ids(self) -> list[str]:
        """The units with no parent: in a city's directory, its bureau."""
        return await self._model.top_unit_ids()

    async def on_duty(self, unit_ids: list[str] | None) -> dict[str, tuple[Contact, Contact]]:
        """(officer, leader) of each unit with a current shift, of `unit_ids` or of every unit."""
        shifts = await self._model.on_duty(unit_ids)
        return {unit_id: (_contact(shift.officer), _contact(shift.leader)) for unit_id, shift in shifts.items()}

    async def sender(self, phone: str) -> KnownSender | None:
        """Who on the roster (an officer or leader on a current shift, or a duty room) has this number."""
        shift = await self._model.on_duty_with_phone(phone)
        person = None if shift is None else shift.person_with_phone(phone)
        if shift is not None and person is not None:
            return KnownSender(person.id, person.name, shift.unit_id)
        unit = await self._model.duty_room_with_phone(phone)
        if unit is None or unit.duty_room is None:
            return None
        return KnownSender(unit.duty_room.id, unit.duty_room.name, unit.id)

    async def person(self, person_id: str) -> Contact | None:
        """An officer or leader on a current shift."""
        shift = await self._model.on_duty_with_person(person_id)
        person = None if shift is None else shift.person_with_id(person_id)
        return None if person is None else _contact(person)
