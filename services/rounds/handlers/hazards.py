"""Rectification items: escalated when their deadline passes open, closed with a note."""

from __future__ import annotations

from datetime import datetime

from schemas.rounds import HazardOverdue
from services.rounds.domain import Hazard
from services.rounds.handlers.common import UnknownRecord, on_duty
from services.rounds.ports import Ports

__all__ = ["HazardClosed", "fire_overdue_hazards", "on_close_hazard"]


class HazardClosed(ValueError):
    """The hazard was closed already."""


async def fire_overdue_hazards(ports: Ports, now: datetime, limit: int = 200) -> int:
    """Open items past their deadline: marked overdue, and owner, leader and duty room are alerted."""
    overdue = await ports.hazards.claim_due(now, limit)
    for hazard in overdue:
        hazard.escalate(now)
        duty = await on_duty(ports, hazard.unit_id, now)
        alert = HazardOverdue(
            unit_id=hazard.unit_id,
            hazard_id=hazard.id,
            description=hazard.description[:500],
            hazard_class=hazard.hazard_class,
            deadline=hazard.deadline,
            owner=hazard.owner or duty.officer,
            leader=duty.leader,
            duty_room=duty.duty_room,
        )
        await ports.outgoing.publish(alert, hazard.id)
        await ports.hazards.save(hazard)
    return len(overdue)


async def on_close_hazard(hazard_id: str, by: str, note: str, ports: Ports, now: datetime) -> Hazard:
    hazard = await ports.hazards.get(hazard_id)
    if hazard is None:
        raise UnknownRecord(f"no hazard {hazard_id!r}")
    if not hazard.is_open:
        raise HazardClosed(f"hazard {hazard_id} was closed at {hazard.closed_at} by {hazard.closed_by}")
    hazard.close(now, by, note)
    await ports.hazards.save(hazard)
    return hazard
