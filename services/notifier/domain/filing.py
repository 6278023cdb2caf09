"""What a filed report answers: the runs that asked for it and must not go on once it is filed."""

from __future__ import annotations

from schemas.notify import RunSubject
from schemas.values import ReportKind

__all__ = ["runs_answered_by"]

REMINDERS = (RunSubject.REPORT_DUE, RunSubject.REPORT_OVERDUE)


def runs_answered_by(kind: ReportKind, incident_id: str) -> list[tuple[RunSubject, str]]:
    """(subject, subject id) of every run a report of `kind` on the incident makes pointless: the reminders
    of the reports it answers (`ReportKind.answers`) and, for the 首报, the incident's own alert, which asked
    the officer to take the incident on; a report on it shows somebody has."""
    answered = [(subject, f"{incident_id}/{each}") for each in kind.answers for subject in REMINDERS]
    if kind is ReportKind.FIRST:
        answered.insert(0, (RunSubject.INCIDENT, incident_id))
    return answered
