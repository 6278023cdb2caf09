"""The read model of the roster: units and shifts as `duty.units` and `duty.shifts` tell them, and the missed
check-ins `duty.alerts` tells, for accountability."""

from __future__ import annotations

from datetime import datetime

from schemas.duty import CheckInMissed, ShiftEnded, ShiftStarted, UnitUpdated
from services.incident.domain import MissedCheckIn, Shift, Unit
from services.incident.handlers.handover import hand_over
from services.incident.ports import Ports

__all__ = ["on_check_in_missed", "on_shift_ended", "on_shift_started", "on_unit_updated"]


async def on_unit_updated(updated: UnitUpdated, ports: Ports) -> None:
    await ports.directory.save_unit(
        Unit(
            id=updated.unit_id,
            name=updated.name,
            kind=updated.kind,
            parent_id=updated.parent_id,
            duty_room=updated.duty_room,
            recipients=tuple(updated.recipients),
        )
    )


async def on_shift_started(started: ShiftStarted, ports: Ports, now: datetime) -> None:
    """Remember the shift; if it is on now, it takes the unit's open incidents (handover, or after a gap)."""
    shift = Shift(
        started.shift_id, started.unit_id, started.officer, started.leader, started.starts_at, started.ends_at
    )
    await ports.directory.save_shift(shift)
    if shift.covers(now):
        await hand_over(shift, ports, now)


async def on_shift_ended(ended: ShiftEnded, ports: Ports, now: datetime) -> None:
    await ports.directory.end_shift(ended.shift_id, min(ended.ends_at, now))


async def on_check_in_missed(missed: CheckInMissed, ports: Ports, _now: datetime) -> None:
    await ports.checkins.add_missed(
        MissedCheckIn(missed.shift_id, missed.unit_id, missed.role, missed.person, missed.due_by)
    )
