"""`duty.units` and `duty.shifts` into the read model: what every service does with them before its own part."""

from __future__ import annotations

from datetime import datetime

from schemas.duty import ShiftEnded, ShiftStarted, UnitUpdated
from services.directory.domain import Shift, Unit
from services.directory.ports import Directory

__all__ = ["on_shift_ended", "on_shift_started", "on_unit_updated", "shift_of"]


def shift_of(message: ShiftStarted | ShiftEnded) -> Shift:
    return Shift(message.shift_id, message.unit_id, message.officer, message.leader, message.starts_at, message.ends_at)


async def on_unit_updated(updated: UnitUpdated, directory: Directory) -> Unit:
    unit = Unit(
        id=updated.unit_id,
        name=updated.name,
        kind=updated.kind,
        parent_id=updated.parent_id,
        duty_room=updated.duty_room,
        recipients=tuple(updated.recipients),
    )
    await directory.save_unit(unit)
    return unit


async def on_shift_started(started: ShiftStarted, directory: Directory) -> Shift:
    """Remember the shift; the caller decides what its start means for it (a handover, spot checks …)."""
    shift = shift_of(started)
    await directory.save_shift(shift)
    return shift


async def on_shift_ended(ended: ShiftEnded, directory: Directory, now: datetime) -> None:
    """The shift is over at its planned end, or now if the roster says so earlier."""
    await directory.end_shift(ended.shift_id, min(ended.ends_at, now))
