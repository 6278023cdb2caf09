"""`duty.units`, `duty.shifts`, `duty.alerts` and `duty.checkins` into the read model."""

from __future__ import annotations

from datetime import datetime

from schemas.duty import (
    CheckInMissed,
    CheckInReceived,
    CheckInRequested,
    DutyRole,
    ShiftEnded,
    ShiftStarted,
    UnitUpdated,
)
from services.board.domain import CheckIn, Shift, Unit
from services.board.ports import Ports

__all__ = [
    "on_check_in_missed",
    "on_check_in_received",
    "on_check_in_requested",
    "on_shift_ended",
    "on_shift_started",
    "on_unit_updated",
]


async def on_unit_updated(message: UnitUpdated, ports: Ports, _now: datetime) -> None:
    unit = Unit(message.unit_id, message.name, message.kind.value, message.parent_id, tuple(message.recipients))
    await ports.directory.save_unit(unit)


def _shift(message: ShiftStarted | ShiftEnded) -> Shift:
    return Shift(message.shift_id, message.unit_id, message.officer, message.leader, message.starts_at, message.ends_at)


async def on_shift_started(message: ShiftStarted, ports: Ports, _now: datetime) -> None:
    await ports.directory.save_shift(_shift(message))


async def on_shift_ended(message: ShiftEnded, ports: Ports, now: datetime) -> None:
    await ports.directory.save_shift(_shift(message))
    await ports.directory.end_shift(message.shift_id, now)


# The duty page shows the officer's check-in: a leader's check-in of the same shift must not overwrite it.


async def on_check_in_requested(message: CheckInRequested, ports: Ports, _now: datetime) -> None:
    if message.role is DutyRole.OFFICER:
        await ports.directory.note_check_in(CheckIn(message.shift_id, due_by=message.due_by))


async def on_check_in_received(message: CheckInReceived, ports: Ports, _now: datetime) -> None:
    if message.role is DutyRole.OFFICER:
        await ports.directory.note_check_in(CheckIn(message.shift_id, received_at=message.received_at))


async def on_check_in_missed(message: CheckInMissed, ports: Ports, now: datetime) -> None:
    if message.role is DutyRole.OFFICER:
        await ports.directory.note_check_in(CheckIn(message.shift_id, due_by=message.due_by, missed_at=now))
