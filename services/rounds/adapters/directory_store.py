"""The read model of units and shifts, in the service's own database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, MetaData, String, Table, delete, insert, or_, select, update

from schemas.values import Person
from services.rounds.domain.directory import Shift, Unit
from services.runtime.store import Session, UtcDateTime, first_row, row_by_key

__all__ = ["DirectoryTables", "SqlDirectory"]


class DirectoryTables:
    def __init__(self, metadata: MetaData) -> None:
        self.units = Table(
            "units",
            metadata,
            Column("unit_id", String(64), primary_key=True),
            Column("name", String(200), nullable=False),
            Column("parent_id", String(64), nullable=True),
            Column("duty_room", JSON, nullable=True),
        )
        self.shifts = Table(
            "shifts",
            metadata,
            Column("shift_id", String(200), primary_key=True),
            Column("unit_id", String(64), nullable=False, index=True),
            Column("officer", JSON, nullable=False),
            Column("leader", JSON, nullable=False),
            Column("officer_phone", String(32), nullable=False, index=True),
            Column("leader_phone", String(32), nullable=False, index=True),
            Column("starts_at", UtcDateTime, nullable=False),
            Column("ends_at", UtcDateTime, nullable=False),
            Column("ended_at", UtcDateTime, nullable=True),
        )


def _json(person: Person | None) -> dict[str, Any] | None:
    return None if person is None else person.model_dump(mode="json")


class SqlDirectory:
    """Implements `ports.Directory`."""

    def __init__(self, session: Session, tables: DirectoryTables) -> None:
        self._session = session
        self._units = tables.units
        self._shifts = tables.shifts

    async def save_unit(self, unit: Unit) -> None:
        await self._session.execute(delete(self._units).where(self._units.c.unit_id == unit.id))
        row = {"unit_id": unit.id, "name": unit.name, "parent_id": unit.parent_id, "duty_room": _json(unit.duty_room)}
        await self._session.execute(insert(self._units).values(**row))

    async def unit(self, unit_id: str) -> Unit | None:
        row = await first_row(self._session, row_by_key(self._units, "unit_id"), {"key": unit_id})
        if row is None:
            return None
        duty_room = None if row.duty_room is None else Person(**row.duty_room)
        return Unit(row.unit_id, row.name, row.parent_id, duty_room)

    async def save_shift(self, shift: Shift) -> None:
        await self._session.execute(delete(self._shifts).where(self._shifts.c.shift_id == shift.id))
        row = {
            "shift_id": shift.id,
            "unit_id": shift.unit_id,
            "officer": _json(shift.officer),
            "leader": _json(shift.leader),
            "officer_phone": shift.officer.phone,
            "leader_phone": shift.leader.phone,
            "starts_at": shift.starts_at,
            "ends_at": shift.ends_at,
        }
        await self._session.execute(insert(self._shifts).values(**row))

    async def end_shift(self, shift_id: str, ended_at: datetime) -> None:
        query = update(self._shifts).where(self._shifts.c.shift_id == shift_id).values(ended_at=ended_at)
        await self._session.execute(query)

    async def current_shift(self, unit_id: str, now: datetime) -> Shift | None:
        columns = self._shifts.c
        query = (
            select(self._shifts)
            .where(columns.unit_id == unit_id, columns.starts_at <= now, columns.ends_at > now)
            .where(columns.ended_at.is_(None))
            .order_by(columns.starts_at.desc())
            .limit(1)
        )
        row = (await self._session.execute(query)).first()
        if row is None:
            return None
        officer, leader = Person(**row.officer), Person(**row.leader)
        return Shift(row.shift_id, row.unit_id, officer, leader, row.starts_at, row.ends_at)

    async def unit_of_phone(self, phone: str) -> str | None:
        columns = self._shifts.c
        query = (
            select(columns.unit_id)
            .where(or_(columns.officer_phone == phone, columns.leader_phone == phone))
            .order_by(columns.starts_at.desc())
            .limit(1)
        )
        return await self._session.scalar(query)
