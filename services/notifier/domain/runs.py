"""Escalation runs and their tracks, as the repositories hand them over: a run per subject (an incident, a
reminder, a broadcast...), a track per line of recipients, whose `due_at` is the timer of its next step."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from schemas.values import ReportKind
from services.notifier.domain.policy import Contact

__all__ = ["OPEN", "Acknowledgement", "NewRun", "NewTrack", "Run", "Track", "incident_subject_ids", "report_subject_id"]

OPEN = "open"
"""The state of a run or track still under way; the others say how it ended (acknowledged, exhausted...)."""


def report_subject_id(incident_id: str, kind: ReportKind) -> str:
    """The subject id of the runs about one report of an incident: its delivery and its reminders."""
    return f"{incident_id}/{kind}"


def incident_subject_ids(incident_id: str) -> list[str]:
    """Every subject id an incident's runs can have: its own alert's, and each report kind's. Looked up as exact
    values, an index finds them on any backend and collation; no index serves a prefix match (`LIKE 'id/%'`)."""
    return [incident_id, *(report_subject_id(incident_id, kind) for kind in ReportKind)]


@dataclass(frozen=True)
class NewTrack:
    """One line of a run: in `any` runs the only one; in `each` runs one per recipient."""

    unit_id: str
    label: str
    contacts: dict[str, Contact]


@dataclass(frozen=True)
class NewRun:
    subject: str
    subject_id: str
    unit_id: str
    policy: str
    sms_text: str
    voice_script: str
    tracks: Sequence[NewTrack]
    major: bool = False


@dataclass(frozen=True, slots=True)
class Run:
    """A stored run; the fields in the order of the table's columns, so a row converts positionally."""

    id: str
    subject: str
    subject_id: str
    unit_id: str
    policy: str
    major: bool
    sms_text: str
    voice_script: str
    state: str
    created_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True, slots=True)
class Track:
    """A stored track: whom its steps reach (role → contact), its next step and when it falls due."""

    id: int
    run_id: str
    unit_id: str
    label: str
    contacts: dict[str, Contact]
    state: str
    next_step: int
    due_at: datetime | None
    acked_by: str | None = None
    acked_name: str | None = None
    acked_channel: str | None = None
    acked_at: datetime | None = None


@dataclass(frozen=True)
class Acknowledgement:
    """Who stopped a track, by which channel and when."""

    acked_by: str
    acked_name: str | None
    acked_channel: str
    acked_at: datetime
