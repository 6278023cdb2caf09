"""Incidents and their append-only timeline, in the service's own database."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Table, Update, bindparam, or_, select, update

from schemas.values import IncidentType, Origin, ReportKind, Severity
from services.directory.adapters import person_json, person_of
from services.incident.adapters.tables import Tables
from services.incident.domain import Concealment, Incident, IncidentStatus, Source, TimelineEntry, TimelineKind
from services.runtime.store import Session, first_row, insert_into, row_by_key

__all__ = ["SqlIncidents", "SqlSearch"]

_FACTS = (
    "officer",
    "leader",
    "duty_room",
    "late",
    "escalation_step",
    "acknowledged_at",
    "first_reported_at",
    "last_report_kind",
    "closed_at",
    "status",
    "merged_into",
    "concealment",
)


def _columns_of(incident: Incident) -> dict[str, Any]:
    values = dict(vars(incident))
    for person in ("officer", "leader", "duty_room"):
        values[person] = person_json(values[person])
    return values


def _facts_of(columns: dict[str, Any]) -> dict[str, Any]:
    return {name: columns[name] for name in _FACTS}


def _incident_of(row: Any) -> Incident:
    return Incident(
        id=row.id,
        unit_id=row.unit_id,
        type=IncidentType(row.type),
        severity=Severity(row.severity),
        occurred_at=row.occurred_at,
        reported_at=row.reported_at,
        location=row.location,
        summary=row.summary,
        reporter=row.reporter,
        source=Source(row.source),
        first_report_due_at=row.first_report_due_at,
        origin=Origin(row.origin),
        officer=person_of(row.officer),
        leader=person_of(row.leader),
        duty_room=person_of(row.duty_room),
        casualties=row.casualties,
        external_id=row.external_id,
        late=row.late,
        escalation_step=row.escalation_step,
        acknowledged_at=row.acknowledged_at,
        first_reported_at=row.first_reported_at,
        last_report_kind=None if row.last_report_kind is None else ReportKind(row.last_report_kind),
        closed_at=row.closed_at,
        status=IncidentStatus(row.status),
        merged_into=row.merged_into,
        concealment=None if row.concealment is None else Concealment(row.concealment),
    )


class SqlIncidents:
    """Implements `ports.Incidents`: there is deliberately no way here to change or remove a timeline row.

    Two replicas may handle events of one incident at once (an acknowledgement on one, a report or a deadline on
    the other). `save` writes back every fact as its transaction read them, so a change must start from a row no
    other transaction can change before this one commits: `lock` reads it with `SELECT ... FOR UPDATE` on
    PostgreSQL (SQLite has one writer at a time and renders it as the plain read). A lock rather than a version
    column: the second handler waits a few milliseconds and works on the first's result, where optimistic
    concurrency would undo its whole transaction (outbox, timeline, deadlines) and send the message round the
    retries again, or fail an HTTP request; a lock nobody else wants costs nothing more than the read. Locking
    two incidents in opposite orders can deadlock: PostgreSQL undoes one transaction, whose error the consumer
    retries (only a PermanentError is not) and a sweep runs again at its next interval.
    """

    def __init__(self, session: Session, tables: Tables) -> None:
        self._session = session
        self._incidents = tables.incidents
        self._timeline = tables.timeline
        self._stored: dict[str, dict[str, Any]] = {}  # the facts of each incident as this transaction last saw them

    async def add(self, incident: Incident) -> None:
        columns = _columns_of(incident)
        await self._session.insert(insert_into(self._incidents), columns)
        self._stored[incident.id] = _facts_of(columns)

    async def get(self, incident_id: str) -> Incident | None:
        return await self._read(row_by_key(self._incidents, "id"), incident_id)

    async def lock(self, incident_id: str, *, skip_locked: bool = False) -> Incident | None:
        incidents = self._incidents
        query = _lock_unless_held(incidents) if skip_locked else row_by_key(incidents, "id", for_update=True)
        return await self._read(query, incident_id)

    async def _read(self, query: Select[Any], incident_id: str) -> Incident | None:
        row = await first_row(self._session, query, {"key": incident_id})
        if row is None:
            return None
        incident = _incident_of(row)
        self._stored[incident_id] = _facts_of(_columns_of(incident))
        return incident

    async def save(self, incident: Incident) -> None:
        """Store what changed; an incident whose facts are as they were read costs no statement."""
        facts = _facts_of(_columns_of(incident))
        if self._stored.get(incident.id) == facts:
            return
        await self._session.execute(_update_incident(self._incidents), {"incident_id": incident.id, **facts})
        self._stored[incident.id] = facts

    async def open_of(
        self, unit_id: str, incident_type: IncidentType, external_id: str | None, occurred: tuple[datetime, datetime]
    ) -> list[Incident]:
        query = _open_of(self._incidents, by_external_id=external_id is not None)
        start, end = occurred
        parameters = {"unit_id": unit_id, "type": incident_type.value, "start": start, "end": end}
        rows = await self._session.fetch(query, parameters | {"external_id": external_id})
        return [_incident_of(row) for row in rows]

    async def append(self, incident_id: str, *entries: TimelineEntry) -> None:
        rows = [
            {
                "incident_id": incident_id,
                "at": entry.at,
                "kind": entry.kind.value,
                "detail": entry.detail,
                "actor": entry.actor,
                "channel": entry.channel,
                "data": entry.data,
            }
            for entry in entries
        ]
        await self._session.insert(insert_into(self._timeline), rows)

    async def timeline(self, incident_id: str) -> list[TimelineEntry]:
        columns = self._timeline.c
        query = select(self._timeline).where(columns.incident_id == incident_id).order_by(columns.id)
        return [
            TimelineEntry(row.at, TimelineKind(row.kind), row.detail, row.actor, row.channel, dict(row.data))
            for row in await self._session.execute(query)
        ]


# Statements on the hot paths, built once: building one costs several times running it.
@functools.cache
def _update_incident(incidents: Table) -> Update:
    return update(incidents).where(incidents.c.id == bindparam("incident_id"))


@functools.cache
def _lock_unless_held(incidents: Table) -> Select[Any]:
    """The incident by id, locked, or no row at once while another transaction holds its lock."""
    return row_by_key(incidents, "id").with_for_update(skip_locked=True)


@functools.cache
def _open_of(incidents: Table, *, by_external_id: bool) -> Select[Any]:
    columns = incidents.c
    near = columns.occurred_at.between(bindparam("start"), bindparam("end"))
    return select(incidents).where(
        columns.unit_id == bindparam("unit_id"),
        columns.type == bindparam("type"),
        columns.status != IncidentStatus.CLOSED,
        or_(near, columns.external_id == bindparam("external_id")) if by_external_id else near,
    )


class SqlSearch:
    """Implements `ports.Search`."""

    def __init__(self, session: Session, tables: Tables) -> None:
        self._session = session
        self._incidents = tables.incidents

    async def find(
        self, *, status: IncidentStatus | None, units: Sequence[str] | None, since: datetime | None, limit: int
    ) -> list[Incident]:
        columns = self._incidents.c
        query = select(self._incidents).order_by(columns.reported_at.desc(), columns.id).limit(limit)
        if status is not None:
            query = query.where(columns.status == status.value)
        if units is not None:
            query = query.where(columns.unit_id.in_(list(units)))
        if since is not None:
            query = query.where(columns.reported_at >= since)
        return [_incident_of(row) for row in await self._session.execute(query)]

    async def occurred_between(self, start: datetime, end: datetime, units: Sequence[str] | None) -> list[Incident]:
        columns = self._incidents.c
        query = select(self._incidents).where(columns.occurred_at >= start, columns.occurred_at < end)
        if units is not None:
            query = query.where(columns.unit_id.in_(list(units)))
        return [_incident_of(row) for row in await self._session.execute(query.order_by(columns.occurred_at))]
