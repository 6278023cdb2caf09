"""Incident intake, lifecycle and reports: `incident.intake` and `incident.events`."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from schemas.envelope import Message
from schemas.report_form import ReportForm
from schemas.values import Channel, IncidentType, Origin, Person, Recipient, ReportKind, Severity

__all__ = [
    "IncidentAcknowledged",
    "IncidentAssigned",
    "IncidentClosed",
    "IncidentEscalated",
    "IncidentReported",
    "ReportDelivered",
    "ReportDueSoon",
    "ReportFiled",
    "ReportFiledV1",
    "ReportIncident",
    "ReportIncidentV1",
    "ReportOverdue",
]

IncidentId = str


class ReportIncidentV1(Message):
    """Command on `incident.intake` (version 1, before it said who sends it): read as version 2 from the
    emergency-management link, the only sender on the topic then."""

    TYPE = "incident.report"

    type: IncidentType = Field(description="What happened.")
    severity: Severity = Field(description="特别重大 I, 重大 II, 较大 III, 一般 IV.")
    occurred_at: AwareDatetime = Field(description="When it happened; not in the future, at most 7 days ago.")
    location: str = Field(min_length=1, max_length=200, description="Where, as a person would say it.")
    summary: str = Field(min_length=1, max_length=2000, description="What is known so far.")
    reporter: str = Field(min_length=1, max_length=100, description="Who reports it (name or system).")
    casualties: int | None = Field(default=None, ge=0, description="People hurt or dead, when known.")
    external_id: str | None = Field(
        default=None, max_length=100, description="The sender's own id, used to join repeated reports."
    )

    def upgraded(self) -> ReportIncident:
        return ReportIncident(**dict(self), origin=Origin.EMERGENCY_MANAGEMENT)


class ReportIncident(ReportIncidentV1):
    """Command on `incident.intake`: another system (or an officer) reports an incident, saying who it is."""

    VERSION = 2

    origin: Origin | None = Field(
        default=None,
        description="Who reports it: emergency_management, hotline, city_duty_room, parent_bureau, other, or unit "
        "(the unit itself). On incident.intake none means the emergency-management link. Over HTTP a unit's own "
        "token always reports as the unit; another token (every unit's, a parent bureau's) as what it says here, "
        "or else as other or parent_bureau.",
    )

    def upgraded(self) -> ReportIncident:
        return self


class _IncidentEvent(Message):
    incident_id: IncidentId = Field(description="The incident this is about.")


class IncidentReported(_IncidentEvent):
    """A new incident was taken in, assigned and given its first-report deadline."""

    TYPE = "incident.reported"

    type: IncidentType = Field(description="What happened.")
    severity: Severity = Field(description="Its grade.")
    occurred_at: AwareDatetime = Field(description="When it happened.")
    reported_at: AwareDatetime = Field(description="When the system took it in.")
    location: str = Field(description="Where.")
    summary: str = Field(description="What is known so far.")
    reporter: str = Field(description="Who reported it.")
    casualties: int | None = Field(default=None, description="People hurt or dead, when known.")
    officer: Person | None = Field(description="The on-duty officer it is assigned to; None in a gap.")
    leader: Person | None = Field(description="The duty leader it is assigned to; None in a gap.")
    duty_room: Person | None = Field(
        default=None, description="The parent unit's duty room, assigned when the unit has no shift."
    )
    first_report_due_at: AwareDatetime = Field(description="When the first report (首报) is due.")


class IncidentAssigned(_IncidentEvent):
    """The incident's officer and leader changed after intake (a handover, a gap filled). The assignment at
    intake is in IncidentReported; before 2026-12-06 it was also sent as this event, reason `intake` or `gap`."""

    TYPE = "incident.assigned"

    officer: Person | None = Field(description="The on-duty officer; None in a gap.")
    leader: Person | None = Field(description="The duty leader; None in a gap.")
    duty_room: Person | None = Field(default=None, description="The fallback duty room in a gap.")
    reason: str = Field(description="Why: handover, or a reassignment after a gap (older events: intake, gap).")


class IncidentAcknowledged(_IncidentEvent):
    """A person took the incident on."""

    TYPE = "incident.acknowledged"

    by: Person | None = Field(description="Who acknowledged, when known.")
    phone: str = Field(description="The number the acknowledgement came from.")
    channel: Channel = Field(description="SMS reply or key press.")
    acknowledged_at: AwareDatetime = Field(description="When.")


class ReportFiledV1(_IncidentEvent):
    """A report (首报/续报/终报) was filed (version 1: free text only; still decoded)."""

    TYPE = "incident.report_filed"

    kind: ReportKind = Field(description="first, follow_up or final.")
    text: str = Field(description="The report as filed.")
    filed_by: str = Field(description="Who filed it.")
    filed_at: AwareDatetime = Field(description="When.")
    late: bool = Field(description="Filed after its deadline (迟报).")


class ReportFiled(ReportFiledV1):
    """A report (首报/续报/终报) was filed, on the official form when it was filed as one."""

    VERSION = 2

    form: ReportForm | None = Field(default=None, description="The 突发事件信息报告 form; None for free text.")
    unsigned: bool = Field(default=False, description="Sent out without the leader's sign-off (未经签发).")


class ReportDelivered(_IncidentEvent):
    """One recipient received a report."""

    TYPE = "incident.report_delivered"

    kind: ReportKind = Field(description="Which report.")
    recipient: Recipient = Field(description="Who received it.")
    channel: Channel = Field(description="How.")
    delivered_at: AwareDatetime = Field(description="When it was delivered.")
    acknowledged: bool = Field(default=False, description="The recipient also acknowledged it.")


class ReportDueSoon(_IncidentEvent):
    """The first report is due soon and has not been filed: the officer and leader are warned."""

    TYPE = "incident.report_due_soon"

    kind: ReportKind = Field(default=ReportKind.FIRST, description="Which report is due.")
    due_at: AwareDatetime = Field(description="The deadline.")
    officer: Person | None = Field(description="Who is warned.")
    leader: Person | None = Field(description="Who is warned too.")


class ReportOverdue(_IncidentEvent):
    """The deadline passed with no report (迟报): the municipal bureau is called; the mark stays."""

    TYPE = "incident.report_overdue"

    kind: ReportKind = Field(default=ReportKind.FIRST, description="Which report is late.")
    due_at: AwareDatetime = Field(description="The deadline that passed.")
    officer: Person | None = Field(description="The officer responsible.")
    leader: Person | None = Field(description="The leader responsible.")
    municipal_bureau: Recipient | None = Field(description="The municipal bureau duty room to call.")


class IncidentEscalated(_IncidentEvent):
    """The notifier moved to a further step for this incident."""

    TYPE = "incident.escalated"

    step: int = Field(ge=0, description="The escalation step reached.")
    targets: list[str] = Field(description="Who is notified at this step (E.164 numbers).")
    reason: str = Field(description="Why (no acknowledgement within the wait, say).")


class IncidentClosed(_IncidentEvent):
    """The incident was closed after its final report."""

    TYPE = "incident.closed"

    closed_at: AwareDatetime = Field(description="When.")
    closed_by: str = Field(description="Who closed it.")
    late: bool = Field(description="Its first report was late or missing.")
