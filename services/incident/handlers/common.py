"""What every handler shares: the policies it applies and the one way to write an incident's changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from services.incident.domain import DedupPolicy, Incident, ReportPolicy, SignOffPolicy, TimelineEntry
from services.incident.ports import Ports

__all__ = ["Rules", "UnknownIncident", "load", "write"]


@dataclass(frozen=True)
class Rules:
    report: ReportPolicy = field(default_factory=ReportPolicy)
    dedup: DedupPolicy = field(default_factory=DedupPolicy)
    sign_off: SignOffPolicy = field(default_factory=SignOffPolicy)


class UnknownIncident(LookupError):
    """No incident has this id."""


async def load(ports: Ports, incident_id: str) -> Incident:
    incident = await ports.incidents.get(incident_id)
    if incident is None:
        raise UnknownIncident(f"no incident {incident_id!r}")
    return incident


async def write(ports: Ports, incident: Incident, now: datetime, *entries: TimelineEntry) -> None:
    """Append the entries, then the status change they caused (if any), and store the incident."""
    change = incident.refresh(now)
    await ports.incidents.append(incident.id, *entries, *([change] if change is not None else []))
    await ports.incidents.save(incident)
