"""The incident service's ports. Each is bound to one transaction: what a handler does through them
commits together or not at all.

Errors: a port raises RetryableError when trying again later can help (the database is busy or gone);
anything else is a bug or a broken invariant and is permanent. No port raises UnsupportedError.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from schemas.envelope import Message
from schemas.values import Channel, IncidentType, Recipient, ReportKind
from services.directory.ports import Directory
from services.incident.domain import (
    Deadline,
    Delivery,
    Draft,
    Firing,
    Handover,
    Incident,
    IncidentStatus,
    MissedCheckIn,
    Report,
    Signature,
    SignRole,
    TimelineEntry,
)

__all__ = [
    "CheckIns",
    "Deadlines",
    "Drafts",
    "Handovers",
    "Incidents",
    "Outgoing",
    "Ports",
    "Reports",
    "Search",
]


class Incidents(Protocol):
    """Incidents and their timeline. The timeline has no update or delete: `append` is the only write."""

    async def add(self, incident: Incident) -> None: ...

    async def get(self, incident_id: str) -> Incident | None:
        """The incident as it is now, for reading only."""

    async def lock(self, incident_id: str, *, skip_locked: bool = False) -> Incident | None:
        """The incident, for a change: no other transaction changes it until this one ends (see SqlIncidents).
        `skip_locked`: None at once, rather than a wait, while another transaction holds it."""

    async def save(self, incident: Incident) -> None:
        """Store the incident's changed facts and status (its intake fields never change)."""

    async def open_of(
        self, unit_id: str, incident_type: IncidentType, external_id: str | None, occurred: tuple[datetime, datetime]
    ) -> list[Incident]:
        """The unit's incidents of this type that are not closed, with this external id or occurred in `occurred`."""

    async def append(self, incident_id: str, *entries: TimelineEntry) -> None: ...

    async def timeline(self, incident_id: str) -> list[TimelineEntry]:
        """Oldest first."""


class Deadlines(Protocol):
    """Timer rows; a row is settled once (fired or made moot) and never again."""

    async def add(self, deadlines: Sequence[Deadline]) -> None: ...

    async def claim_due(self, now: datetime, limit: int) -> list[Deadline]:
        """Unsettled rows due at `now`, oldest first, locked for this transaction (SKIP LOCKED on PostgreSQL)."""

    async def settle(self, deadline_id: int, now: datetime, outcome: Firing) -> None: ...

    async def settle_open(
        self, incident_id: str, now: datetime, outcome: Firing, kinds: Sequence[ReportKind] | None = None
    ) -> None:
        """Settle every unsettled row of the incident (it closed), or those of these report kinds (filed)."""

    async def of_incident(self, incident_id: str) -> list[tuple[Deadline, datetime | None, str | None]]:
        """Every row with when and how it was settled."""


class Reports(Protocol):
    """Filed reports and, per recipient, their delivery and acknowledgement."""

    async def add(self, report: Report, recipients: Sequence[Recipient]) -> Report:
        """Store the report and one pending delivery per recipient; return it with its id."""

    async def of_incident(self, incident_id: str) -> list[tuple[Report, list[Delivery]]]: ...

    async def record_delivery(
        self, incident_id: str, kind: ReportKind, phone: str, at: datetime, channel: Channel
    ) -> Delivery | None:
        """Mark the latest undelivered delivery of that report kind to `phone`; None when there is none."""

    async def record_acknowledgement(
        self, incident_id: str, kind: ReportKind, phone: str, at: datetime, channel: Channel
    ) -> Delivery | None:
        """Mark the latest unacknowledged delivery of that report kind to `phone`; an ack proves delivery too,
        so one not yet delivered is marked delivered at `at` through `channel`."""


class Search(Protocol):
    """Reading incidents in bulk, for the list and the accountability report."""

    async def find(
        self, *, status: IncidentStatus | None, units: Sequence[str] | None, since: datetime | None, limit: int
    ) -> list[Incident]:
        """Newest first; `units` None means every unit."""

    async def occurred_between(self, start: datetime, end: datetime, units: Sequence[str] | None) -> list[Incident]: ...


class CheckIns(Protocol):
    """Missed check-ins of the units' officers and leaders (from duty.check_in_missed), for accountability."""

    async def add_missed(self, missed: MissedCheckIn) -> None:
        """Record it; one already recorded for the shift and role is left as it is."""

    async def missed_between(self, start: datetime, end: datetime, units: Sequence[str] | None) -> list[MissedCheckIn]:
        """Those due in [start, end); `units` None means every unit."""


class Drafts(Protocol):
    """首报 drafts waiting for the leader's 签发."""

    async def add(self, draft: Draft) -> None: ...

    async def pending_of(self, incident_id: str) -> Draft | None:
        """The incident's draft still waiting, if any."""

    async def pending_by_code(self, unit_id: str, code: str) -> Draft | None:
        """The unit's waiting draft with this sign-off code, if any."""

    async def settle(self, draft_id: str, state: str) -> None:
        """signed or unsigned: it waits no more."""


class Handovers(Protocol):
    """The handover records (交接班): kept for good, each of the two officers signing once."""

    async def add(self, handover: Handover) -> bool:
        """Record it; False (and nothing stored) when its shift has a handover already."""

    async def latest_open_to(self, phone: str) -> Handover | None:
        """The newest unacknowledged handover to the officer with this number."""

    async def get(self, handover_id: str) -> Handover | None: ...

    async def sign(self, handover_id: str, role: SignRole, signature: Signature) -> bool:
        """Keep the signature; False (and nothing changed) when that role has signed already."""

    async def listed(self, units: Sequence[str] | None, since: datetime | None, limit: int) -> list[Handover]:
        """Newest first."""


class Outgoing(Protocol):
    """Messages leaving the service, through the outbox of the same transaction."""

    async def publish(self, payload: Message, correlation_id: str | None = None) -> None: ...


@dataclass(frozen=True)
class Ports:
    """Everything a handler may touch, bound to one transaction."""

    directory: Directory
    incidents: Incidents
    deadlines: Deadlines
    reports: Reports
    search: Search
    outgoing: Outgoing
    checkins: CheckIns
    handovers: Handovers
    drafts: Drafts
