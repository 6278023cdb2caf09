"""Intake, whichever way a report came (HTTP, Kafka, SMS): one validation, dedup, assignment, the clock."""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from datetime import datetime
from uuid import uuid4

from schemas.incident import IncidentReported, ReportIncident
from schemas.values import Origin
from services.directory.lookup import duty_room_for
from services.incident.domain import (
    Assignment,
    Incident,
    IntakeRefused,
    Source,
    TimelineEntry,
    TimelineKind,
    Unit,
    assign,
    check_occurred_at,
    check_text,
)
from services.incident.domain.concealment import origin_over_http
from services.incident.handlers.common import Rules
from services.incident.ports import Ports

__all__ = ["Taken", "on_report_incident", "on_report_over_http", "open_incident"]


@dataclass(frozen=True)
class Taken:
    """The incident a report went to; `joined` when it was a repeat of one already open."""

    incident: Incident
    joined: bool


async def on_report_incident(
    command: ReportIncident, source: Source, origin: Origin, ports: Ports, rules: Rules, now: datetime
) -> Taken:
    """Refuse (IntakeRefused) a bad time or an unknown unit; join an open duplicate; otherwise open a new incident."""
    unit = await _reporting_unit(command, ports, now)
    return await _take(command, unit, source, origin, ports, rules, now)


async def on_report_over_http(
    command: ReportIncident, token_units: Set[str] | None, ports: Ports, rules: Rules, now: datetime
) -> Taken:
    """`on_report_incident` for a report over HTTP: who reports is the unit when the token is its own, another
    source otherwise (`origin_over_http`)."""
    unit = await _reporting_unit(command, ports, now)
    origin = origin_over_http(command.origin, unit.parent_id, token_units)
    return await _take(command, unit, Source.HTTP, origin, ports, rules, now)


async def _reporting_unit(command: ReportIncident, ports: Ports, now: datetime) -> Unit:
    """The unit reporting, locked until the transaction ends; IntakeRefused for a bad time or an unknown unit."""
    check_occurred_at(command.occurred_at, now)
    check_text({"location": command.location, "summary": command.summary, "reporter": command.reporter})
    unit = await ports.directory.lock_unit(command.unit_id)
    if unit is None:
        raise IntakeRefused("unit_id", f"unknown unit {command.unit_id!r}: it is not in the unit directory")
    return unit


async def _take(
    command: ReportIncident, unit: Unit, source: Source, origin: Origin, ports: Ports, rules: Rules, now: datetime
) -> Taken:
    open_incidents = await ports.incidents.open_of(
        unit.id, command.type, command.external_id, rules.dedup.near(command.occurred_at)
    )
    existing = rules.dedup.match(open_incidents, command.occurred_at, command.location, command.external_id)
    if existing is not None:
        await ports.incidents.append(existing.id, _joined(command, source, origin, now))
        return Taken(existing, joined=True)
    return Taken(await open_incident(command, unit, source, origin, ports, rules, now), joined=False)


def _joined(command: ReportIncident, source: Source, origin: Origin, now: datetime) -> TimelineEntry:
    return TimelineEntry(
        now,
        TimelineKind.JOINED,
        f"repeated report ({origin.label}) joined this incident: {command.location}: {command.summary}",
        actor=command.reporter,
        channel=source.value,
        data={"external_id": command.external_id, "severity": command.severity.value, "origin": origin.value},
    )


async def open_incident(
    command: ReportIncident, unit: Unit, source: Source, origin: Origin, ports: Ports, rules: Rules, now: datetime
) -> Incident:
    """A new incident, assigned, with its deadlines, announced with its assignment: no deduplication."""
    shift = await ports.directory.current_shift(unit.id, now)
    assignment = assign(shift, None if shift is not None else await duty_room_for(ports.directory, unit))
    due_at = rules.report.first_report_due(command.severity, command.occurred_at)
    incident = _new_incident(command, source, origin, assignment, due_at, now)
    await ports.incidents.add(incident)
    await ports.deadlines.add(rules.report.deadlines(incident.id, incident.first_report_due_at))
    await ports.incidents.append(incident.id, *_intake_entries(incident, assignment, now))
    # The assignment travels in IncidentReported; IncidentAssigned tells of changes to it (handover, a gap filled).
    await ports.outgoing.publish(_reported(incident), incident.id)
    return incident


def _new_incident(
    command: ReportIncident, source: Source, origin: Origin, assignment: Assignment, due_at: datetime, now: datetime
) -> Incident:
    return Incident(
        id=f"inc-{now:%Y%m%d}-{uuid4().hex[:8]}",
        unit_id=command.unit_id,
        type=command.type,
        severity=command.severity,
        occurred_at=command.occurred_at,
        reported_at=now,
        location=command.location,
        summary=command.summary,
        reporter=command.reporter,
        source=source,
        first_report_due_at=due_at,
        origin=origin,
        officer=assignment.officer,
        leader=assignment.leader,
        duty_room=assignment.duty_room,
        casualties=command.casualties,
        external_id=command.external_id,
    )


def _intake_entries(incident: Incident, assignment: Assignment, now: datetime) -> list[TimelineEntry]:
    reported = TimelineEntry(
        now,
        TimelineKind.REPORTED,
        f"{incident.type.label}（{incident.severity.label} {incident.severity.value}级）{incident.location}："
        f"{incident.summary}; reported by {incident.origin.label}; "
        f"first report due {incident.first_report_due_at.isoformat()}",
        actor=incident.reporter,
        channel=incident.source.value,
        data={"external_id": incident.external_id, "casualties": incident.casualties, "origin": incident.origin.value},
    )
    return [reported, _assignment_entry(incident.unit_id, assignment, now)]


def _assignment_entry(unit_id: str, assignment: Assignment, now: datetime) -> TimelineEntry:
    officer, leader = assignment.officer, assignment.leader
    if officer is None or leader is None:
        room = assignment.duty_room.name if assignment.duty_room else "nobody (no duty room known)"
        return TimelineEntry(now, TimelineKind.GAP, f"no shift on duty for {unit_id}; assigned to {room}")
    return TimelineEntry(
        now,
        TimelineKind.ASSIGNED,
        f"officer {officer.name}, leader {leader.name}",
        data={"officer": officer.id, "leader": leader.id},
    )


def _reported(incident: Incident) -> IncidentReported:
    return IncidentReported(
        unit_id=incident.unit_id,
        incident_id=incident.id,
        type=incident.type,
        severity=incident.severity,
        occurred_at=incident.occurred_at,
        reported_at=incident.reported_at,
        location=incident.location,
        summary=incident.summary,
        reporter=incident.reporter,
        casualties=incident.casualties,
        officer=incident.officer,
        leader=incident.leader,
        duty_room=incident.duty_room,
        first_report_due_at=incident.first_report_due_at,
    )
