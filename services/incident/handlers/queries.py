"""Reading: one incident with everything on record, a filtered list, and the accountability figures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from services.incident.domain import (
    AccountBy,
    Deadline,
    Delivery,
    Handover,
    Incident,
    IncidentStatus,
    Report,
    TimelineEntry,
    UnitAccount,
    account,
)
from services.incident.handlers.common import UnknownIncident, load
from services.incident.ports import Ports

__all__ = [
    "IncidentRecord",
    "accountability",
    "filed_report",
    "handovers",
    "incident_record",
    "incident_unit",
    "list_incidents",
]


@dataclass(frozen=True)
class IncidentRecord:
    incident: Incident
    timeline: list[TimelineEntry]
    reports: list[tuple[Report, list[Delivery]]]
    deadlines: list[tuple[Deadline, datetime | None, str | None]]


async def incident_record(ports: Ports, incident_id: str) -> IncidentRecord:
    incident = await load(ports, incident_id)
    return IncidentRecord(
        incident=incident,
        timeline=await ports.incidents.timeline(incident_id),
        reports=await ports.reports.of_incident(incident_id),
        deadlines=await ports.deadlines.of_incident(incident_id),
    )


async def list_incidents(
    ports: Ports, *, status: IncidentStatus | None, units: Sequence[str] | None, since: datetime | None, limit: int
) -> list[Incident]:
    return await ports.search.find(status=status, units=units, since=since, limit=limit)


async def accountability(
    ports: Ports,
    start: datetime,
    end: datetime,
    units: Sequence[str] | None,
    now: datetime,
    by: AccountBy = AccountBy.UNIT,
) -> list[UnitAccount]:
    """The figures for incidents that occurred, and check-ins missed, in [start, end)."""
    incidents = await ports.search.occurred_between(start, end, units)
    return account(incidents, now, await ports.checkins.missed_between(start, end, units), by)


async def incident_unit(ports: Ports, incident_id: str) -> str:
    """The unit an incident belongs to (for access checks); UnknownIncident when there is none."""
    return (await load(ports, incident_id)).unit_id


async def filed_report(ports: Ports, incident_id: str, report_id: int) -> Report:
    """One report of the incident; UnknownIncident when the incident has no report with this id."""
    for report, _deliveries in await ports.reports.of_incident(incident_id):
        if report.id == report_id:
            return report
    raise UnknownIncident(f"incident {incident_id!r} has no report {report_id}")


async def handovers(ports: Ports, units: Sequence[str] | None, since: datetime | None, limit: int) -> list[Handover]:
    return await ports.handovers.listed(units, since, limit)
