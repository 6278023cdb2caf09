"""An incident over HTTP: as listed, as read with its timeline, reports and deadlines, and the bodies that close,
merge or split it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from schemas.values import IncidentType, Origin, Person, ReportKind, Severity
from services.incident.adapters.http_models.reports import ReportOut
from services.incident.domain import Concealment, Incident, IncidentStatus, Source
from services.incident.handlers import IncidentRecord

__all__ = ["CloseIn", "DeadlineOut", "IncidentDetail", "IncidentOut", "IntakeOut", "MergeIn", "SplitIn", "TimelineOut"]


class IncidentOut(BaseModel):
    id: str
    unit_id: str
    type: IncidentType
    type_label: str
    severity: Severity
    status: IncidentStatus
    late: bool = Field(description="The first report was (or is) late (迟报); this never wears off.")
    occurred_at: datetime
    reported_at: datetime
    first_report_due_at: datetime
    location: str
    summary: str
    reporter: str
    source: Source = Field(description="The channel it came by: http, kafka (incident.intake) or sms.")
    origin: Origin = Field(
        description="Who told us: the unit itself, or another source (emergency_management, hotline, "
        "city_duty_room, parent_bureau, other), whose incident the unit must still report or be flagged."
    )
    casualties: int | None
    external_id: str | None
    officer: Person | None
    leader: Person | None
    duty_room: Person | None
    escalation_step: int
    acknowledged_at: datetime | None
    first_reported_at: datetime | None
    closed_at: datetime | None
    merged_into: str | None = Field(default=None, description="Closed as a duplicate of this incident.")
    concealment: Concealment | None = Field(
        default=None, description="missed (漏报) or concealed (瞒报 candidate): another source reported it."
    )

    @classmethod
    def of(cls, incident: Incident) -> IncidentOut:
        return cls(**vars(incident), type_label=incident.type.label)


class IntakeOut(BaseModel):
    incident: IncidentOut
    joined: bool = Field(description="True when the report joined an incident already open (no new escalation).")


class TimelineOut(BaseModel):
    at: datetime
    kind: str
    detail: str
    actor: str | None
    channel: str | None
    data: dict[str, Any]


class DeadlineOut(BaseModel):
    kind: str
    report_kind: ReportKind
    due_at: datetime
    settled_at: datetime | None
    outcome: str | None


class IncidentDetail(IncidentOut):
    timeline: list[TimelineOut]
    reports: list[ReportOut]
    deadlines: list[DeadlineOut]

    @classmethod
    def of_record(cls, record: IncidentRecord) -> IncidentDetail:
        summary = IncidentOut.of(record.incident).model_dump()
        return cls(
            **summary,
            timeline=[TimelineOut(**vars(entry)) for entry in record.timeline],
            reports=[ReportOut.of(report, deliveries) for report, deliveries in record.reports],
            deadlines=[
                DeadlineOut(
                    kind=deadline.kind.value,
                    report_kind=deadline.report_kind,
                    due_at=deadline.due_at,
                    settled_at=settled_at,
                    outcome=outcome,
                )
                for deadline, settled_at, outcome in record.deadlines
            ],
        )


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    closed_by: str = Field(min_length=1, max_length=100, description="Who closes the incident.")


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    duplicate: str = Field(min_length=1, max_length=40, description="The incident that closes into this one.")
    by: str = Field(min_length=1, max_length=100, description="Who merges them.")


class SplitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    location: str = Field(min_length=1, max_length=200, description="Where the part split off happened.")
    summary: str = Field(min_length=1, max_length=2000, description="What the part split off is.")
    by: str = Field(min_length=1, max_length=100, description="Who splits it.")
