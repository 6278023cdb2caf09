"""The report clock's sweep: due timer rows fire (warning, overdue) or settle quietly, in one transaction."""

from __future__ import annotations

from datetime import datetime

from schemas.incident import ReportDueSoon, ReportOverdue
from schemas.values import ReportKind
from services.incident.domain import (
    Concealment,
    Deadline,
    DeadlineKind,
    Firing,
    Incident,
    TimelineEntry,
    TimelineKind,
    what_fires,
)
from services.incident.domain.concealment import concealment_of
from services.incident.handlers.common import Rules, write
from services.incident.handlers.reports import DEFAULT_RULES
from services.incident.handlers.signoff import send_unsigned
from services.incident.ports import Ports

__all__ = ["fire_due_deadlines"]


async def fire_due_deadlines(ports: Ports, now: datetime, limit: int = 100, rules: Rules = DEFAULT_RULES) -> int:
    """Claim the due rows and settle each; return how many fired (warnings, overdue notices, unsigned 首报)."""
    fired = 0
    held: set[str] = set()  # all of a held incident's rows wait, so its unsigned 首报 still goes before its warning
    # An unsigned 首报 goes out before a warning due at the same time is weighed: the warning is then moot.
    due = sorted(
        await ports.deadlines.claim_due(now, limit),
        key=lambda row: (row.incident_id, row.kind is not DeadlineKind.SIGN_OFF),
    )
    for deadline in due:
        incident = None if deadline.incident_id in held else await _lock_unless_held(ports, deadline.incident_id)
        if incident is None:
            held.add(deadline.incident_id)
            continue
        fired += await _settle(deadline, incident, ports, now, rules)
    return fired


async def _lock_unless_held(ports: Ports, incident_id: str) -> Incident | None:
    """The incident, locked, or None while another transaction holds it. A report, a close, a merge or a 签发 locks
    the incident and then settles its deadline rows, which this sweep has claimed: waiting here for the incident
    would close a cycle that PostgreSQL breaks by aborting one of the two. The sweep leaves the incident's rows
    unsettled instead: still due, the next sweep weighs them against what that transaction did."""
    return await ports.incidents.lock(incident_id, skip_locked=True)


async def _settle(deadline: Deadline, incident: Incident, ports: Ports, now: datetime, rules: Rules) -> bool:
    """Fire the row or settle it quietly; whether it fired."""
    assert deadline.id is not None
    due_at = await _due_at(deadline, incident, ports)
    firing = what_fires(deadline, incident, now, due_at)
    if firing is Firing.FIRE and deadline.kind is DeadlineKind.SIGN_OFF:
        await send_unsigned(incident, ports, rules, now)
    elif firing is Firing.FIRE:
        await _fire(deadline, incident, due_at, ports, now)
    await ports.deadlines.settle(deadline.id, now, firing)
    return firing is Firing.FIRE


async def _due_at(deadline: Deadline, incident: Incident, ports: Ports) -> datetime:
    """The report deadline a timer row is about: the 首报's, or for a 续报 warning its overdue row's."""
    if deadline.report_kind is ReportKind.FIRST:
        return incident.first_report_due_at
    if deadline.kind is DeadlineKind.OVERDUE:
        return deadline.due_at
    overdue = [
        row.due_at
        for row, settled_at, _ in await ports.deadlines.of_incident(incident.id)
        if row.kind is DeadlineKind.OVERDUE and row.report_kind is deadline.report_kind and settled_at is None
    ]
    return min(overdue, default=deadline.due_at)


async def _fire(deadline: Deadline, incident: Incident, due_at: datetime, ports: Ports, now: datetime) -> None:
    kind = deadline.report_kind
    if deadline.kind is DeadlineKind.DUE_SOON:
        await ports.outgoing.publish(
            ReportDueSoon(
                unit_id=incident.unit_id,
                incident_id=incident.id,
                kind=kind,
                due_at=due_at,
                officer=incident.officer,
                leader=incident.leader,
            ),
            incident.id,
        )
        detail = f"{kind.label} due at {due_at.isoformat()}: officer and leader warned"
        await ports.incidents.append(incident.id, TimelineEntry(now, TimelineKind.DUE_SOON, detail))
        return
    unit = await ports.directory.unit(incident.unit_id)
    bureau = unit.municipal_bureau if unit is not None else None
    incident.late = incident.late or kind is ReportKind.FIRST
    await ports.outgoing.publish(
        ReportOverdue(
            unit_id=incident.unit_id,
            incident_id=incident.id,
            kind=kind,
            due_at=due_at,
            officer=incident.officer,
            leader=incident.leader,
            municipal_bureau=bureau,
        ),
        incident.id,
    )
    called = f"; municipal bureau {bureau.name} called" if bureau else "; no municipal bureau recipient known"
    detail = f"{kind.label} overdue (迟报) since {due_at.isoformat()}{called}"
    flags = _flagged(incident, now) if kind is ReportKind.FIRST else []
    await write(ports, incident, now, TimelineEntry(now, TimelineKind.OVERDUE, detail), *flags)


def _flagged(incident: Incident, now: datetime) -> list[TimelineEntry]:
    """Flag an incident another source reported and the unit did not (漏报, or 瞒报 candidate if reached)."""
    flag = concealment_of(incident)
    if flag is None or incident.concealment is not None:
        return []
    incident.concealment = flag
    reached = "; the unit acknowledged the alert and still filed nothing" if flag is Concealment.CONCEALED else ""
    detail = (
        f"{flag.label} ({flag.value}): reported by another source ({incident.reporter}), no 首报 from the unit{reached}"
    )
    return [TimelineEntry(now, TimelineKind.CONCEALMENT, detail, data={"concealment": flag.value})]
