"""An incident's facts, the status they add up to, and its append-only timeline entries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from schemas.values import IncidentType, Origin, Person, ReportKind, Severity

__all__ = ["Concealment", "Incident", "IncidentStatus", "Source", "TimelineEntry", "TimelineKind", "status_of"]


class IncidentStatus(StrEnum):
    REPORTED = "reported"
    ESCALATED = "escalated"
    ACKNOWLEDGED = "acknowledged"
    OVERDUE = "overdue"
    FIRST_REPORTED = "first_reported"
    FOLLOW_UP = "follow_up"
    FINAL_REPORTED = "final_reported"
    CLOSED = "closed"


class Source(StrEnum):
    """The channel an incident or a report reached us by (who sent it is its `Origin`)."""

    HTTP = "http"
    KAFKA = "kafka"
    SMS = "sms"


class Concealment(StrEnum):
    """How an incident the unit should have reported came to be known without it (see domain/concealment.py)."""

    MISSED = "missed"  # 漏报: another source reported it and the unit did not by its deadline
    CONCEALED = "concealed"  # 瞒报 candidate: the unit was reached about it and still reported nothing

    @property
    def label(self) -> str:
        return {"missed": "漏报", "concealed": "瞒报嫌疑"}[self.value]


class TimelineKind(StrEnum):
    REPORTED = "reported"
    JOINED = "joined"
    ASSIGNED = "assigned"
    GAP = "gap"
    STATUS = "status"
    ACKNOWLEDGED = "acknowledged"
    ESCALATED = "escalated"
    REPORT_FILED = "report_filed"
    REPORT_UNDELIVERABLE = "report_undeliverable"
    REPORT_DELIVERED = "report_delivered"
    REPORT_ACKNOWLEDGED = "report_acknowledged"
    NOTIFICATION_SENT = "notification_sent"
    NOTIFICATION_DELIVERED = "notification_delivered"
    NOTIFICATION_FAILED = "notification_failed"
    RUN_EXHAUSTED = "run_exhausted"
    RUN_STOPPED = "run_stopped"
    MERGED = "merged"
    SPLIT = "split"
    CONCEALMENT = "concealment"
    HANDED_OVER = "handed_over"
    REPORT_DRAFTED = "report_drafted"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    CLOSED = "closed"


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the record: what happened, when, who did it, through which channel. Never changed."""

    at: datetime
    kind: TimelineKind
    detail: str
    actor: str | None = None
    channel: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Incident:
    """What is known about one incident; `status` is always `status_of(self)` once `refresh()` ran."""

    id: str
    unit_id: str
    type: IncidentType
    severity: Severity
    occurred_at: datetime
    reported_at: datetime
    location: str
    summary: str
    reporter: str
    source: Source
    first_report_due_at: datetime
    origin: Origin = Origin.UNIT
    officer: Person | None = None
    leader: Person | None = None
    duty_room: Person | None = None
    casualties: int | None = None
    external_id: str | None = None
    late: bool = False
    escalation_step: int = 0
    acknowledged_at: datetime | None = None
    first_reported_at: datetime | None = None
    last_report_kind: ReportKind | None = None
    closed_at: datetime | None = None
    status: IncidentStatus = IncidentStatus.REPORTED
    merged_into: str | None = None
    concealment: Concealment | None = None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def refresh(self, at: datetime) -> TimelineEntry | None:
        """Recompute the status from the facts; the timeline entry for the change, if it changed."""
        new = status_of(self)
        if new is self.status:
            return None
        old, self.status = self.status, new
        return TimelineEntry(at, TimelineKind.STATUS, f"{old} → {new}", data={"from": old, "to": new})


def status_of(incident: Incident) -> IncidentStatus:
    """The furthest point the incident's facts have reached; being late never wears off (see `late`)."""
    if incident.closed_at is not None:
        return IncidentStatus.CLOSED
    if incident.last_report_kind is ReportKind.FINAL:
        return IncidentStatus.FINAL_REPORTED
    if incident.last_report_kind is ReportKind.FOLLOW_UP:
        return IncidentStatus.FOLLOW_UP
    if incident.first_reported_at is not None:
        return IncidentStatus.FIRST_REPORTED
    if incident.late:
        return IncidentStatus.OVERDUE
    if incident.acknowledged_at is not None:
        return IncidentStatus.ACKNOWLEDGED
    if incident.escalation_step > 0:
        return IncidentStatus.ESCALATED
    return IncidentStatus.REPORTED
