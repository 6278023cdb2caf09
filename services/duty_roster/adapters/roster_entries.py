"""The roster file's sections as pydantic models: structure and types only; meaning is checked in the domain."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from schemas.values import PersonId, RecipientRole, UnitId, UnitKind
from services.duty_roster.domain.model import LOCAL_TZ, Role

__all__ = [
    "OverrideEntry",
    "PatternEntry",
    "PersonEntry",
    "PlannedEntry",
    "RecipientEntry",
    "RoomEntry",
    "SwapEntry",
    "UnitEntry",
    "local_datetime",
]


def _clock_time(value: Any) -> Any:
    # YAML 1.1 reads an unquoted 08:30 as the base-60 integer 510; read it back as the time it was.
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return time(value // 60, value % 60)
    return value


def local_datetime(value: date | datetime, at: time = time()) -> datetime:
    """A file's date or wall-clock time (Asia/Shanghai unless it names a zone) as an aware instant."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, at)
    return value if value.tzinfo else value.replace(tzinfo=LOCAL_TZ)


ClockTime = Annotated[time, BeforeValidator(_clock_time)]
Instant = datetime | date


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class PersonEntry(_Entry):
    id: PersonId
    name: str = Field(min_length=1, max_length=64)
    phone: str | int = Field(description="Checked separately, so that a bad number is one problem among others.")


class RoomEntry(_Entry):
    name: str = Field(min_length=1, max_length=64)
    phone: str | int


class RecipientEntry(_Entry):
    """A report recipient's duty room: a number, or several (landline, duty officer's mobile) reached in order."""

    name: str = Field(min_length=1, max_length=64)
    phone: str | int | list[str | int]

    @property
    def phones(self) -> list[str | int]:
        return self.phone if isinstance(self.phone, list) else [self.phone]


class PatternEntry(_Entry):
    start: date = Field(description="The local date of the first handover; the rotations count from it.")
    handover: ClockTime = time(8, 30)
    hours: Literal[24, 12] = Field(default=24, description="24, or 12 for day and night shifts.")


class UnitEntry(_Entry):
    id: UnitId
    name: str = Field(min_length=1, max_length=64)
    kind: UnitKind
    parent: UnitId | None = None
    duty_room: RoomEntry | None = None
    recipients: dict[RecipientRole, RecipientEntry] = Field(default_factory=dict)
    shifts: PatternEntry
    officers: list[PersonId | None]
    leaders: list[PersonId | None]
    holiday_officers: list[PersonId | None] | None = None
    holiday_leaders: list[PersonId | None] | None = None


class OverrideEntry(_Entry):
    unit: UnitId
    role: Role
    by: PersonId = Field(description="Who takes the duty.")
    replaces: PersonId | None = Field(default=None, description="Only where this person was planned (leave).")
    starts: Instant = Field(alias="from")
    ends: Instant = Field(alias="until")
    reason: str = Field(min_length=1)
    entered_by: str = Field(min_length=1)
    entered_at: Instant


class SwapEntry(_Entry):
    unit: UnitId
    role: Role
    first: Instant = Field(description="A shift's start; a date means the shift handed over that day.")
    second: Instant
    reason: str = Field(min_length=1)
    entered_by: str = Field(min_length=1)
    entered_at: Instant


class PlannedEntry(_Entry):
    starts: date = Field(alias="from")
    ends: date = Field(alias="until")
