"""Residents' leave (请销假): recorded, returned, or — not back by the expected time plus the grace period — a
missing-resident incident on `incident.intake`, with its one-hour clock."""

from __future__ import annotations

from datetime import datetime

from schemas.incident import ReportIncident
from schemas.rounds import RecordLeave, RecordReturn
from schemas.values import IncidentType, Severity
from services.rounds.domain import Leave
from services.rounds.handlers.common import Rules, UnknownRecord, local_time
from services.rounds.ports import Ports

__all__ = ["fire_missing_residents", "on_record_leave", "on_record_return"]

REPORTER = "请销假登记（自动）"


async def on_record_leave(command: RecordLeave, ports: Ports, rules: Rules) -> Leave:
    """The leave, recorded once under its id (the same id again returns the first)."""
    leave = Leave.taken(
        command.leave_id,
        command.unit_id,
        command.resident,
        command.reason,
        command.left_at,
        command.expected_back,
        rules.leave_grace,
    )
    if not await ports.leaves.add(leave):
        return await _leave(ports, command.leave_id)
    return leave


async def on_record_return(command: RecordReturn, ports: Ports) -> Leave:
    leave = await _leave(ports, command.leave_id)
    if leave.returned_at is None:
        leave.returned_at = command.returned_at
        await ports.leaves.save(leave)
    return leave


async def _leave(ports: Ports, leave_id: str) -> Leave:
    leave = await ports.leaves.get(leave_id)
    if leave is None:
        raise UnknownRecord(f"no leave {leave_id!r}")
    return leave


async def fire_missing_residents(ports: Ports, now: datetime, limit: int = 200) -> int:
    """Leaves past their expected return and grace with the resident still out: an incident each."""
    overdue = await ports.leaves.claim_due(now, limit)
    for leave in overdue:
        leave.reported_missing_at = now
        reason = f"（{leave.reason}）" if leave.reason else ""
        command = ReportIncident(
            unit_id=leave.unit_id,
            type=IncidentType.MISSING_PERSON,
            severity=Severity.IV,
            occurred_at=min(leave.missing_at, now),
            location="外出请假未归",
            summary=f"{leave.resident}请假外出{reason}，应于{local_time(leave.expected_back)}返回，逾期未归，去向不明",
            reporter=REPORTER,
            external_id=f"leave/{leave.id}"[:100],
        )
        await ports.outgoing.publish(command, leave.id)
        await ports.leaves.save(leave)
    return len(overdue)
