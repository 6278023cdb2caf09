"""The plans file's entries as pydantic models: structure and types only; meaning is checked in plans_file."""

from __future__ import annotations

from datetime import date, time
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from schemas.values import UnitId
from services.rounds.domain import OnHoliday, RoundKind

__all__ = ["AssigneeEntry", "HotspotEntry", "HouseholdEntry", "PlanEntry", "PlansDocument"]


def _clock_time(value: Any) -> Any:
    # YAML 1.1 reads an unquoted 08:30 as the base-60 integer 510; read it back as the time it was.
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return time(value // 60, value % 60)
    return value


ClockTime = Annotated[time, BeforeValidator(_clock_time)]


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HouseholdEntry(_Entry):
    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=64)
    group: str = Field(min_length=1, max_length=32, description="特困供养, 留守儿童, 留守老人, 留守妇女 …")
    address: str = Field(min_length=1, max_length=200)


class HotspotEntry(_Entry):
    name: str = Field(min_length=1, max_length=100)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)


class AssigneeEntry(_Entry):
    name: str = Field(min_length=1, max_length=64)
    phone: str | int


class PlanEntry(_Entry):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")
    unit: UnitId
    kind: RoundKind
    title: str | None = Field(default=None, min_length=1, max_length=40)
    times: list[ClockTime] | None = None
    every_minutes: int | None = Field(default=None, ge=1, le=24 * 60)
    every_days: int | None = Field(default=None, ge=1, le=366)
    weekday: int | None = Field(default=None, ge=1, le=7, description="1 Monday … 7 Sunday.")
    at: ClockTime = time(9, 0)
    anchor: date = date(2026, 1, 1)
    window_minutes: int | None = Field(default=None, ge=1, le=14 * 24 * 60)
    on_holiday: OnHoliday | None = None
    cold_wave_times: list[ClockTime] = Field(default_factory=list)
    cold_wave_every_days: int | None = Field(default=None, ge=1, le=366)
    checklist: list[str] | None = None
    checkpoints: list[str] | None = None
    hotspots: list[HotspotEntry] | None = None
    vehicle: str | None = Field(default=None, max_length=40)
    households: list[HouseholdEntry] | None = None
    assignees: list[AssigneeEntry] = Field(default_factory=list, description="Named people; else the officer on duty.")


class PlansDocument(_Entry):
    areas: dict[UnitId, list[str | int]] = Field(default_factory=dict)
    plans: list[Any] = Field(default_factory=list)
