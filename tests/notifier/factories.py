"""Events as the other services would publish them, with unique ids per test."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from schemas.envelope import Envelope, Message
from schemas.incident import IncidentReported
from schemas.values import IncidentType, Person, Severity

OFFICER_PHONE = "+8613800138001"
LEADER_PHONE = "+8613800138002"
ROOM_PHONE = "+8613800138003"


def unique_unit() -> str:
    return f"unit-{uuid.uuid4().hex[:10]}"


def person(pid: str, name: str, phone: str) -> Person:
    return Person(id=pid, name=name, phone=phone)


def incident_reported(
    unit_id: str,
    now: datetime,
    severity: Severity = Severity.III,
    officer: str = OFFICER_PHONE,
    leader: str = LEADER_PHONE,
    room: str = ROOM_PHONE,
) -> IncidentReported:
    return IncidentReported(
        unit_id=unit_id,
        incident_id=f"inc-{uuid.uuid4().hex[:8]}",
        type=IncidentType.FIRE,
        severity=severity,
        occurred_at=now - timedelta(minutes=5),
        reported_at=now,
        location="城南福利院二号楼三层",
        summary="厨房起火，已疏散",
        reporter="值班员王芳",
        officer=person("wang-fang", "王芳", officer),
        leader=person("li-qiang", "李强", leader),
        duty_room=person("city-room", "市局值班室", room),
        first_report_due_at=now + timedelta(minutes=55),
    )


def wrap(payload: Message, now: datetime, **extra: Any) -> Envelope[Any]:
    return Envelope.wrap(payload, producer="test", occurred_at=now, **extra)
