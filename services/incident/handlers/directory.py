"""The read model of the roster: units and shifts as `duty.units` and `duty.shifts` tell them, and the missed
check-ins `duty.alerts` tells, for accountability."""

from __future__ import annotations

from datetime import datetime

from schemas.duty import CheckInMissed, ShiftEnded, ShiftStarted, UnitUpdated
from services.directory import handlers as directory
from services.incident.domain import MissedCheckIn
from services.incident.handlers.handover import hand_over
from services.incident.ports import Ports

__all__ = ["on_check_in_missed", "on_shift_ended", "on_shift_started", "on_unit_updated"]


async def on_unit_updated(updated: UnitUpdated, ports: Ports) -> None:
    await directory.on_unit_updated(updated, ports.directory)


async def on_shift_started(started: ShiftStarted, ports: Ports, now: datetime) -> None:
    """Remember the shift; if it is on now, it takes the unit's open incidents (handover, or after a gap)."""
    shift = await directory.on_shift_started(started, ports.directory)
    if shift.covers(now):
        await hand_over(shift, ports, now)


async def on_shift_ended(ended: ShiftEnded, ports: Ports, now: datetime) -> None:
    await directory.on_shift_ended(ended, ports.directory, now)


async def on_check_in_missed(missed: CheckInMissed, ports: Ports, _now: datetime) -> None:
    await ports.checkins.add_missed(
        MissedCheckIn(missed.shift_id, missed.unit_id, missed.role, missed.person, missed.due_by)
    )
