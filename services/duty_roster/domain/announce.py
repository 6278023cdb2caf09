"""What the others are told: the directory entry, the shift, check-ins; and whether a change is a handover."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from enum import StrEnum

from schemas.duty import CheckInMissed, CheckInRequested, DutyRole, ShiftEnded, ShiftStarted, UnitUpdated
from schemas.notify import SendSms
from schemas.values import HolidaySource, Person, UnitKind
from services.duty_roster.domain.lookup import OnDuty, RosterIndex, Shift
from services.duty_roster.domain.model import LOCAL_TZ, Unit

__all__ = [
    "DutyChange",
    "check_in_missed",
    "check_in_requested",
    "classify_change",
    "estimated_years_ahead",
    "holidays_reminders",
    "shift_ended",
    "shift_started",
    "unit_digest",
    "unit_updated",
]


class DutyChange(StrEnum):
    NONE = "none"
    HANDOVER = "handover"
    """Time moved on to the next shift: ShiftEnded for the old one, ShiftStarted for the new one."""
    RESTATE = "restate"
    """Same moment, different facts (an import, an override starting mid-shift): ShiftStarted restated."""


def unit_updated(unit: Unit) -> UnitUpdated:
    return UnitUpdated(
        unit_id=unit.id,
        name=unit.name,
        kind=unit.kind,
        parent_id=unit.parent_id,
        duty_room=unit.duty_room,
        recipients=list(unit.recipients),
    )


def unit_digest(payload: UnitUpdated) -> str:
    return hashlib.sha256(payload.model_dump_json().encode()).hexdigest()


def shift_started(index: RosterIndex, on_duty: OnDuty, *, restated: bool) -> ShiftStarted | None:
    """The shift as published; None when the officer or leader is missing (a gap the check should have caught)."""
    officer, leader = on_duty.officer.person_id, on_duty.leader.person_id
    if officer is None or leader is None:
        return None
    shift = on_duty.shift
    return ShiftStarted(
        unit_id=shift.unit_id,
        shift_id=shift.shift_id,
        officer=index.person(officer),
        leader=index.person(leader),
        starts_at=shift.starts_at,
        ends_at=shift.ends_at,
        restated=restated,
        holidays=on_duty.holidays,
    )


def shift_ended(previous: ShiftStarted) -> ShiftEnded:
    return ShiftEnded(**previous.model_dump(exclude={"restated"}))


def classify_change(previous: ShiftStarted | None, current: ShiftStarted) -> DutyChange:
    if previous is None:
        return DutyChange.RESTATE
    if previous.shift_id != current.shift_id and current.starts_at >= previous.ends_at:
        return DutyChange.HANDOVER
    if previous.model_copy(update={"restated": current.restated}) != current:
        return DutyChange.RESTATE
    return DutyChange.NONE


def check_in_requested(shift: Shift, role: DutyRole, person: Person, grace: timedelta) -> CheckInRequested:
    return CheckInRequested(
        unit_id=shift.unit_id,
        shift_id=shift.shift_id,
        role=role,
        person=person,
        starts_at=shift.starts_at,
        due_by=shift.starts_at + grace,
    )


def check_in_missed(
    index: RosterIndex, unit_id: str, shift_id: str, role: DutyRole, person: Person, due_by: datetime
) -> CheckInMissed:
    """The alert for a missed check-in: the city's duty room, and for an officer's the leader on duty at the
    deadline too (a leader's own missed check-in goes to the duty room alone)."""
    duty_room = index.municipal_duty_room
    return CheckInMissed(
        unit_id=unit_id,
        shift_id=shift_id,
        role=role,
        person=person,
        leader=_alerted_leader(index, unit_id, due_by, person) if role is DutyRole.OFFICER else None,
        due_by=due_by,
        municipal_duty_room=duty_room,
    )


def _alerted_leader(index: RosterIndex, unit_id: str, due_by: datetime, officer: Person) -> Person:
    leader_id = _leader_at(index, unit_id, due_by)
    # With no leader known (the unit left the roster, or its leader's seat is a gap), the city's duty room is the
    # one to wake: the alert must go out to somebody.
    return index.person(leader_id) if leader_id is not None else index.municipal_duty_room or officer


def _leader_at(index: RosterIndex, unit_id: str, at: datetime) -> str | None:
    if unit_id not in index.units:
        return None
    return index.on_duty(unit_id, at).leader.person_id


REMIND_FROM_MONTH = 11
"""Next year's holidays are asked for from 1 November: the State Council publishes them in the autumn."""


def estimated_years_ahead(index: RosterIndex, now: datetime) -> list[int]:
    """This year, and from 1 November next year, when their holidays are only estimated."""
    local = now.astimezone(LOCAL_TZ).date()
    years = [local.year, local.year + 1] if local.month >= REMIND_FROM_MONTH else [local.year]
    return [year for year in years if index.calendar.source(year) is HolidaySource.ESTIMATED]


def holidays_reminders(index: RosterIndex, year: int) -> list[SendSms]:
    """The SMS asking the city's duty room and the roster's administrators to enter `year`'s official holidays."""
    city = next((each.unit for each in index.roster.units if each.unit.kind is UnitKind.MUNICIPAL_BUREAU), None)
    if city is None:
        return []
    keepers = [index.person(person_id) for person_id in index.roster.administrators]
    if index.municipal_duty_room is not None:
        keepers.insert(0, index.municipal_duty_room)
    text = (
        f"【值班系统】{year}年节假日安排尚未录入，值班表按法定节假日估算（调休上班日未知）。"
        f"国务院办公厅通知发布后请录入节假日文件，并用 dutywatch roster check 校验"
    )
    phones = dict.fromkeys(person.phone for person in keepers)
    return [SendSms(unit_id=city.id, to=phone, text=text, reason=f"holidays-estimated:{year}") for phone in phones]
