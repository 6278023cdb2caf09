"""Missed check-ins, as the roster announced them, in the incident service's own database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from schemas.duty import DutyRole
from services.directory.adapters import person_json, person_of
from services.incident.adapters.tables import Tables
from services.incident.domain import MissedCheckIn
from services.runtime.store import Session, insert_into

__all__ = ["SqlCheckIns"]


class SqlCheckIns:
    """Implements `ports.CheckIns`."""

    def __init__(self, session: Session, tables: Tables) -> None:
        self._session = session
        self._table = tables.missed_check_ins

    async def add_missed(self, missed: MissedCheckIn) -> None:
        columns = self._table.c
        known = select(columns.shift_id).where(columns.shift_id == missed.shift_id, columns.role == missed.role.value)
        if (await self._session.execute(known)).first() is not None:
            return
        row = {
            "shift_id": missed.shift_id,
            "role": missed.role.value,
            "unit_id": missed.unit_id,
            "person": person_json(missed.person),
            "due_by": missed.due_by,
        }
        await self._session.insert(insert_into(self._table), row)

    async def missed_between(self, start: datetime, end: datetime, units: Sequence[str] | None) -> list[MissedCheckIn]:
        columns = self._table.c
        query = select(self._table).where(columns.due_by >= start, columns.due_by < end).order_by(columns.due_by)
        if units is not None:
            query = query.where(columns.unit_id.in_(list(units)))
        return [_missed_of(row) for row in await self._session.execute(query)]


def _missed_of(row: Any) -> MissedCheckIn:
    person = person_of(row.person)
    assert person is not None
    return MissedCheckIn(row.shift_id, row.unit_id, DutyRole(row.role), person, row.due_by)
