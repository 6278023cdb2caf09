"""In-memory incidents with their timeline, and the search over them."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime

from schemas.values import IncidentType
from services.incident.domain import Incident, IncidentStatus, TimelineEntry

__all__ = ["MemoryIncidents", "MemorySearch"]


class MemoryIncidents:
    def __init__(self) -> None:
        self.incidents: dict[str, Incident] = {}
        self.entries: dict[str, list[TimelineEntry]] = {}
        self.held: set[str] = set()  # incidents another transaction has locked, for `lock(skip_locked=True)`

    async def add(self, incident: Incident) -> None:
        self.incidents[incident.id] = dataclasses.replace(incident)

    async def get(self, incident_id: str) -> Incident | None:
        found = self.incidents.get(incident_id)
        return None if found is None else dataclasses.replace(found)

    async def lock(self, incident_id: str, *, skip_locked: bool = False) -> Incident | None:
        if skip_locked and incident_id in self.held:
            return None
        return await self.get(incident_id)

    async def save(self, incident: Incident) -> None:
        self.incidents[incident.id] = dataclasses.replace(incident)

    async def open_of(
        self, unit_id: str, incident_type: IncidentType, external_id: str | None, occurred: tuple[datetime, datetime]
    ) -> list[Incident]:
        return [
            dataclasses.replace(each)
            for each in self.incidents.values()
            if each.unit_id == unit_id
            and each.type is incident_type
            and each.is_open
            and (
                (external_id is not None and each.external_id == external_id)
                or occurred[0] <= each.occurred_at <= occurred[1]
            )
        ]

    async def append(self, incident_id: str, *entries: TimelineEntry) -> None:
        self.entries.setdefault(incident_id, []).extend(entries)

    async def timeline(self, incident_id: str) -> list[TimelineEntry]:
        return list(self.entries.get(incident_id, []))


class MemorySearch:
    def __init__(self, incidents: MemoryIncidents) -> None:
        self._incidents = incidents

    async def find(
        self, *, status: IncidentStatus | None, units: Sequence[str] | None, since: datetime | None, limit: int
    ) -> list[Incident]:
        found = [
            each
            for each in self._incidents.incidents.values()
            if (status is None or each.status is status)
            and (units is None or each.unit_id in units)
            and (since is None or each.reported_at >= since)
        ]
        return sorted(found, key=lambda each: each.reported_at, reverse=True)[:limit]

    async def occurred_between(self, start: datetime, end: datetime, units: Sequence[str] | None) -> list[Incident]:
        return [
            each
            for each in self._incidents.incidents.values()
            if start <= each.occurred_at < end and (units is None or each.unit_id in units)
        ]
