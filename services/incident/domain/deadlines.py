"""The report clock: when the first report is due, the warning before it, and what a due timer does."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from schemas.values import ReportKind, Severity
from services.incident.domain.model import Incident

__all__ = ["DEFAULT_FOLLOW_UP_EVERY", "Deadline", "DeadlineKind", "Firing", "ReportPolicy", "what_fires"]


class DeadlineKind(StrEnum):
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    SIGN_OFF = "sign_off"  # a drafted 首报 goes out unsigned if the leader has not signed by then


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


# Grades I and II: a 续报 every 2 hours until the 终报. Long enough for a unit still fighting the incident to
# have progress worth reporting, short enough that the city hears of it twice in the first four hours.
DEFAULT_FOLLOW_UP_EVERY = timedelta(hours=2)


@dataclass(frozen=True)
class ReportPolicy:
    """The first report (首报) is due `limits[severity]` after the event; a warning goes `warn_before` that.
    For grades I and II a 续报 falls due `follow_up_every` after each 首报 or 续报, until the 终报 (None: never)."""

    limits: dict[Severity, timedelta] = field(default_factory=_default_limits)
    warn_before: timedelta = timedelta(minutes=15)
    follow_up_every: timedelta | None = DEFAULT_FOLLOW_UP_EVERY

    def first_report_due(self, severity: Severity, occurred_at: datetime) -> datetime:
        return occurred_at + self.limits[severity]

    def deadlines(self, incident_id: str, due_at: datetime, kind: ReportKind = ReportKind.FIRST) -> list[Deadline]:
        return [
            Deadline(incident_id, DeadlineKind.DUE_SOON, due_at - self.warn_before, kind),
            Deadline(incident_id, DeadlineKind.OVERDUE, due_at, kind),
        ]

    def next_follow_up(self, incident: Incident, filed: ReportKind, filed_at: datetime) -> list[Deadline]:
        """The next 续报's deadlines after a 首报 or 续报 of a grade I or II incident; none after the 终报."""
        if filed is ReportKind.FINAL or not incident.severity.is_major or self.follow_up_every is None:
            return []
        return self.deadlines(incident.id, filed_at + self.follow_up_every, ReportKind.FOLLOW_UP)


def what_fires(deadline: Deadline, incident: Incident, now: datetime, due_at: datetime) -> Firing:
    """A warning whose deadline (`due_at`) has also passed is superseded by the overdue notice (after downtime,
    say). A 续报 timer that is still unsettled has not been met: filing settles it."""
    if not incident.is_open:
        return Firing.CLOSED
    if deadline.report_kind is ReportKind.FIRST and incident.first_reported_at is not None:
        return Firing.MET
    if deadline.kind is DeadlineKind.DUE_SOON and now >= due_at:
        return Firing.SUPERSEDED
    return Firing.FIRE
