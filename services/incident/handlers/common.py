"""What every handler shares: the policies it applies and the one way to write an incident's changes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from schemas.incident import IncidentAcknowledged
from schemas.values import Channel, Person
from services.incident.domain import DedupPolicy, Incident, ReportPolicy, SignOffPolicy, TimelineEntry
from services.incident.ports import Ports

__all__ = [
    "Rules",
    "UnknownIncident",
    "acknowledge",
    "load",
    "load_all_for_change",
    "load_for_change",
    "person_with_phone",
    "write",
]


@dataclass(frozen=True)
class Rules:
    report: ReportPolicy = field(default_factory=ReportPolicy)
    dedup: DedupPolicy = field(default_factory=DedupPolicy)
    sign_off: SignOffPolicy = field(default_factory=SignOffPolicy)


class UnknownIncident(LookupError):
    """No incident has this id."""


async def load(ports: Ports, incident_id: str) -> Incident:
    """The incident, to read: a handler that will `write` it uses `load_for_change`."""
    return _known(incident_id, await ports.incidents.get(incident_id))


async def load_for_change(ports: Ports, incident_id: str) -> Incident:
    """The incident, locked until the transaction ends: what this handler writes cannot undo another's change."""
    return _known(incident_id, await ports.incidents.lock(incident_id))


async def load_all_for_change(ports: Ports, incident_ids: Iterable[str]) -> dict[str, Incident]:
    """The incidents by id, each locked as by `load_for_change`, in id order: two transactions that take several
    incidents lock them in one order, so they wait for each other rather than deadlock."""
    return {each: await load_for_change(ports, each) for each in sorted(set(incident_ids))}


def _known(incident_id: str, incident: Incident | None) -> Incident:
    if incident is None:
        raise UnknownIncident(f"no incident {incident_id!r}")
    return incident


async def write(ports: Ports, incident: Incident, now: datetime, *entries: TimelineEntry) -> None:
    """Append the entries, then the status change they caused (if any), and store the incident."""
    change = incident.refresh(now)
    await ports.incidents.append(incident.id, *entries, *([change] if change is not None else []))
    await ports.incidents.save(incident)


async def person_with_phone(ports: Ports, phone: str) -> Person | None:
    """The officer or leader with this number on the latest shift naming it."""
    shift = await ports.directory.latest_shift_naming(phone)
    return None if shift is None else shift.person_with_phone(phone)


async def acknowledge(ports: Ports, incident: Incident, phone: str, channel: Channel, at: datetime) -> Person | None:
    """The incident is taken on by whoever has `phone` (once): IncidentAcknowledged; who it was, if known."""
    person = await person_with_phone(ports, phone)
    incident.acknowledged_at = at
    acknowledged = IncidentAcknowledged(
        unit_id=incident.unit_id, incident_id=incident.id, by=person, phone=phone, channel=channel, acknowledged_at=at
    )
    await ports.outgoing.publish(acknowledged, incident.id)
    return person
