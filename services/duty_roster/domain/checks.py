"""Everything wrong with a roster over its planned range, found in one pass, each problem with its file line."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from services.duty_roster.domain.calendar import HolidaySource
from services.duty_roster.domain.lookup import Assignment, RosterIndex
from services.duty_roster.domain.model import LOCAL_TZ, Override, Role, Roster
from services.runtime.yaml_lines import Issue

__all__ = ["Issue", "check_override", "check_roster", "estimated_years"]


@dataclass(frozen=True)
class _Segment:
    """A stretch of one unit's duty during which the officer and leader do not change."""

    unit_id: str
    unit_line: int
    start: datetime
    end: datetime
    officer: Assignment
    leader: Assignment


def check_roster(index: RosterIndex) -> list[Issue]:
    """References, gaps, one person in both roles, and double bookings across units."""
    issues = _reference_issues(index.roster)
    segments = list(_segments(index))
    issues += _gaps(segments) + _both_roles(segments) + _double_bookings(segments)
    return sorted(issues)


def check_override(index: RosterIndex, override: Override) -> list[Issue]:
    """An override entered on its own (not in the file): its references, then the roster with it must check clean."""
    roster = index.roster
    problems = [f"unknown unit {override.unit_id!r}"] if override.unit_id not in index.units else []
    problems += [
        f"unknown person {person!r}"
        for person in (override.by, override.replaces)
        if person is not None and person not in roster.people
    ]
    if override.ends_at <= override.starts_at:
        problems.append("the override ends before it starts")
    if problems:
        return [Issue(0, problem) for problem in problems]
    return check_roster(index)


def _reference_issues(roster: Roster) -> list[Issue]:
    known_units = {each.unit.id for each in roster.units}
    issues = [
        Issue(each.unit.line or 0, f"unit {each.unit.id!r}: unknown parent unit {each.unit.parent_id!r}")
        for each in roster.units
        if each.unit.parent_id is not None and each.unit.parent_id not in known_units
    ]
    for override in roster.overrides:
        if override.unit_id not in known_units:
            issues.append(Issue(override.line or 0, f"override for unknown unit {override.unit_id!r}"))
        if override.ends_at <= override.starts_at:
            issues.append(Issue(override.line or 0, "override ends before it starts"))
    for swap in roster.swaps:
        issues.extend(_swap_issues(roster, swap.unit_id, (swap.first, swap.second), swap.line or 0))
    return issues


def _swap_issues(roster: Roster, unit_id: str, instants: tuple[datetime, datetime], line: int) -> Iterator[Issue]:
    units = {each.unit.id: each for each in roster.units}
    if unit_id not in units:
        yield Issue(line, f"swap for unknown unit {unit_id!r}")
        return
    pattern = units[unit_id].pattern
    for instant in instants:
        if pattern.starts_at(pattern.index_at(instant)) != instant:
            local = instant.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")
            yield Issue(line, f"swap: no shift of {unit_id!r} starts at {local} (handover {pattern.handover:%H:%M})")


def estimated_years(index: RosterIndex) -> list[int]:
    """The planned years whose holidays are only estimated: a warning, never a refusal (someone is always on duty)."""
    roster = index.roster
    years = range(roster.planned_from.year, roster.planned_until.year + 1)
    return [year for year in years if index.calendar.source(year) is HolidaySource.ESTIMATED]


def _segments(index: RosterIndex) -> Iterator[_Segment]:
    for unit_id, roster in index.units.items():
        for shift in index.planned_shifts(unit_id):
            edges = [shift.starts_at, *index.override_edges(shift), shift.ends_at]
            for begin, finish in itertools.pairwise(edges):
                officer = index.assignment(shift, Role.OFFICER, begin)
                leader = index.assignment(shift, Role.LEADER, begin)
                yield _Segment(unit_id, roster.unit.line or 0, begin, finish, officer, leader)


def _local(instant: datetime) -> str:
    return instant.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def _gaps(segments: list[_Segment]) -> list[Issue]:
    found: dict[tuple[str, Role, int], list[_Segment]] = defaultdict(list)
    for segment in segments:
        for role in Role:
            held = segment.officer if role is Role.OFFICER else segment.leader
            if held.person_id is None:
                found[(segment.unit_id, role, held.line or segment.unit_line)].append(segment)
    return [
        Issue(line, f"gap: {unit_id!r} has no {role.value} ({role.label}) from {_local(hits[0].start)}{_more(hits)}")
        for (unit_id, role, line), hits in found.items()
    ]


def _both_roles(segments: list[_Segment]) -> list[Issue]:
    found: dict[tuple[str, str, int], list[_Segment]] = defaultdict(list)
    for segment in segments:
        person = segment.officer.person_id
        if person is not None and person == segment.leader.person_id:
            line = segment.leader.line if segment.leader.override else segment.officer.line
            found[(segment.unit_id, person, line or 0)].append(segment)
    return [
        Issue(line, f"{person!r} is both officer and leader of {unit_id!r} from {_local(hits[0].start)}{_more(hits)}")
        for (unit_id, person, line), hits in found.items()
    ]


def _double_bookings(segments: list[_Segment]) -> list[Issue]:
    duties: dict[str, list[tuple[datetime, datetime, str, int]]] = defaultdict(list)
    for segment in segments:
        for held in (segment.officer, segment.leader):
            if held.person_id is not None:
                duties[held.person_id].append((segment.start, segment.end, segment.unit_id, held.line or 0))
    found: dict[tuple[str, str, str, int], list[datetime]] = defaultdict(list)
    for person, spans in duties.items():
        spans.sort()
        latest_end, latest_unit = spans[0][1], spans[0][2]
        for start, end, unit_id, line in spans[1:]:
            if start < latest_end and unit_id != latest_unit:
                first, second = sorted((latest_unit, unit_id))
                found[(person, first, second, line)].append(start)
            if end > latest_end:
                latest_end, latest_unit = end, unit_id
    return [
        Issue(
            line,
            f"double booking: {person!r} is on duty in {first!r} and {second!r} at once from "
            f"{_local(starts[0])}" + (f" ({len(starts)} times)" if len(starts) > 1 else ""),
        )
        for (person, first, second, line), starts in found.items()
    ]


def _more(hits: list[_Segment]) -> str:
    return f" ({len(hits)} shifts)" if len(hits) > 1 else ""
