"""The HTTP API's request and response bodies (the intake body is the `ReportIncident` contract itself)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from schemas.report_form import ReportForm
from schemas.values import Channel, IncidentType, Origin, Person, RecipientRole, ReportKind, Severity
from services.incident.domain import (
    Concealment,
    Draft,
    Handover,
    HandoverItem,
    Incident,
    IncidentStatus,
    Report,
    SignRole,
    Source,
    UnitAccount,
)
from services.incident.handlers import IncidentRecord

__all__ = [
    "AccountOut",
    "CloseIn",
    "DraftOut",
    "HandoverOut",
    "IncidentDetail",
    "IncidentOut",
    "IntakeOut",
    "MergeIn",
    "ReportIn",
    "ReportOut",
    "SignIn",
    "SignOffIn",
    "SignatureOut",
    "SplitIn",
]


class ReportIn(BaseModel):
    """A report: the official form (`form`), or free text (`text`) as before the form existed."""

    model_config = ConfigDict(extra="forbid")

    kind: ReportKind = Field(description="first (首报), follow_up (续报) or final (终报).")
    text: str | None = Field(default=None, min_length=1, max_length=4000, description="The report as free text.")
    form: ReportForm | None = Field(default=None, description="The 突发事件信息报告 form.")
    filed_by: str = Field(min_length=1, max_length=100, description="Who files it.")

    @model_validator(mode="after")
    def _text_or_form(self) -> Self:
        if (self.text is None) == (self.form is None):
            raise ValueError("give either form (the official form) or text, not both")
        if self.form is not None and self.form.kind is not self.kind:
            raise ValueError(f"form.kind is {self.form.kind.value} but kind is {self.kind.value}")
        return self


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


class SignatureOut(BaseModel):
    by: str = Field(description="Who signed.")
    at: datetime
    via: str = Field(description="sms (the incoming officer's reply 接班) or http (the API or the board).")


class HandoverOut(BaseModel):
    """A handover (交接班): from whom, to whom, when, which open items, and who signed it when."""

    id: str
    unit_id: str
    shift_id: str
    from_officer: Person | None
    to_officer: Person
    at: datetime
    items: list[HandoverItem] = Field(description="Each open incident and the report it waits for next.")
    acknowledged_at: datetime | None = Field(description="When the incoming officer signed (by SMS or not).")
    outgoing_signature: SignatureOut | None = Field(description="交班人's signature.")
    incoming_signature: SignatureOut | None = Field(description="接班人's signature; the reply 接班 is one.")

    @classmethod
    def of(cls, handover: Handover) -> HandoverOut:
        return cls.model_validate(vars(handover) | {"acknowledged_at": handover.acknowledged_at}, from_attributes=True)


class SignIn(BaseModel):
    """A signature on a handover record."""

    model_config = ConfigDict(extra="forbid")

    role: SignRole = Field(description="outgoing (交班人) or incoming (接班人).")
    by: str = Field(min_length=1, max_length=100, description="Who signs.")


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


class DeliveryOut(BaseModel):
    role: RecipientRole
    name: str
    phone: str
    delivered_at: datetime | None
    channel: Channel | None
    acknowledged_at: datetime | None


class SignOffIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    by: str = Field(min_length=1, max_length=100, description="The duty leader who signs (签发).")


class DraftOut(BaseModel):
    """A 首报 waiting for the duty leader's 签发."""

    id: str
    incident_id: str
    filed_by: str
    drafted_at: datetime
    leader: Person | None = Field(description="Who is asked to sign it.")
    state: str = Field(description="pending, signed, or unsigned (sent without it before the deadline).")
    text: str

    @classmethod
    def of(cls, draft: Draft) -> DraftOut:
        fields = {name: getattr(draft, name) for name in cls.model_fields}
        return cls(**fields)


class ReportOut(BaseModel):
    id: int | None
    kind: ReportKind
    text: str
    filed_by: str
    filed_at: datetime
    late: bool
    source: Source
    form: ReportForm | None = Field(default=None, description="The form, when it was filed as one.")
    deliveries: list[DeliveryOut] = Field(default_factory=list)

    @classmethod
    def of(cls, report: Report) -> ReportOut:
        return cls(**{key: value for key, value in vars(report).items() if key != "incident_id"})


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
            reports=[
                ReportOut(
                    **{key: value for key, value in vars(report).items() if key != "incident_id"},
                    deliveries=[
                        DeliveryOut(
                            **delivery.recipient.model_dump(),
                            delivered_at=delivery.delivered_at,
                            channel=delivery.channel,
                            acknowledged_at=delivery.acknowledged_at,
                        )
                        for delivery in deliveries
                    ],
                )
                for report, deliveries in record.reports
            ],
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


def _seconds(duration: timedelta | None) -> float | None:
    return None if duration is None else duration.total_seconds()


class AccountOut(BaseModel):
    """One unit's figures; durations in seconds."""

    unit_id: str
    incidents: int
    acknowledged: int
    median_to_acknowledge_s: float | None
    worst_to_acknowledge_s: float | None
    median_to_first_report_s: float | None
    late_first_reports: int = Field(description="First reports filed after the deadline (迟报).")
    missing_first_reports: int = Field(description="Deadline passed and still no first report (漏报).")
    on_time_first_reports: int = Field(description="First reports filed by the deadline.")
    from_other_sources: int = Field(description="Incidents another source told us of, not the unit itself.")
    concealment_flags: int = Field(description="Incidents flagged 漏报 or 瞒报 candidate: another source told us.")
    missed_check_ins: int = Field(
        description="Shifts whose officer or leader did not check in in time (a person's: in that role)."
    )
    person_id: str | None = Field(description="The person, in a line by person.")
    name: str | None = Field(description="Their name.")
    role: str = Field(description="unit, or officer or leader in a line by person.")
    score: int = Field(description="100 less the penalties (README, Accountability).")
    rank: int | None = Field(description="The unit's place in the ranking (通报排名), 1 the best; none by person.")

    @classmethod
    def of(cls, line: UnitAccount) -> AccountOut:
        return cls(
            on_time_first_reports=line.on_time_first_reports,
            from_other_sources=line.from_other_sources,
            concealment_flags=line.concealment_flags,
            missed_check_ins=line.missed_check_ins,
            person_id=line.person_id,
            name=line.name,
            role=line.role,
            score=line.score,
            rank=line.rank,
            unit_id=line.unit_id,
            incidents=line.incidents,
            acknowledged=line.acknowledged,
            median_to_acknowledge_s=_seconds(line.median_to_acknowledge),
            worst_to_acknowledge_s=_seconds(line.worst_to_acknowledge),
            median_to_first_report_s=_seconds(line.median_to_first_report),
            late_first_reports=line.late_first_reports,
            missing_first_reports=line.missing_first_reports,
        )
