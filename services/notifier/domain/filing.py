"""What a filed report answers: the runs that asked for it and must not go on once it is filed."""

from __future__ import annotations

from schemas.notify import RunSubject
from schemas.values import ReportKind
from services.notifier.domain.runs import report_subject_id

__all__ = ["ANSWERABLE", "Subject", "answered_for_good", "runs_answered_by"]

Subject = tuple[str, str]
"""(run subject, subject id): what a run is about, and what a filed report may answer for good."""

REMINDERS = (RunSubject.REPORT_DUE, RunSubject.REPORT_OVERDUE)
ANSWERABLE = frozenset({RunSubject.INCIDENT, *REMINDERS})
"""The subjects of runs a filed report can answer."""


def runs_answered_by(kind: ReportKind, incident_id: str) -> list[tuple[RunSubject, str]]:
    """(subject, subject id) of every run a report of `kind` on the incident makes pointless: the reminders
    of the reports it answers (`ReportKind.answers`) and, for the 首报, the incident's own alert, which asked
    the officer to take the incident on; a report on it shows somebody has."""
    answered = [(subject, report_subject_id(incident_id, each)) for each in kind.answers for subject in REMINDERS]
    if kind is ReportKind.FIRST:
        answered.insert(0, (RunSubject.INCIDENT, incident_id))
    return answered


def answered_for_good(kind: ReportKind, incident_id: str) -> list[tuple[RunSubject, str]]:
    """What a report of `kind` answers for ever: no run about it may start or fire again. A 首报 or 终报 is
    filed once; a 续报 is not, and the next 续报's reminders come under the same subject id, so none."""
    return [] if kind is ReportKind.FOLLOW_UP else runs_answered_by(kind, incident_id)
