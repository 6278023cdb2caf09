"""Plain values the incident tests build on: a district, a welfare home under it, a shift, a report."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from schemas.duty import ShiftStarted, UnitUpdated
from schemas.incident import ReportIncident
from schemas.values import IncidentType, Person, Recipient, RecipientRole, Severity, UnitKind

OFFICER = Person(id="wang-fang", name="王芳", phone="+8613800000001")
LEADER = Person(id="li-qiang", name="李强", phone="+8613800000002")
DISTRICT_ROOM = Person(id="district-room", name="区民政局值班室", phone="+8613800000009")
PARTY = Recipient(role=RecipientRole.PARTY_COMMITTEE, name="区委值班室", phone="+8613800000011")
GOVERNMENT = Recipient(role=RecipientRole.GOVERNMENT, name="区政府值班室", phone="+8613800000012")
BUREAU = Recipient(role=RecipientRole.MUNICIPAL_BUREAU, name="市民政局值班室", phone="+8613800000013")


def district_updated(unit_id: str) -> UnitUpdated:
    return UnitUpdated(
        unit_id=unit_id,
        name="张湾区民政局",
        kind=UnitKind.DISTRICT_BUREAU,
        parent_id=None,
        duty_room=DISTRICT_ROOM,
        recipients=[PARTY, GOVERNMENT, BUREAU],
    )


def home_updated(unit_id: str, parent_id: str, recipients: list[Recipient] | None = None) -> UnitUpdated:
    return UnitUpdated(
        unit_id=unit_id,
        name="张湾区社会福利院",
        kind=UnitKind.WELFARE_HOME,
        parent_id=parent_id,
        duty_room=None,
        recipients=[PARTY, GOVERNMENT, BUREAU] if recipients is None else recipients,
    )


def shift_started(unit_id: str, starts_at: datetime, hours: float = 24) -> ShiftStarted:
    return ShiftStarted(
        unit_id=unit_id,
        shift_id=f"{unit_id}@{starts_at.isoformat()}",
        officer=OFFICER,
        leader=LEADER,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
    )


def report(unit_id: str, occurred_at: datetime, **changes: Any) -> ReportIncident:
    fields: dict[str, Any] = {
        "unit_id": unit_id,
        "type": IncidentType.FIRE,
        "severity": Severity.III,
        "occurred_at": occurred_at,
        "location": "福利院3楼",
        "summary": "三楼储藏室冒烟，已疏散老人",
        "reporter": "王芳",
    }
    return ReportIncident(**{**fields, **changes})


def report_body(unit_id: str, occurred_at: datetime, **changes: Any) -> dict[str, Any]:
    return report(unit_id, occurred_at, **changes).model_dump(mode="json")
