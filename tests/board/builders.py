"""Messages as the roster, the incident service and the notifier publish them, for the board's tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from schemas.broadcast import BroadcastAcknowledged, BroadcastSent
from schemas.duty import CheckInMissed, CheckInReceived, CheckInRequested, DutyRole, ShiftStarted, UnitUpdated
from schemas.incident import IncidentAcknowledged, IncidentEscalated, IncidentReported, ReportDelivered, ReportFiled
from schemas.values import (
    Channel,
    IncidentType,
    Person,
    Recipient,
    RecipientRole,
    ReportKind,
    Severity,
    UnitKind,
)
from services.incident.adapters.http_models import HandoverOut
from services.incident.domain import Handover, HandoverItem, Signature

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 10:00 in Beijing, inside the 08:30 shift
SHIFT_START = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)
RECIPIENTS = [
    Recipient(role=RecipientRole.PARTY_COMMITTEE, name="县委值班室", phone="0719 800 0101"),
    Recipient(role=RecipientRole.GOVERNMENT, name="县政府值班室", phone="0719 800 0102"),
    Recipient(role=RecipientRole.MUNICIPAL_BUREAU, name="市民政局值班室", phone="0719 800 0000"),
]


def person(slug: str, name: str, last: int) -> Person:
    return Person(id=slug, name=name, phone=f"138 0000 {last:04d}")


def unit(unit_id: str, name: str, parent: str | None = "city") -> UnitUpdated:
    kind = UnitKind.MUNICIPAL_BUREAU if parent is None else UnitKind.DISTRICT_BUREAU
    return UnitUpdated(unit_id=unit_id, name=name, kind=kind, parent_id=parent, duty_room=None, recipients=RECIPIENTS)


def shift(unit_id: str, officer: str = "王芳", leader: str = "李强", start: datetime = SHIFT_START) -> ShiftStarted:
    return ShiftStarted(
        unit_id=unit_id,
        shift_id=f"{unit_id}@{start.isoformat()}",
        officer=person(f"{unit_id}-officer", officer, 1),
        leader=person(f"{unit_id}-leader", leader, 2),
        starts_at=start,
        ends_at=start + timedelta(hours=24),
    )


def check_in_requested(
    started: ShiftStarted, grace: timedelta = timedelta(minutes=15), role: DutyRole = DutyRole.OFFICER
) -> CheckInRequested:
    return CheckInRequested(
        unit_id=started.unit_id,
        shift_id=started.shift_id,
        role=role,
        person=started.leader if role is DutyRole.LEADER else started.officer,
        starts_at=started.starts_at,
        due_by=started.starts_at + grace,
    )


def check_in_received(started: ShiftStarted, at: datetime, role: DutyRole = DutyRole.OFFICER) -> CheckInReceived:
    person = started.leader if role is DutyRole.LEADER else started.officer
    return CheckInReceived(
        unit_id=started.unit_id, shift_id=started.shift_id, role=role, phone=person.phone, received_at=at
    )


def check_in_missed(started: ShiftStarted, role: DutyRole = DutyRole.OFFICER) -> CheckInMissed:
    return CheckInMissed(
        unit_id=started.unit_id,
        shift_id=started.shift_id,
        role=role,
        person=started.leader if role is DutyRole.LEADER else started.officer,
        leader=None if role is DutyRole.LEADER else started.leader,
        due_by=started.starts_at + timedelta(minutes=15),
        municipal_duty_room=None,
    )


def incident(incident_id: str, unit_id: str, due_in: timedelta = timedelta(minutes=45)) -> IncidentReported:
    return IncidentReported(
        unit_id=unit_id,
        incident_id=incident_id,
        type=IncidentType.FIRE,
        severity=Severity.III,
        occurred_at=NOW + due_in - timedelta(hours=1),
        reported_at=NOW - timedelta(minutes=5),
        location="福利院3号楼",
        summary="厨房起火，已疏散",
        reporter="张三",
        officer=person(f"{unit_id}-officer", "王芳", 1),
        leader=person(f"{unit_id}-leader", "李强", 2),
        first_report_due_at=NOW + due_in,
    )


def acknowledged(incident_id: str, unit_id: str) -> IncidentAcknowledged:
    return IncidentAcknowledged(
        unit_id=unit_id,
        incident_id=incident_id,
        by=person(f"{unit_id}-officer", "王芳", 1),
        phone="+8613800000001",
        channel=Channel.SMS,
        acknowledged_at=NOW,
    )


def escalated(incident_id: str, unit_id: str, step: int) -> IncidentEscalated:
    return IncidentEscalated(unit_id=unit_id, incident_id=incident_id, step=step, targets=[], reason="无人确认")


def first_report(incident_id: str, unit_id: str, at: datetime, late: bool = False) -> ReportFiled:
    return ReportFiled(
        unit_id=unit_id,
        incident_id=incident_id,
        kind=ReportKind.FIRST,
        text="首报",
        filed_by="王芳",
        filed_at=at,
        late=late,
    )


def delivered(incident_id: str, unit_id: str, role: RecipientRole, acknowledged: bool = False) -> ReportDelivered:
    recipient = next(each for each in RECIPIENTS if each.role is role)
    return ReportDelivered(
        unit_id=unit_id,
        incident_id=incident_id,
        kind=ReportKind.FIRST,
        recipient=recipient,
        channel=Channel.SMS,
        delivered_at=NOW,
        acknowledged=acknowledged,
    )


def broadcast(broadcast_id: str, targets: list[str] | None) -> BroadcastSent:
    return BroadcastSent(
        unit_id="city",
        broadcast_id=broadcast_id,
        title="寒潮预警",
        text="今夜降温，请加强巡查",
        sent_by="市局值班室",
        target_unit_ids=targets,
        sent_at=NOW,
    )


def broadcast_acknowledged(broadcast_id: str, unit_id: str) -> BroadcastAcknowledged:
    return BroadcastAcknowledged(
        unit_id=unit_id, broadcast_id=broadcast_id, by="+8613800000001", person_name="王芳", acknowledged_at=NOW
    )


def handover_record(handover_id: str, unit_id: str, incoming_by_sms: bool = False) -> dict[str, Any]:
    """A record as the incident service's GET /handovers answers it (its own response model), one item open."""
    item = HandoverItem("inc-1", "火灾 福利院3号楼", ReportKind.FIRST, NOW + timedelta(minutes=40))
    to_officer = person(f"{unit_id}-next", "张军", 22)
    sms = Signature(to_officer.name, NOW, "sms") if incoming_by_sms else None
    handover = Handover(
        handover_id, unit_id, f"{unit_id}@next", person(f"{unit_id}-officer", "王芳", 21), to_officer, NOW, (item,),
        None, sms,
    )  # fmt: skip
    record: dict[str, Any] = HandoverOut.of(handover).model_dump(mode="json")
    return record
