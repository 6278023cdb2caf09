"""In-memory fakes of the incident service's ports, and a clock tests can move. Tests use these, not mocks."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from schemas.envelope import Message
from schemas.values import Channel, IncidentType, Person, Recipient, ReportKind
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
    Shift,
    Signature,
    SignRole,
    TimelineEntry,
    Unit,
)
from services.incident.ports import Ports

M = TypeVar("M", bound=Message)

__all__ = [
    "ManualClock",
    "MemoryCheckIns",
    "MemoryDeadlines",
    "MemoryDirectory",
    "MemoryDrafts",
    "MemoryHandovers",
    "MemoryIncidents",
    "MemoryOutgoing",
    "MemoryReports",
    "MemorySearch",
    "memory_ports",
]


class ManualClock:
    """A clock that stands still until told to move."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2026, 12, 1, 2, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


class MemoryDirectory:
    def __init__(self) -> None:
        self.units: dict[str, Unit] = {}
        self.shifts: dict[str, Shift] = {}
        self.ended: dict[str, datetime] = {}

    async def save_unit(self, unit: Unit) -> None:
        self.units[unit.id] = unit

    async def unit(self, unit_id: str) -> Unit | None:
        return self.units.get(unit_id)

    async def lock_unit(self, unit_id: str) -> Unit | None:
        return self.units.get(unit_id)

    async def save_shift(self, shift: Shift) -> None:
        self.shifts[shift.id] = shift
        self.ended.pop(shift.id, None)

    async def end_shift(self, shift_id: str, ended_at: datetime) -> None:
        if shift_id in self.shifts:
            self.ended[shift_id] = ended_at

    async def current_shift(self, unit_id: str, now: datetime) -> Shift | None:
        covering = [
            shift
            for shift in self.shifts.values()
            if shift.unit_id == unit_id and shift.covers(now) and shift.id not in self.ended
        ]
        return max(covering, key=lambda shift: shift.starts_at, default=None)

    async def person_by_phone(self, phone: str) -> Person | None:
        for shift in sorted(self.shifts.values(), key=lambda shift: shift.starts_at, reverse=True):
            for person in (shift.officer, shift.leader):
                if person.phone == phone:
                    return person
        return None


class MemoryIncidents:
    def __init__(self) -> None:
        self.incidents: dict[str, Incident] = {}
        self.entries: dict[str, list[TimelineEntry]] = {}

    async def add(self, incident: Incident) -> None:
        self.incidents[incident.id] = dataclasses.replace(incident)

    async def get(self, incident_id: str) -> Incident | None:
        found = self.incidents.get(incident_id)
        return None if found is None else dataclasses.replace(found)

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


@dataclass
class _Row:
    deadline: Deadline
    settled_at: datetime | None = None
    outcome: str | None = None


class MemoryDeadlines:
    def __init__(self) -> None:
        self.rows: list[_Row] = []

    async def add(self, deadlines: Sequence[Deadline]) -> None:
        for deadline in deadlines:
            self.rows.append(_Row(dataclasses.replace(deadline, id=len(self.rows) + 1)))

    async def claim_due(self, now: datetime, limit: int) -> list[Deadline]:
        due = [row.deadline for row in self.rows if row.settled_at is None and row.deadline.due_at <= now]
        return sorted(due, key=lambda deadline: (deadline.due_at, deadline.id or 0))[:limit]

    async def settle(self, deadline_id: int, now: datetime, outcome: Firing) -> None:
        for row in self.rows:
            if row.deadline.id == deadline_id and row.settled_at is None:
                row.settled_at, row.outcome = now, outcome.value

    async def settle_open(
        self, incident_id: str, now: datetime, outcome: Firing, kinds: Sequence[ReportKind] | None = None
    ) -> None:
        for row in self.rows:
            mine = row.deadline.incident_id == incident_id and row.settled_at is None
            if mine and (kinds is None or row.deadline.report_kind in kinds):
                row.settled_at, row.outcome = now, outcome.value

    async def of_incident(self, incident_id: str) -> list[tuple[Deadline, datetime | None, str | None]]:
        return [
            (row.deadline, row.settled_at, row.outcome) for row in self.rows if row.deadline.incident_id == incident_id
        ]


class MemoryReports:
    def __init__(self) -> None:
        self.reports: list[Report] = []
        self.deliveries: list[Delivery] = []

    async def add(self, report: Report, recipients: Sequence[Recipient]) -> Report:
        stored = dataclasses.replace(report, id=len(self.reports) + 1)
        self.reports.append(stored)
        self.deliveries.extend(Delivery(stored.id or 0, recipient) for recipient in recipients)
        return stored

    async def of_incident(self, incident_id: str) -> list[tuple[Report, list[Delivery]]]:
        return [
            (report, [each for each in self.deliveries if each.report_id == report.id])
            for report in self.reports
            if report.incident_id == incident_id
        ]

    async def record_delivery(
        self, incident_id: str, kind: ReportKind, phone: str, at: datetime, channel: Channel
    ) -> Delivery | None:
        index = self._latest(incident_id, kind, phone, lambda delivery: delivery.delivered_at is None)
        if index is None:
            return None
        self.deliveries[index] = dataclasses.replace(self.deliveries[index], delivered_at=at, channel=channel)
        return self.deliveries[index]

    async def record_acknowledgement(
        self, incident_id: str, kind: ReportKind, phone: str, at: datetime, channel: Channel
    ) -> Delivery | None:
        index = self._latest(incident_id, kind, phone, lambda delivery: delivery.acknowledged_at is None)
        if index is None:
            return None
        delivery = self.deliveries[index]
        self.deliveries[index] = dataclasses.replace(
            delivery, acknowledged_at=at, delivered_at=delivery.delivered_at or at, channel=delivery.channel or channel
        )
        return self.deliveries[index]

    def _latest(
        self, incident_id: str, kind: ReportKind, phone: str, pending: Callable[[Delivery], bool]
    ) -> int | None:
        report_ids = {r.id for r in self.reports if r.incident_id == incident_id and r.kind is kind}
        for index in range(len(self.deliveries) - 1, -1, -1):
            delivery = self.deliveries[index]
            if delivery.report_id in report_ids and delivery.recipient.phone == phone and pending(delivery):
                return index
        return None


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


@dataclass
class MemoryOutgoing:
    """Records what would have gone into the outbox."""

    sent: list[tuple[Message, str | None]] = field(default_factory=list)

    async def publish(self, payload: Message, correlation_id: str | None = None) -> None:
        self.sent.append((payload, correlation_id))

    def of_type(self, cls: type[M]) -> list[M]:
        return [payload for payload, _ in self.sent if isinstance(payload, cls)]


class MemoryCheckIns:
    def __init__(self) -> None:
        self.missed: dict[tuple[str, str], MissedCheckIn] = {}

    async def add_missed(self, missed: MissedCheckIn) -> None:
        self.missed.setdefault((missed.shift_id, missed.role), missed)

    async def missed_between(self, start: datetime, end: datetime, units: Sequence[str] | None) -> list[MissedCheckIn]:
        return sorted(
            (
                each
                for each in self.missed.values()
                if start <= each.due_by < end and (units is None or each.unit_id in units)
            ),
            key=lambda each: each.due_by,
        )


class MemoryHandovers:
    def __init__(self) -> None:
        self.handovers: list[Handover] = []

    async def add(self, handover: Handover) -> bool:
        if any(each.shift_id == handover.shift_id for each in self.handovers):
            return False
        self.handovers.append(handover)
        return True

    async def latest_open_to(self, phone: str) -> Handover | None:
        open_ = [each for each in self.handovers if each.to_officer.phone == phone and each.acknowledged_at is None]
        return max(open_, key=lambda each: each.at, default=None)

    async def get(self, handover_id: str) -> Handover | None:
        return next((each for each in self.handovers if each.id == handover_id), None)

    async def sign(self, handover_id: str, role: SignRole, signature: Signature) -> bool:
        found = await self.get(handover_id)
        if found is None or found.signature(role) is not None:
            return False
        signed = found.signed(role, signature)
        self.handovers = [signed if each.id == handover_id else each for each in self.handovers]
        return True

    async def listed(self, units: Sequence[str] | None, since: datetime | None, limit: int) -> list[Handover]:
        found = [
            each
            for each in self.handovers
            if (units is None or each.unit_id in units) and (since is None or each.at >= since)
        ]
        return sorted(found, key=lambda each: each.at, reverse=True)[:limit]


class MemoryDrafts:
    def __init__(self) -> None:
        self.drafts: dict[str, Draft] = {}

    async def add(self, draft: Draft) -> None:
        self.drafts[draft.id] = draft

    async def pending_of(self, incident_id: str) -> Draft | None:
        return self._newest(lambda each: each.incident_id == incident_id)

    async def pending_by_code(self, unit_id: str, code: str) -> Draft | None:
        return self._newest(lambda each: each.unit_id == unit_id and each.code == code)

    async def settle(self, draft_id: str, state: str) -> None:
        draft = self.drafts[draft_id]
        if draft.state == "pending":
            self.drafts[draft_id] = dataclasses.replace(draft, state=state)

    def _newest(self, matches: Callable[[Draft], bool]) -> Draft | None:
        pending = [each for each in self.drafts.values() if each.state == "pending" and matches(each)]
        return max(pending, key=lambda each: each.drafted_at, default=None)


def memory_ports() -> Ports:
    incidents = MemoryIncidents()
    return Ports(
        directory=MemoryDirectory(),
        incidents=incidents,
        deadlines=MemoryDeadlines(),
        reports=MemoryReports(),
        search=MemorySearch(incidents),
        outgoing=MemoryOutgoing(),
        checkins=MemoryCheckIns(),
        handovers=MemoryHandovers(),
        drafts=MemoryDrafts(),
    )
