"""The accountability figures (追责问责), per unit or per person on duty, and the ranking of units (通报排名).

Per line: incidents, 首报 on time / late (迟报) / missing (deadline passed, none filed), incidents another
source told us of (not the unit itself), concealment flags (漏报/瞒报 candidates), missed check-ins, median
time to acknowledge (from intake) and to 首报 (from the event).
A person's lines are as officer and as leader of the incidents assigned to them at intake; their missed
check-ins are those of their shifts in the same role.

The score ranks units (README, "Accountability"): 100, less 5 per late 首报, 15 per missing one, 20 per
concealment flag and 2 per missed check-in, never below 0. Ties go to the faster median time to 首报, then the
unit id. Rank 1 is the best.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from statistics import median

from schemas.duty import DutyRole
from schemas.values import Origin, Person
from services.incident.domain.model import Incident

__all__ = ["AccountBy", "MissedCheckIn", "UnitAccount", "account", "score"]

PENALTIES = {"late": 5, "missing": 15, "concealment": 20, "missed_check_in": 2}


class AccountBy(StrEnum):
    UNIT = "unit"
    PERSON = "person"


@dataclass(frozen=True)
class MissedCheckIn:
    """An officer or a leader who did not check in for a shift in time (from duty.check_in_missed)."""

    shift_id: str
    unit_id: str
    role: DutyRole
    person: Person
    due_by: datetime


@dataclass(frozen=True)
class UnitAccount:
    """One line: a unit, or a person in one role (`role` officer or leader) at one unit."""

    unit_id: str
    incidents: int
    acknowledged: int
    median_to_acknowledge: timedelta | None
    worst_to_acknowledge: timedelta | None
    median_to_first_report: timedelta | None
    late_first_reports: int
    missing_first_reports: int
    on_time_first_reports: int = 0
    from_other_sources: int = 0
    concealment_flags: int = 0
    missed_check_ins: int = 0
    person_id: str | None = None
    name: str | None = None
    role: str = "unit"
    score: int = 100
    rank: int | None = None


Key = tuple[str, str | None, str | None, str]  # unit, person id, name, role


def account(
    incidents: Iterable[Incident],
    now: datetime,
    missed: Iterable[MissedCheckIn] = (),
    by: AccountBy = AccountBy.UNIT,
) -> list[UnitAccount]:
    """Lines sorted by unit (and person); units are ranked, persons are not. A duplicate merged into another
    incident does not count."""
    grouped: dict[Key, list[Incident]] = {}
    for incident in incidents:
        if incident.merged_into is not None:
            continue
        for key in _keys(incident, by):
            grouped.setdefault(key, []).append(incident)
    misses: dict[Key, int] = {}
    for each in missed:
        key = _missed_key(each, by)
        misses[key] = misses.get(key, 0) + 1
    keys = sorted(grouped.keys() | misses.keys(), key=_order)
    lines = [_line(key, grouped.get(key, []), misses.get(key, 0), now) for key in keys]
    return _ranked(lines) if by is AccountBy.UNIT else lines


def score(line: UnitAccount) -> int:
    lost = (
        PENALTIES["late"] * line.late_first_reports
        + PENALTIES["missing"] * line.missing_first_reports
        + PENALTIES["concealment"] * line.concealment_flags
        + PENALTIES["missed_check_in"] * line.missed_check_ins
    )
    return max(100 - lost, 0)


def _order(key: Key) -> tuple[str, str, str]:
    return key[0], key[1] or "", key[3]


def _keys(incident: Incident, by: AccountBy) -> list[Key]:
    if by is AccountBy.UNIT:
        return [(incident.unit_id, None, None, "unit")]
    roles = (("officer", incident.officer), ("leader", incident.leader))
    return [(incident.unit_id, person.id, person.name, role) for role, person in roles if person is not None]


def _missed_key(missed: MissedCheckIn, by: AccountBy) -> Key:
    if by is AccountBy.UNIT:
        return (missed.unit_id, None, None, "unit")
    return (missed.unit_id, missed.person.id, missed.person.name, missed.role.value)


def _line(key: Key, incidents: list[Incident], missed_check_ins: int, now: datetime) -> UnitAccount:
    unit_id, person_id, name, role = key
    to_ack = [each.acknowledged_at - each.reported_at for each in incidents if each.acknowledged_at is not None]
    to_first = [each.first_reported_at - each.occurred_at for each in incidents if each.first_reported_at is not None]
    filed = [each for each in incidents if each.first_reported_at is not None]
    line = UnitAccount(
        unit_id=unit_id,
        incidents=len(incidents),
        acknowledged=len(to_ack),
        median_to_acknowledge=_median(to_ack),
        worst_to_acknowledge=max(to_ack, default=None),
        median_to_first_report=_median(to_first),
        late_first_reports=sum(1 for each in filed if each.late),
        missing_first_reports=sum(1 for each in incidents if _missing(each, now)),
        on_time_first_reports=sum(1 for each in filed if not each.late),
        from_other_sources=sum(1 for each in incidents if each.origin is not Origin.UNIT),
        concealment_flags=sum(1 for each in incidents if each.concealment is not None),
        missed_check_ins=missed_check_ins,
        person_id=person_id,
        name=name,
        role=role,
    )
    return replace(line, score=score(line))


def _missing(incident: Incident, now: datetime) -> bool:
    return incident.first_reported_at is None and incident.first_report_due_at <= now


def _ranked(lines: list[UnitAccount]) -> list[UnitAccount]:
    """Rank units by score, then by the faster median to 首报; returned in unit order."""
    ranks = {line.unit_id: rank for rank, line in enumerate(sorted(lines, key=_rank_order), start=1)}
    return [replace(line, rank=ranks[line.unit_id]) for line in lines]


def _rank_order(line: UnitAccount) -> tuple[int, float, str]:
    to_first = line.median_to_first_report
    return -line.score, to_first.total_seconds() if to_first is not None else float("inf"), line.unit_id


def _median(durations: list[timedelta]) -> timedelta | None:
    if not durations:
        return None
    return timedelta(seconds=median(each.total_seconds() for each in durations))
