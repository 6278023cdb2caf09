"""Who is on duty: shifts computed from pattern, rotation step, swaps and overrides, never materialised."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from schemas.values import HolidaySource, Person, UnitKind
from services.duty_roster.domain.calendar import HolidayCalendar
from services.duty_roster.domain.model import LOCAL_TZ, Override, Role, Roster, Swap, UnitRoster

__all__ = ["Assignment", "OnDuty", "RosterIndex", "Shift", "UnknownUnitError"]


class UnknownUnitError(KeyError):
    def __init__(self, unit_id: str) -> None:
        super().__init__(unit_id)
        self.unit_id = unit_id

    def __str__(self) -> str:
        return f"no unit {self.unit_id!r} in the roster"


@dataclass(frozen=True, slots=True)
class Shift:
    unit_id: str
    index: int
    starts_at: datetime
    ends_at: datetime
    local_day: date = field(init=False, compare=False)
    """The local (Asia/Shanghai) date the shift starts on: the day it belongs to on the wall plan."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "local_day", self.starts_at.astimezone(LOCAL_TZ).date())

    @property
    def shift_id(self) -> str:
        return f"{self.unit_id}@{self.starts_at.isoformat()}"


@dataclass(frozen=True, slots=True)
class Assignment:
    """Who holds a role (None: nobody, a gap), the file line that put them there, and the override if any."""

    person_id: str | None
    line: int | None = None
    override: Override | None = None


@dataclass(frozen=True)
class OnDuty:
    shift: Shift
    officer: Assignment
    leader: Assignment
    holidays: HolidaySource = HolidaySource.OFFICIAL
    """Whether the holiday schedule behind this answer is the published one or an estimate."""

    def assignment(self, role: Role) -> Assignment:
        return self.officer if role is Role.OFFICER else self.leader


NOBODY = Assignment(None)


class RosterIndex:
    """A roster prepared for O(1) shift arithmetic and O(log n) override lookup per unit and role."""

    def __init__(self, roster: Roster, calendar: HolidayCalendar) -> None:
        self.roster = roster
        self.calendar = calendar
        self.units = {each.unit.id: each for each in roster.units}
        self._overrides = _overrides_by_role(roster.overrides)
        self._override_starts = {key: [each.starts_at for each in items] for key, items in self._overrides.items()}
        self._latest_ends = {key: _running_max_ends(items) for key, items in self._overrides.items()}
        self._edges = {key: _edges(items) for key, items in self._overrides.items()}
        self._units_with_overrides = {unit_id for unit_id, _ in self._overrides}
        self._unit_edges = {
            unit_id: _edges([each for role in Role for each in self._overrides.get((unit_id, role), ())])
            for unit_id in self._units_with_overrides
        }
        self._swaps = self._swap_partners(roster.swaps)
        self._units_with_swaps = {unit_id for unit_id, _, _ in self._swaps}

    def with_overrides(self, extra: Sequence[Override]) -> RosterIndex:
        """The same roster with more overrides (those entered after the file was imported)."""
        if not extra:
            return self
        return RosterIndex(replace(self.roster, overrides=(*self.roster.overrides, *extra)), self.calendar)

    def unit(self, unit_id: str) -> UnitRoster:
        try:
            return self.units[unit_id]
        except KeyError:
            raise UnknownUnitError(unit_id) from None

    def person(self, person_id: str) -> Person:
        return self.roster.people[person_id]

    @property
    def municipal_duty_room(self) -> Person | None:
        for each in self.roster.units:
            if each.unit.kind is UnitKind.MUNICIPAL_BUREAU and each.unit.duty_room is not None:
                return each.unit.duty_room
        return None

    def shift(self, unit_id: str, index: int) -> Shift:
        pattern = self.unit(unit_id).pattern
        start = pattern.anchor + index * pattern.length
        return Shift(unit_id, index, start, start + pattern.length)

    def shift_at(self, unit_id: str, at: datetime) -> Shift:
        return self.shift(unit_id, self.unit(unit_id).pattern.index_at(at))

    def shifts(self, unit_id: str, start: datetime, end: datetime) -> Iterator[Shift]:
        """Every shift that overlaps [start, end)."""
        pattern = self.unit(unit_id).pattern
        index = pattern.index_at(start)
        begins = pattern.anchor + index * pattern.length
        while begins < end:
            yield Shift(unit_id, index, begins, begins + pattern.length)
            index += 1
            begins += pattern.length

    def planned_shifts(self, unit_id: str) -> Iterator[Shift]:
        """The shifts handed over on the roster's planned days (local dates): the range it is checked over."""
        start, end = self.roster.planned_range
        return (shift for shift in self.shifts(unit_id, start, end) if shift.starts_at >= start)

    def on_duty(self, unit_id: str, at: datetime) -> OnDuty:
        shift = self.shift_at(unit_id, at)
        officer, leader = self.assignment(shift, Role.OFFICER, at), self.assignment(shift, Role.LEADER, at)
        return OnDuty(shift, officer, leader, self.calendar.source(shift.local_day.year))

    def assignment(self, shift: Shift, role: Role, at: datetime) -> Assignment:
        """Who holds `role` at `at` (inside `shift`): the planned person, unless an override covers that instant."""
        planned = self.planned(shift, role)
        if shift.unit_id not in self._units_with_overrides:
            return planned
        override = self._override_at(shift.unit_id, role, at, planned.person_id)
        if override is None:
            return planned
        return Assignment(override.by, override.line, override)

    def planned(self, shift: Shift, role: Role) -> Assignment:
        """The rotation's person for `shift`, after swaps; holiday pools on festival days."""
        if shift.index < 0:
            return NOBODY
        swapped = shift.unit_id in self._units_with_swaps
        partner = self._swaps.get((shift.unit_id, role, shift.index)) if swapped else None
        own = shift if partner is None else self.shift(shift.unit_id, partner[0])
        roster = self.units[shift.unit_id]
        usual, holiday = (
            (roster.officers, roster.holiday_officers)
            if role is Role.OFFICER
            else (roster.leaders, roster.holiday_leaders)
        )
        rotation = holiday if holiday is not None and self.calendar.is_festival(own.local_day) else usual
        person, line = rotation.at(own.index)
        return Assignment(person, line if partner is None else partner[1].line)

    def changes_within(self, shift: Shift) -> tuple[Override, ...]:
        """Overrides of either role that begin or end inside `shift`."""
        edges = self._unit_edges.get(shift.unit_id)
        if edges is None:
            return ()
        instants, overrides = edges
        first, last = bisect.bisect_right(instants, shift.starts_at), bisect.bisect_left(instants, shift.ends_at)
        return tuple(dict.fromkeys(overrides[first:last])) if first < last else ()

    def overrides_within(self, shift: Shift, role: Role) -> list[Override]:
        """Overrides of `role` that begin or end inside `shift`: there the duty changes hands mid-shift."""
        edges = self._edges.get((shift.unit_id, role))
        if not edges:
            return []
        instants, overrides = edges
        first = bisect.bisect_right(instants, shift.starts_at)
        last = bisect.bisect_left(instants, shift.ends_at)
        return list(dict.fromkeys(overrides[first:last]))

    def override_edges(self, shift: Shift) -> list[datetime]:
        """Instants inside `shift` where an override begins or ends, in order."""
        edges = {
            instant
            for role in Role
            for override in self.overrides_within(shift, role)
            for instant in (override.starts_at, override.ends_at)
            if shift.starts_at < instant < shift.ends_at
        }
        return sorted(edges)

    def _override_at(self, unit_id: str, role: Role, at: datetime, planned: str | None) -> Override | None:
        overrides = self._overrides.get((unit_id, role))
        if not overrides:
            return None
        latest_ends = self._latest_ends[(unit_id, role)]
        # Newest first, so the latest-starting override wins; stop once no earlier one can still be running.
        position = bisect.bisect_right(self._override_starts[(unit_id, role)], at) - 1
        while position >= 0 and latest_ends[position] > at:
            if overrides[position].covers(at, planned):
                return overrides[position]
            position -= 1
        return None

    def _swap_partners(self, swaps: tuple[Swap, ...]) -> dict[tuple[str, Role, int], tuple[int, Swap]]:
        partners: dict[tuple[str, Role, int], tuple[int, Swap]] = {}
        for swap in swaps:
            if swap.unit_id not in self.units:
                continue
            pattern = self.units[swap.unit_id].pattern
            first, second = pattern.index_at(swap.first), pattern.index_at(swap.second)
            partners[(swap.unit_id, swap.role, first)] = (second, swap)
            partners[(swap.unit_id, swap.role, second)] = (first, swap)
        return partners


def _overrides_by_role(overrides: tuple[Override, ...]) -> dict[tuple[str, Role], list[Override]]:
    grouped: dict[tuple[str, Role], list[Override]] = defaultdict(list)
    for override in sorted(overrides, key=lambda each: each.starts_at):
        grouped[(override.unit_id, override.role)].append(override)
    return dict(grouped)


def _running_max_ends(overrides: list[Override]) -> list[datetime]:
    """For each position, the latest end among the overrides up to it (sorted by start)."""
    ends: list[datetime] = []
    for override in overrides:
        ends.append(max(ends[-1], override.ends_at) if ends else override.ends_at)
    return ends


def _edges(overrides: list[Override]) -> tuple[list[datetime], list[Override]]:
    """Every start and end instant in order, each with its override."""
    pairs = sorted(
        ((instant, position) for position, each in enumerate(overrides) for instant in (each.starts_at, each.ends_at)),
    )
    return [instant for instant, _ in pairs], [overrides[position] for _, position in pairs]
