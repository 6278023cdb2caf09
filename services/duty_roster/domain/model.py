"""The roster as values: units, people, shift patterns, rotations, overrides and swaps."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from schemas.values import Person, Recipient, UnitKind
from services.local_time import LOCAL_TZ

__all__ = [
    "LOCAL_TZ",
    "Override",
    "Role",
    "Roster",
    "Rotation",
    "ShiftPattern",
    "Swap",
    "Unit",
    "UnitRoster",
    "local_instant",
]


def local_instant(day: date, at: time) -> datetime:
    """The UTC instant of a wall-clock time in Asia/Shanghai."""
    return datetime.combine(day, at, LOCAL_TZ).astimezone(UTC)


class Role(StrEnum):
    OFFICER = "officer"
    LEADER = "leader"

    @property
    def label(self) -> str:
        return "值班员" if self is Role.OFFICER else "带班领导"


@dataclass(frozen=True)
class Unit:
    """A unit's directory entry: what the others need to route reports and alerts."""

    id: str
    name: str
    kind: UnitKind
    parent_id: str | None = None
    duty_room: Person | None = None
    recipients: tuple[Recipient, ...] = ()
    line: int | None = None


@dataclass(frozen=True)
class ShiftPattern:
    """Shifts of `hours` hours back to back, the first one handed over on `start` at `handover` local time."""

    start: date
    handover: time = time(8, 30)
    hours: int = 24
    length: timedelta = field(init=False, repr=False, compare=False)
    anchor: datetime = field(init=False, repr=False, compare=False)
    """The first handover, in UTC; every shift start is `anchor + n * length` (Asia/Shanghai keeps no DST)."""

    def __post_init__(self) -> None:
        # Computed once: lookups and plans do this arithmetic hundreds of thousands of times.
        object.__setattr__(self, "length", timedelta(hours=self.hours))
        object.__setattr__(self, "anchor", local_instant(self.start, self.handover))

    def index_at(self, at: datetime) -> int:
        """The number of the shift running at `at` (negative before the pattern starts)."""
        return (at - self.anchor) // self.length

    def starts_at(self, index: int) -> datetime:
        return self.anchor + index * self.length


@dataclass(frozen=True)
class Rotation:
    """People taking turns, one step per shift; None is a vacant slot. `lines` are their lines in the file."""

    people: tuple[str | None, ...]
    lines: tuple[int | None, ...] = ()

    def at(self, step: int) -> tuple[str | None, int | None]:
        if not self.people:
            return None, None
        slot = step % len(self.people)
        return self.people[slot], self.lines[slot] if slot < len(self.lines) else None


@dataclass(frozen=True)
class UnitRoster:
    """One unit's duty arrangement: officers and leaders rotate independently; holiday pools on festival days."""

    unit: Unit
    pattern: ShiftPattern
    officers: Rotation
    leaders: Rotation
    holiday_officers: Rotation | None = None
    holiday_leaders: Rotation | None = None


@dataclass(frozen=True)
class Override:
    """`by` takes the role in [starts_at, ends_at): for anyone, or only where `replaces` was planned (leave)."""

    unit_id: str
    role: Role
    by: str
    starts_at: datetime
    ends_at: datetime
    reason: str
    entered_by: str
    entered_at: datetime
    replaces: str | None = None
    line: int | None = None

    def covers(self, at: datetime, planned: str | None) -> bool:
        return self.starts_at <= at < self.ends_at and (self.replaces is None or self.replaces == planned)


@dataclass(frozen=True)
class Swap:
    """The people of one role in two shifts (given by their start instants) trade places."""

    unit_id: str
    role: Role
    first: datetime
    second: datetime
    reason: str
    entered_by: str
    entered_at: datetime
    line: int | None = None


@dataclass(frozen=True)
class Roster:
    """Everything the roster file says; it is checked over `planned_from`..`planned_until` (local dates)."""

    people: Mapping[str, Person]
    units: tuple[UnitRoster, ...]
    planned_from: date
    planned_until: date
    overrides: tuple[Override, ...] = ()
    swaps: tuple[Swap, ...] = ()
    administrators: tuple[str, ...] = ()
    """Who keeps the roster and the holiday file: reminded, with the city's duty room, of an estimated year."""

    @property
    def planned_range(self) -> tuple[datetime, datetime]:
        """From the start of `planned_from` to the end of `planned_until`: shifts handed over in it are planned."""
        return local_instant(self.planned_from, time()), local_instant(self.planned_until + timedelta(days=1), time())
