"""The report clock: when the first report is due, the warning before it, and what a due timer does."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from schemas.values import ReportKind, Severity
from services.incident.domain.model import Incident

__all__ = ["Deadline", "DeadlineKind", "Firing", "ReportPolicy", "what_fires"]


class DeadlineKind(StrEnum):
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


class Firing(StrEnum):
    """What a due timer does: fire, or settle without a word because it no longer matters."""

    FIRE = "fired"
    MET = "met"
    SUPERSEDED = "superseded"
    CLOSED = "closed"


@dataclass(frozen=True)
class Deadline:
    incident_id: str
    kind: DeadlineKind
    due_at: datetime
    report_kind: ReportKind = ReportKind.FIRST
    id: int | None = None


def _default_limits() -> dict[Severity, timedelta]:
    return {severity: timedelta(hours=1) for severity in Severity}


@dataclass(frozen=True)
class ReportPolicy:
    """The first report (首报) is due `limits[severity]` after the event; a warning goes `warn_before` that."""

    limits: dict[Severity, timedelta] = field(default_factory=_default_limits)
    warn_before: timedelta = timedelta(minutes=15)

    def first_report_due(self, severity: Severity, occurred_at: datetime) -> datetime:
        return occurred_at + self.limits[severity]

    def deadlines(self, incident_id: str, due_at: datetime) -> list[Deadline]:
        return [
            Deadline(incident_id, DeadlineKind.DUE_SOON, due_at - self.warn_before),
            Deadline(incident_id, DeadlineKind.OVERDUE, due_at),
        ]


def what_fires(deadline: Deadline, incident: Incident, now: datetime) -> Firing:
    """A warning whose deadline has also passed is superseded by the overdue notice (after downtime, say)."""
    if not incident.is_open:
        return Firing.CLOSED
    if incident.first_reported_at is not None:
        return Firing.MET
    if deadline.kind is DeadlineKind.DUE_SOON and now >= incident.first_report_due_at:
        return Firing.SUPERSEDED
    return Firing.FIRE
