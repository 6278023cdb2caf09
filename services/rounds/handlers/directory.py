"""The read model of the roster: units and shifts as `duty.units` and `duty.shifts` tell them."""

from __future__ import annotations

from datetime import datetime

from schemas.duty import ShiftEnded, ShiftStarted, UnitUpdated
from services.rounds.domain.directory import Shift, Unit
from services.rounds.handlers.common import Rules
from services.rounds.handlers.spot_checks import plan_spot_checks
from services.rounds.ports import Ports

__all__ = ["on_shift_ended", "on_shift_started", "on_unit_updated"]


async def on_unit_updated(updated: UnitUpdated, ports: Ports) -> None:
    await ports.directory.save_unit(Unit(updated.unit_id, updated.name, updated.parent_id, updated.duty_room))


async def on_shift_started(started: ShiftStarted, ports: Ports, rules: Rules, now: datetime) -> None:
    """Remember the shift; draw its spot checks while it is under way."""
    shift = Shift(
        started.shift_id, started.unit_id, started.officer, started.leader, started.starts_at, started.ends_at
    )
    await ports.directory.save_shift(shift)
    if shift.covers(now):
        await plan_spot_checks(shift, ports, rules, now)


async def on_shift_ended(ended: ShiftEnded, ports: Ports, now: datetime) -> None:
    await ports.directory.end_shift(ended.shift_id, min(ended.ends_at, now))
