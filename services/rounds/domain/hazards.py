"""Hazards (隐患) found on a round become rectification items: an owner, a deadline by class, an escalation when
overdue, a closing note. Classes and the words that set them are data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from schemas.rounds import HazardClass
from schemas.values import IncidentType, Person

__all__ = ["Hazard", "HazardPolicy", "HazardState", "Reading", "read_hazard"]

# Words an officer writes that put a hazard in a class; the first class whose word appears wins.
CLASS_WORDS: tuple[tuple[HazardClass, tuple[str, ...]], ...] = (
    (HazardClass.IMMEDIATE, ("当即", "立即", "马上")),
    (HazardClass.WEEK, ("7天", "七天", "一周")),
    (HazardClass.DAY, ("24小时", "当天", "今日")),
)
# Fire and electricity are fixed at once (the notice: 责成当即整改, 确保用火用电安全).
AT_ONCE_WORDS = ("电线", "电暖", "私拉", "插座", "明火", "生火", "烟头", "煤炉", "液化气", "燃气", "消防通道", "灭火器")
# A hazard that endangers life now is also an incident, with its one-hour clock.
LIFE_WORDS: tuple[tuple[IncidentType, tuple[str, ...]], ...] = (
    (IncidentType.FIRE, ("起火", "着火", "冒烟", "火情")),
    (IncidentType.CO_POISONING, ("一氧化碳", "煤气中毒", "煤气泄漏", "头晕呕吐")),
    (IncidentType.ACCIDENTAL_INJURY, ("倒塌", "坍塌", "被困", "昏迷", "危房")),
    (IncidentType.FOOD_POISONING, ("食物中毒", "集体腹泻")),
    (IncidentType.COLD_EXPOSURE, ("冻伤", "失温")),
)


class HazardState:
    OPEN = "open"
    OVERDUE = "overdue"
    CLOSED = "closed"


@dataclass(frozen=True)
class Reading:
    """How a hazard's description is read: its class, and the incident type when it endangers life."""

    hazard_class: HazardClass
    endangers: IncidentType | None


def read_hazard(description: str) -> Reading:
    endangers = next((kind for kind, words in LIFE_WORDS if any(word in description for word in words)), None)
    named = next((klass for klass, words in CLASS_WORDS if any(word in description for word in words)), None)
    if endangers is not None or any(word in description for word in AT_ONCE_WORDS):
        return Reading(named or HazardClass.IMMEDIATE, endangers)
    return Reading(named or HazardClass.DAY, None)


@dataclass(frozen=True)
class HazardPolicy:
    """How long each class has: 当即 is a few hours to make it safe, then 24 hours and 7 days."""

    limits: dict[HazardClass, timedelta] = field(
        default_factory=lambda: {
            HazardClass.IMMEDIATE: timedelta(hours=2),
            HazardClass.DAY: timedelta(hours=24),
            HazardClass.WEEK: timedelta(days=7),
        }
    )

    def deadline(self, hazard_class: HazardClass, found_at: datetime) -> datetime:
        return found_at + self.limits[hazard_class]


@dataclass
class Hazard:
    id: str
    unit_id: str
    round_id: str | None
    description: str
    hazard_class: HazardClass
    found_at: datetime
    found_by: str
    owner: Person | None
    deadline: datetime
    incident_type: IncidentType | None = None
    state: str = HazardState.OPEN
    escalated_at: datetime | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None
    note: str | None = None

    @property
    def next_at(self) -> datetime | None:
        """Its timer: the deadline, until it is escalated or closed."""
        return self.deadline if self.state == HazardState.OPEN else None

    @property
    def is_open(self) -> bool:
        return self.state != HazardState.CLOSED

    def overdue(self, now: datetime) -> bool:
        """Newly overdue: open, past its deadline, not escalated yet."""
        return self.state == HazardState.OPEN and now >= self.deadline

    def escalate(self, now: datetime) -> None:
        self.state, self.escalated_at = HazardState.OVERDUE, now

    def close(self, now: datetime, by: str, note: str) -> None:
        self.state, self.closed_at, self.closed_by, self.note = HazardState.CLOSED, now, by, note
