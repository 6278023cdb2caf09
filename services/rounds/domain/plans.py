"""Plans: what a unit must do on a schedule (inspections, daily rounds, street patrols, home visits)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from schemas.values import Person

__all__ = [
    "LOCAL_TZ",
    "NOTICE_CHECKLIST",
    "Hotspot",
    "Household",
    "OnHoliday",
    "Plan",
    "PlanBook",
    "RoundKind",
    "Schedule",
]

LOCAL_TZ = ZoneInfo("Asia/Shanghai")

# The winter notice's items for welfare and rescue institutions (三(二)): its default inspection checklist.
NOTICE_CHECKLIST = (
    "防火灾",
    "防雨雪",
    "防一氧化碳中毒",
    "防食物中毒",
    "集中取暖，无私自生火取暖",
    "用火用电安全",
    "值班值守",
    "请销假和出入登记",
    "御寒物资和取暖设备",
)


class RoundKind(StrEnum):
    INSPECTION = "inspection"
    DAILY_ROUND = "daily_round"
    STREET_PATROL = "street_patrol"
    HOME_VISIT = "home_visit"

    @property
    def label(self) -> str:
        return {
            "inspection": "安全检查",
            "daily_round": "日常巡查",
            "street_patrol": "街面巡查",
            "home_visit": "走访",
        }[self.value]


class OnHoliday(StrEnum):
    """What a date-based round does when its day is a public holiday."""

    KEEP = "keep"
    SKIP = "skip"
    NEXT_WORKDAY = "next_workday"


@dataclass(frozen=True)
class Household:
    id: str
    name: str
    group: str
    address: str


@dataclass(frozen=True)
class Hotspot:
    name: str
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class Schedule:
    """When rounds fall due, in Asia/Shanghai wall-clock time. One of: `times` each day, every `every_minutes`
    from midnight, or on days (`weekday` each week, or every `every_days` from `anchor`) at `at`."""

    window: timedelta
    times: tuple[time, ...] = ()
    every_minutes: int | None = None
    every_days: int | None = None
    weekday: int | None = None
    at: time = time(9, 0)
    anchor: date = date(2026, 1, 1)
    on_holiday: OnHoliday = OnHoliday.KEEP
    cold_wave_times: tuple[time, ...] = ()
    cold_wave_every_days: int | None = None

    @property
    def by_day(self) -> bool:
        return self.every_days is not None or self.weekday is not None


@dataclass(frozen=True)
class Plan:
    id: str
    unit_id: str
    kind: RoundKind
    title: str
    schedule: Schedule
    items: tuple[str, ...] = ()
    households: tuple[Household, ...] = ()
    hotspots: tuple[Hotspot, ...] = ()
    vehicle: str | None = None
    assignees: tuple[Person, ...] = ()
    line: int = 0

    @property
    def checked_items(self) -> tuple[str, ...]:
        """What a report of this plan's round answers for: checklist items, checkpoints, hotspots or households."""
        if self.kind is RoundKind.HOME_VISIT:
            return tuple(household.id for household in self.households)
        if self.kind is RoundKind.STREET_PATROL:
            return tuple(hotspot.name for hotspot in self.hotspots)
        return self.items


@dataclass(frozen=True)
class PlanBook:
    """Every plan, and each unit's area codes (行政区划代码) and names, which weather warnings are matched on."""

    plans: tuple[Plan, ...] = ()
    areas: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def plan(self, plan_id: str) -> Plan | None:
        return next((plan for plan in self.plans if plan.id == plan_id), None)

    def of_unit(self, unit_id: str) -> list[Plan]:
        return [plan for plan in self.plans if plan.unit_id == unit_id]
