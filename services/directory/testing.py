"""An in-memory `Directory` for the services' handler tests: the same answers as `SqlDirectory`, no database."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from datetime import datetime

from services.directory.domain import Shift, Unit

__all__ = ["MemoryDirectory"]


class MemoryDirectory:
    def __init__(self) -> None:
        self.unit_rows: dict[str, Unit] = {}
        self.shifts: dict[str, Shift] = {}

    async def save_unit(self, unit: Unit) -> None:
        self.unit_rows[unit.id] = unit

    async def unit(self, unit_id: str) -> Unit | None:
        return self.unit_rows.get(unit_id)

    async def lock_unit(self, unit_id: str) -> Unit | None:
        return self.unit_rows.get(unit_id)

    async def units(self) -> list[Unit]:
        return list(self.unit_rows.values())

    async def top_unit_ids(self) -> list[str]:
        return [unit.id for unit in self.unit_rows.values() if unit.parent_id is None]

    async def duty_room_with_phone(self, phone: str) -> Unit | None:
        rooms = [unit for unit in self.unit_rows.values() if unit.duty_room and unit.duty_room.phone == phone]
        return min(rooms, key=lambda unit: unit.id, default=None)

    async def save_shift(self, shift: Shift) -> None:
        self.shifts[shift.id] = shift

    async def end_shift(self, shift_id: str, ended_at: datetime) -> None:
        if shift_id in self.shifts:
            self.shifts[shift_id] = dataclasses.replace(self.shifts[shift_id], ended_at=ended_at)

    async def current_shift(self, unit_id: str, now: datetime) -> Shift | None:
        return (await self.current_shifts(now)).get(unit_id)

    async def current_shifts(self, now: datetime) -> dict[str, Shift]:
        return _latest_per_unit(shift for shift in self.shifts.values() if shift.covers(now))

    async def latest_shift_naming(self, phone: str) -> Shift | None:
        return _latest(shift for shift in self.shifts.values() if shift.person_with_phone(phone))

    async def on_duty(self, unit_ids: Sequence[str] | None) -> dict[str, Shift]:
        latest = _latest_per_unit(self.shifts.values())
        return {
            unit_id: shift
            for unit_id, shift in latest.items()
            if shift.ended_at is None and (unit_ids is None or unit_id in unit_ids)
        }

    async def on_duty_with_phone(self, phone: str) -> Shift | None:
        return _latest(shift for shift in (await self.on_duty(None)).values() if shift.person_with_phone(phone))

    async def on_duty_with_person(self, person_id: str) -> Shift | None:
        return _latest(shift for shift in (await self.on_duty(None)).values() if shift.person_with_id(person_id))


def _latest(shifts: Iterable[Shift]) -> Shift | None:
    return max(shifts, key=lambda shift: shift.starts_at, default=None)


def _latest_per_unit(shifts: Iterable[Shift]) -> dict[str, Shift]:
    return {shift.unit_id: shift for shift in sorted(shifts, key=lambda shift: shift.starts_at)}
