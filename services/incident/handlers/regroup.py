"""An officer's corrections to deduplication: merge a duplicate into an incident, split one wrongly joined."""

from __future__ import annotations

from datetime import datetime

from schemas.incident import IncidentClosed, ReportIncident
from services.incident.domain import Firing, Incident, ReportRefused, Source, TimelineEntry, TimelineKind, check_text
from services.incident.handlers.common import Rules, load, load_all_for_change, write
from services.incident.handlers.intake import open_incident
from services.incident.ports import Ports

__all__ = ["on_merge_incidents", "on_split_incident"]


async def on_merge_incidents(survivor_id: str, duplicate_id: str, by: str, ports: Ports, now: datetime) -> Incident:
    """The duplicate closes into the survivor: its clock and alerts stop; both timelines say so."""
    check_text({"by": by})
    locked = await load_all_for_change(ports, (survivor_id, duplicate_id))
    survivor, duplicate = locked[survivor_id], locked[duplicate_id]
    _check_merge(survivor, duplicate)
    duplicate.closed_at, duplicate.merged_into = now, survivor.id
    await ports.deadlines.settle_open(duplicate.id, now, Firing.SUPERSEDED)
    closed = IncidentClosed(
        unit_id=duplicate.unit_id, incident_id=duplicate.id, closed_at=now, closed_by=by, late=duplicate.late
    )
    await ports.outgoing.publish(closed, duplicate.id)
    into = TimelineEntry(now, TimelineKind.MERGED, f"merged into {survivor.id} by {by}", by, data={"into": survivor.id})
    await write(ports, duplicate, now, into)
    detail = f"{duplicate.id} ({duplicate.location}: {duplicate.summary}) merged into this incident by {by}"
    await ports.incidents.append(
        survivor.id, TimelineEntry(now, TimelineKind.MERGED, detail, by, data={"merged": duplicate.id})
    )
    return survivor


def _check_merge(survivor: Incident, duplicate: Incident) -> None:
    if survivor.id == duplicate.id:
        raise ReportRefused("an incident cannot be merged into itself")
    if survivor.unit_id != duplicate.unit_id:
        raise ReportRefused("only incidents of one unit can be merged")
    for each in (survivor, duplicate):
        if not each.is_open:
            raise ReportRefused(f"incident {each.id} is closed")


async def on_split_incident(
    incident_id: str, location: str, summary: str, by: str, ports: Ports, rules: Rules, now: datetime
) -> Incident:
    """What was wrongly joined becomes an incident of its own at `location`, with the original's event time
    (its clock does not start again), its own alerts and deadlines; both timelines say so."""
    original = await load(ports, incident_id)
    if not original.is_open:
        raise ReportRefused(f"incident {original.id} is closed")
    command = ReportIncident(
        unit_id=original.unit_id,
        type=original.type,
        severity=original.severity,
        occurred_at=original.occurred_at,
        location=location,
        summary=summary,
        reporter=by,
    )
    unit = await ports.directory.unit(original.unit_id)
    if unit is None:
        raise ReportRefused(f"unit {original.unit_id} is no longer in the unit directory")
    split = await open_incident(command, unit, Source.HTTP, original.origin, ports, rules, now)
    await ports.incidents.append(
        split.id,
        TimelineEntry(now, TimelineKind.SPLIT, f"split from {original.id} by {by}", by, data={"from": original.id}),
    )
    detail = f"{split.id} ({location}) split from this incident by {by}"
    await ports.incidents.append(
        original.id, TimelineEntry(now, TimelineKind.SPLIT, detail, by, data={"split": split.id})
    )
    return split
