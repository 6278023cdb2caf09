"""The read model in SQL: `SqlDirectory` implements `ports.Directory` on `DirectoryTables`, in the caller's
transaction; `person_json`/`person_of` are how a person is kept in a JSON column."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, bindparam, exists, insert, or_, select, update

from schemas.values import Person, Recipient, UnitKind
from services.directory.domain import Shift, Unit
from services.directory.tables import DirectoryTables
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
    """Implements `services.directory.ports.Directory`."""

    def __init__(self, session: Session, tables: DirectoryTables) -> None:
        self._session = session
        self._units = tables.units
        self._shifts = tables.shifts

    async def save_unit(self, unit: Unit) -> None:
        await self._save(self._units, "unit_id", _unit_columns(unit))

    async def unit(self, unit_id: str) -> Unit | None:
        return await self._unit(row_by_key(self._units, "unit_id"), unit_id)

    async def lock_unit(self, unit_id: str) -> Unit | None:
        return await self._unit(row_by_key(self._units, "unit_id", for_update=True), unit_id)

    async def _unit(self, query: Select[Any], unit_id: str) -> Unit | None:
        row = await first_row(self._session, query, {"key": unit_id})
        return None if row is None else _unit_of(row)

    async def units(self) -> list[Unit]:
        return [_unit_of(row) for row in (await self._session.execute(select(self._units))).all()]

    async def top_unit_ids(self) -> list[str]:
        units = self._units.c
        return list((await self._session.execute(select(units.unit_id).where(units.parent_id.is_(None)))).scalars())

    async def duty_room_with_phone(self, phone: str) -> Unit | None:
        query = select(self._units).where(self._units.c.duty_room_phone == phone).order_by(self._units.c.unit_id)
        row = (await self._session.execute(query.limit(1))).first()
        return None if row is None else _unit_of(row)

    async def save_shift(self, shift: Shift) -> None:
        await self._save(self._shifts, "shift_id", _shift_columns(shift))

    async def end_shift(self, shift_id: str, ended_at: datetime) -> None:
        await self._session.execute(
            update(self._shifts).where(self._shifts.c.shift_id == shift_id).values(ended_at=ended_at)
        )

    async def current_shift(self, unit_id: str, now: datetime) -> Shift | None:
        row = await first_row(self._session, _current_shift(self._shifts), {"unit_id": unit_id, "now": now})
        return None if row is None else _shift_of(row)

    async def current_shifts(self, now: datetime) -> dict[str, Shift]:
        columns = self._shifts.c
        query = (
            select(self._shifts)
            .where(columns.starts_at <= now, columns.ends_at > now, columns.ended_at.is_(None))
            .order_by(columns.starts_at)
        )
        return {row.unit_id: _shift_of(row) for row in (await self._session.execute(query)).all()}

    async def latest_shift_naming(self, phone: str) -> Shift | None:
        columns = self._shifts.c
        query = select(self._shifts).where(or_(columns.officer_phone == phone, columns.leader_phone == phone))
        row = (await self._session.execute(query.order_by(columns.starts_at.desc()).limit(1))).first()
        return None if row is None else _shift_of(row)

    async def on_duty(self, unit_ids: Sequence[str] | None) -> dict[str, Shift]:
        query = _on_duty(self._shifts)
        if unit_ids is not None:
            query = query.where(self._shifts.c.unit_id.in_(unit_ids))
        return {row.unit_id: _shift_of(row) for row in (await self._session.execute(query)).all()}

    async def on_duty_with_phone(self, phone: str) -> Shift | None:
        columns = self._shifts.c
        return await self._one_on_duty(or_(columns.officer_phone == phone, columns.leader_phone == phone))

    async def on_duty_with_person(self, person_id: str) -> Shift | None:
        columns = self._shifts.c
        return await self._one_on_duty(or_(columns.officer_id == person_id, columns.leader_id == person_id))

    async def _save(self, table: Table, key: str, row: dict[str, Any]) -> None:
        """Update the row in place, else insert it. Not a delete and an insert: the roster restates every unit
        each time it starts, and a transaction waiting to lock the row (`lock_unit`, the incident intake) would
        find no row on PostgreSQL once the deleted one was gone, and refuse a report from a known unit."""
        updated = await self._session.execute(update(table).where(table.c[key] == row[key]).values(row))
        if updated.rowcount == 0:
            await self._session.execute(insert(table).values(row))

    async def _one_on_duty(self, naming: ColumnElement[bool]) -> Shift | None:
        query = _on_duty(self._shifts).where(naming).order_by(self._shifts.c.starts_at.desc()).limit(1)
        row = (await self._session.execute(query)).first()
        return None if row is None else _shift_of(row)


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


def _on_duty(shifts: Table) -> Select[Any]:
    """Shifts not ended with no later-started shift of their unit."""
    later = shifts.alias("later")
    superseded = exists().where(later.c.unit_id == shifts.c.unit_id, later.c.starts_at > shifts.c.starts_at)
    return select(shifts).where(shifts.c.ended_at.is_(None), ~superseded)


def _unit_columns(unit: Unit) -> dict[str, Any]:
    return {
        "unit_id": unit.id,
        "name": unit.name,
        "kind": str(unit.kind),
        "parent_id": unit.parent_id,
        "duty_room": person_json(unit.duty_room),
        "duty_room_phone": None if unit.duty_room is None else unit.duty_room.phone,
        "recipients": [recipient.model_dump(mode="json") for recipient in unit.recipients],
    }


def _shift_columns(shift: Shift) -> dict[str, Any]:
    return {
        "shift_id": shift.id,
        "unit_id": shift.unit_id,
        "officer": person_json(shift.officer),
        "leader": person_json(shift.leader),
        "officer_id": shift.officer.id,
        "leader_id": shift.leader.id,
        "officer_phone": shift.officer.phone,
        "leader_phone": shift.leader.phone,
        "starts_at": shift.starts_at,
        "ends_at": shift.ends_at,
        "ended_at": shift.ended_at,
    }


def _unit_of(row: Any) -> Unit:
    return Unit(
        id=row.unit_id,
        name=row.name,
        kind=UnitKind(row.kind),
        parent_id=row.parent_id,
        duty_room=person_of(row.duty_room),
        recipients=tuple(_recipient(**each) for each in row.recipients),
    )


def _shift_of(row: Any) -> Shift:
    officer, leader = _person(**row.officer), _person(**row.leader)
    return Shift(row.shift_id, row.unit_id, officer, leader, row.starts_at, row.ends_at, row.ended_at)
