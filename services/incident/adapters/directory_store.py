"""The read model of units and shifts, in the service's own database."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Table, bindparam, delete, insert, or_, select, update

from schemas.values import Person, Recipient, UnitKind
from services.incident.adapters.tables import Tables
from services.incident.domain import Shift, Unit
from services.runtime.store import Session, first_row, row_by_key

__all__ = ["SqlDirectory", "person_json", "person_of"]


def person_json(person: Person | None) -> dict[str, Any] | None:
    return None if person is None else person.model_dump(mode="json")


def person_of(document: dict[str, Any] | None) -> Person | None:
    return None if document is None else _person(**document)


# The same few hundred people and duty rooms come back from the store on every intake; validating each
# (its phone number above all) again cost more than the query. The models are frozen, so one can be shared.
@functools.lru_cache(maxsize=4096)
def _person(id: str, name: str, phone: str) -> Person:
    return Person(id=id, name=name, phone=phone)


@functools.lru_cache(maxsize=4096)
def _recipient(role: str, name: str, phone: str) -> Recipient:
    return Recipient.model_validate({"role": role, "name": name, "phone": phone})


class SqlDirectory:
    """Implements `ports.Directory`."""

    def __init__(self, session: Session, tables: Tables) -> None:
        self._session = session
        self._units = tables.units
        self._shifts = tables.shifts

    async def save_unit(self, unit: Unit) -> None:
        await self._session.execute(delete(self._units).where(self._units.c.unit_id == unit.id))
        await self._session.execute(
            insert(self._units).values(
                unit_id=unit.id,
                name=unit.name,
                kind=unit.kind.value,
                parent_id=unit.parent_id,
                duty_room=person_json(unit.duty_room),
                recipients=[recipient.model_dump(mode="json") for recipient in unit.recipients],
            )
        )

    async def unit(self, unit_id: str) -> Unit | None:
        return await self._unit(row_by_key(self._units, "unit_id"), unit_id)

    async def lock_unit(self, unit_id: str) -> Unit | None:
        return await self._unit(row_by_key(self._units, "unit_id", for_update=True), unit_id)

    async def _unit(self, query: Any, unit_id: str) -> Unit | None:
        row = await first_row(self._session, query, {"key": unit_id})
        if row is None:
            return None
        return Unit(
            id=row.unit_id,
            name=row.name,
            kind=UnitKind(row.kind),
            parent_id=row.parent_id,
            duty_room=person_of(row.duty_room),
            recipients=tuple(_recipient(**each) for each in row.recipients),
        )

    async def save_shift(self, shift: Shift) -> None:
        await self._session.execute(delete(self._shifts).where(self._shifts.c.shift_id == shift.id))
        await self._session.execute(
            insert(self._shifts).values(
                shift_id=shift.id,
                unit_id=shift.unit_id,
                officer=person_json(shift.officer),
                leader=person_json(shift.leader),
                officer_phone=shift.officer.phone,
                leader_phone=shift.leader.phone,
                starts_at=shift.starts_at,
                ends_at=shift.ends_at,
            )
        )

    async def end_shift(self, shift_id: str, ended_at: datetime) -> None:
        await self._session.execute(
            update(self._shifts).where(self._shifts.c.shift_id == shift_id).values(ended_at=ended_at)
        )

    async def current_shift(self, unit_id: str, now: datetime) -> Shift | None:
        row = await first_row(self._session, _current_shift(self._shifts), {"unit_id": unit_id, "now": now})
        return None if row is None else _shift_of(row)

    async def person_by_phone(self, phone: str) -> Person | None:
        columns = self._shifts.c
        query = (
            select(self._shifts)
            .where(or_(columns.officer_phone == phone, columns.leader_phone == phone))
            .order_by(columns.starts_at.desc())
            .limit(1)
        )
        row = (await self._session.execute(query)).first()
        if row is None:
            return None
        shift = _shift_of(row)
        return shift.officer if shift.officer.phone == phone else shift.leader


@functools.cache  # built once: building a statement costs several times running it
def _current_shift(shifts: Table) -> Select[Any]:
    columns = shifts.c
    return (
        select(shifts)
        .where(
            columns.unit_id == bindparam("unit_id"),
            columns.starts_at <= bindparam("now"),
            columns.ends_at > bindparam("now"),
        )
        .where(columns.ended_at.is_(None))
        .order_by(columns.starts_at.desc())
        .limit(1)
    )


def _shift_of(row: Any) -> Shift:
    officer, leader = _person(**row.officer), _person(**row.leader)
    return Shift(row.shift_id, row.unit_id, officer, leader, row.starts_at, row.ends_at)
