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
from services.board.domain import CheckIn
from services.board.ports import Ports
from services.directory import handlers as directory

__all__ = [
    "on_check_in_missed",
    "on_check_in_received",
    "on_check_in_requested",
    "on_shift_ended",
    "on_shift_started",
    "on_unit_updated",
]


async def on_unit_updated(message: UnitUpdated, ports: Ports, _now: datetime) -> None:
    await directory.on_unit_updated(message, ports.directory)


async def on_shift_started(message: ShiftStarted, ports: Ports, _now: datetime) -> None:
    await directory.on_shift_started(message, ports.directory)


async def on_shift_ended(message: ShiftEnded, ports: Ports, now: datetime) -> None:
    await directory.on_shift_ended(message, ports.directory, now)


# The duty page shows the officer's check-in: a leader's check-in of the same shift must not overwrite it.


async def on_check_in_requested(message: CheckInRequested, ports: Ports, _now: datetime) -> None:
    if message.role is DutyRole.OFFICER:
        await ports.check_ins.note_check_in(CheckIn(message.shift_id, due_by=message.due_by))


async def on_check_in_received(message: CheckInReceived, ports: Ports, _now: datetime) -> None:
    if message.role is DutyRole.OFFICER:
        await ports.check_ins.note_check_in(CheckIn(message.shift_id, received_at=message.received_at))


async def on_check_in_missed(message: CheckInMissed, ports: Ports, now: datetime) -> None:
    if message.role is DutyRole.OFFICER:
        await ports.check_ins.note_check_in(CheckIn(message.shift_id, due_by=message.due_by, missed_at=now))
