"""The read model of the roster: units and shifts as `duty.units` and `duty.shifts` tell them."""

from __future__ import annotations

from datetime import datetime

from schemas.duty import ShiftEnded, ShiftStarted, UnitUpdated
from services.directory import handlers as directory
from services.rounds.handlers.common import Rules
from services.rounds.handlers.spot_checks import plan_spot_checks
from services.rounds.ports import Ports

__all__ = ["on_shift_ended", "on_shift_started", "on_unit_updated"]


async def on_unit_updated(updated: UnitUpdated, ports: Ports) -> None:
    await directory.on_unit_updated(updated, ports.directory)


async def on_shift_started(started: ShiftStarted, ports: Ports, rules: Rules, now: datetime) -> None:
    """Remember the shift; draw its spot checks while it is under way."""
    shift = await directory.on_shift_started(started, ports.directory)
    if shift.covers(now):
        await plan_spot_checks(shift, ports, rules, now)


async def on_shift_ended(ended: ShiftEnded, ports: Ports, now: datetime) -> None:
    await directory.on_shift_ended(ended, ports.directory, now)
