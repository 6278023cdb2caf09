"""What a filed report answers: the runs that asked for it and must not go on once it is filed."""

from __future__ import annotations

from schemas.notify import RunSubject
from schemas.values import ReportKind

__all__ = ["runs_answered_by"]

REMINDERS = (RunSubject.REPORT_DUE, RunSubject.REPORT_OVERDUE)

# The 首报 also answers the incident's own alert: it asked the officer to take the incident on, and a report
# on it shows somebody has. The 终报 ends the 续报 cadence as well as its own reminder.
REMINDED_KINDS: dict[ReportKind, tuple[ReportKind, ...]] = {
    ReportKind.FIRST: (ReportKind.FIRST,),
    ReportKind.FOLLOW_UP: (ReportKind.FOLLOW_UP,),
    ReportKind.FINAL: (ReportKind.FOLLOW_UP, ReportKind.FINAL),
}


def runs_answered_by(kind: ReportKind, incident_id: str) -> list[tuple[RunSubject, str]]:
    """(subject, subject id) of every run a report of `kind` on the incident makes pointless."""
    answered = [(subject, f"{incident_id}/{each}") for each in REMINDED_KINDS[kind] for subject in REMINDERS]
    if kind is ReportKind.FIRST:
        answered.insert(0, (RunSubject.INCIDENT, incident_id))
    return answered
