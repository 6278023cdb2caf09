"""Read models from the roster (who is on duty per unit, the unit directory), and recorded broadcasts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select, update

from schemas.duty import ShiftEnded, ShiftStarted, UnitUpdated
from schemas.values import Person
from services.notifier.adapters.tables import NotifierTables
from services.notifier.domain import Contact
from services.notifier.domain.directory import KnownSender, UnitEntry
from services.runtime.store import Session, first_row, row_by_key

__all__ = ["Directory"]


def _person_json(person: Person | None) -> dict[str, Any] | None:
    return None if person is None else {"id": person.id, "name": person.name, "phone": person.phone}


def _contact(document: dict[str, Any] | None) -> Contact | None:
    if document is None:
        return None
    return Contact(name=document["name"], phone=document["phone"], person_id=document.get("id"))


class Directory:
    """The shifts and units read models, kept from `duty.shifts` and `duty.units`."""

    def __init__(self, session: Session, tables: NotifierTables) -> None:
        self.session = session
        self.t = tables
        self._units: dict[str, UnitEntry | None] = {}  # read in this transaction

    async def shift_started(self, shift: ShiftStarted) -> None:
        await self.session.execute(delete(self.t.shifts).where(self.t.shifts.c.unit_id == shift.unit_id))
        await self.session.execute(
            insert(self.t.shifts).values(
                unit_id=shift.unit_id,
                shift_id=shift.shift_id,
                officer=_person_json(shift.officer),
                leader=_person_json(shift.leader),
                starts_at=shift.starts_at,
                ends_at=shift.ends_at,
            )
        )

    async def shift_ended(self, shift: ShiftEnded) -> None:
        shifts = self.t.shifts.c
        await self.session.execute(
            delete(self.t.shifts).where(shifts.unit_id == shift.unit_id, shifts.shift_id == shift.shift_id)
        )

    async def unit_updated(self, unit: UnitUpdated) -> None:
        self._units.pop(unit.unit_id, None)
        values = {
            "name": unit.name,
            "parent_id": unit.parent_id,
            "duty_room": _person_json(unit.duty_room),
            "recipients": [recipient.model_dump(mode="json") for recipient in unit.recipients],
        }
        result = await self.session.execute(
            update(self.t.units).where(self.t.units.c.unit_id == unit.unit_id).values(**values)
        )
        if not result.rowcount:
            await self.session.execute(insert(self.t.units).values(unit_id=unit.unit_id, **values))

    async def unit(self, unit_id: str) -> UnitEntry | None:
        if unit_id not in self._units:
            self._units[unit_id] = await self._read_unit(unit_id)
        return self._units[unit_id]

    async def _read_unit(self, unit_id: str) -> UnitEntry | None:
        row = await first_row(self.session, row_by_key(self.t.units, "unit_id"), {"key": unit_id})
        if row is None:
            return None
        recipients = {item["role"]: Contact(name=item["name"], phone=item["phone"]) for item in row.recipients or []}
        return UnitEntry(row.unit_id, row.name, row.parent_id, _contact(row.duty_room), recipients)

    async def unit_name(self, unit_id: str) -> str:
        entry = await self.unit(unit_id)
        return entry.name if entry is not None else unit_id

    async def top_unit_ids(self) -> list[str]:
        """The units with no parent: in a city's directory, its bureau."""
        units = self.t.units.c
        return list((await self.session.execute(select(units.unit_id).where(units.parent_id.is_(None)))).scalars())

    async def on_duty(self, unit_ids: list[str] | None) -> dict[str, tuple[Contact, Contact]]:
        """(officer, leader) of each unit with a current shift, of `unit_ids` or of every unit."""
        query = select(self.t.shifts)
        if unit_ids is not None:
            query = query.where(self.t.shifts.c.unit_id.in_(unit_ids))
        rows = (await self.session.execute(query)).all()
        return {row.unit_id: (_contact(row.officer), _contact(row.leader)) for row in rows}  # type: ignore[misc]

    async def sender(self, phone: str) -> KnownSender | None:
        """Who on the roster (an officer or leader on a current shift, or a duty room) has this number."""
        for row in (await self.session.execute(select(self.t.shifts))).all():
            for person in (row.officer, row.leader):
                if person["phone"] == phone:
                    return KnownSender(person["id"], person["name"], row.unit_id)
        for unit in (await self.session.execute(select(self.t.units))).all():
            if unit.duty_room and unit.duty_room["phone"] == phone:
                return KnownSender(unit.duty_room["id"], unit.duty_room["name"], unit.unit_id)
        return None

    async def person(self, person_id: str) -> Contact | None:
        for row in (await self.session.execute(select(self.t.shifts))).all():
            for person in (row.officer, row.leader):
                if person["id"] == person_id:
                    return _contact(person)
        return None
