"""What the roster answers, over HTTP and as `--json`: who is on duty, and a month's wall plan."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from schemas.values import HolidaySource, Person, PersonId
from services.duty_roster.domain import LOCAL_TZ, DayKind, OnDuty, Override, PlanRow, Role, RosterIndex
from services.duty_roster.domain.lookup import Assignment

__all__ = ["OnDutyView", "OverrideRequest", "PlanRowView", "PlanView", "UnitView", "on_duty_view", "plan_view"]

WEEKDAYS = "一二三四五六日"


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class OnDutyView(_View):
    unit_id: str
    unit_name: str
    shift_id: str = Field(description="unit id and start instant, as in ShiftStarted.")
    starts_at: datetime
    ends_at: datetime
    officer: Person | None = Field(description="The on-duty officer (值班员); None is a gap.")
    leader: Person | None = Field(description="The duty leader (带班领导); None is a gap.")
    notes: list[str] = Field(default_factory=list, description="Overrides in force, with their reasons.")
    holidays: HolidaySource = Field(
        description="official: the published holiday schedule; estimated: computed statutory holidays, the year's "
        "schedule (and its make-up working days) not yet entered."
    )


class PlanRowView(_View):
    day: date = Field(description="The local date the shift starts.")
    weekday: str = Field(description="星期一 … 星期日.")
    day_kind: DayKind
    mark: str = Field(description="休 holiday, 班 make-up working day, 周末 weekend, empty otherwise.")
    festival: str | None
    starts_at: datetime
    ends_at: datetime
    officer: Person | None
    leader: Person | None
    notes: list[str] = Field(default_factory=list, description="Overrides changing hands inside the shift.")


class PlanView(_View):
    unit_id: str
    unit_name: str
    month: str
    rows: list[PlanRowView]
    holidays: HolidaySource = Field(
        description="official: the published holiday schedule; estimated: computed statutory holidays, the year's "
        "schedule (and its make-up working days) not yet entered."
    )


class OverrideRequest(BaseModel):
    """Somebody takes a role for a period (leave, sickness). Times without an offset are Asia/Shanghai."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: Role = Field(description="officer (值班员) or leader (带班领导).")
    by: PersonId = Field(description="Who takes the duty.")
    replaces: PersonId | None = Field(default=None, description="Only where this person was planned (their leave).")
    starts_at: datetime
    ends_at: datetime
    reason: str = Field(min_length=1, max_length=500, description="Why, for the record: 病假, 事假, ….")
    entered_by: str = Field(min_length=1, max_length=200, description="Who entered it, for the record.")

    def to_override(self, unit_id: str, now: datetime, entered_with: str | None = None) -> Override:
        """The override; entered over HTTP, its record names the token as well as the person."""
        return Override(
            unit_id=unit_id,
            role=self.role,
            by=self.by,
            replaces=self.replaces,
            starts_at=_aware(self.starts_at),
            ends_at=_aware(self.ends_at),
            reason=self.reason,
            entered_by=self.entered_by if entered_with is None else f"{self.entered_by} (token {entered_with})",
            entered_at=now,
        )


def _aware(instant: datetime) -> datetime:
    return instant if instant.tzinfo else instant.replace(tzinfo=LOCAL_TZ)


class UnitView(_View):
    id: str
    name: str
    kind: str
    parent_id: str | None


def _person(index: RosterIndex, assignment: Assignment) -> Person | None:
    return None if assignment.person_id is None else index.person(assignment.person_id)


def _note(index: RosterIndex, role: Role, assignment: Assignment) -> list[str]:
    override = assignment.override
    if override is None:
        return []
    return [f"{role.label} {index.person(override.by).name}: {override.reason} (entered by {override.entered_by})"]


def on_duty_view(index: RosterIndex, duty: OnDuty) -> OnDutyView:
    return OnDutyView(
        unit_id=duty.shift.unit_id,
        unit_name=index.unit(duty.shift.unit_id).unit.name,
        shift_id=duty.shift.shift_id,
        starts_at=duty.shift.starts_at,
        ends_at=duty.shift.ends_at,
        officer=_person(index, duty.officer),
        leader=_person(index, duty.leader),
        notes=_note(index, Role.OFFICER, duty.officer) + _note(index, Role.LEADER, duty.leader),
        holidays=duty.holidays,
    )


def plan_view(index: RosterIndex, unit_id: str, month: str, rows: list[PlanRow]) -> PlanView:
    return PlanView(
        unit_id=unit_id,
        unit_name=index.unit(unit_id).unit.name,
        month=month,
        rows=[_plan_row(index, row) for row in rows],
        holidays=index.calendar.source(int(month[:4])),
    )


def _plan_row(index: RosterIndex, row: PlanRow) -> PlanRowView:
    local_start = row.shift.starts_at.astimezone(LOCAL_TZ)
    notes = [
        f"{override.role.label} {index.person(override.by).name} "
        f"{override.starts_at.astimezone(LOCAL_TZ):%m-%d %H:%M}–{override.ends_at.astimezone(LOCAL_TZ):%m-%d %H:%M}: "
        f"{override.reason}"
        for override in row.changes
    ]
    return PlanRowView(
        day=local_start.date(),
        weekday="星期" + WEEKDAYS[local_start.weekday()],
        day_kind=row.day_kind,
        mark=row.day_kind.mark,
        festival=row.festival,
        starts_at=row.shift.starts_at,
        ends_at=row.shift.ends_at,
        officer=_person(index, row.officer),
        leader=_person(index, row.leader),
        notes=notes + _note(index, Role.OFFICER, row.officer) + _note(index, Role.LEADER, row.leader),
    )
