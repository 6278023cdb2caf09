"""A round's result, by SMS, HTTP or `rounds.intake`: once per round; hazards become rectification items, and a
hazard or a person that endangers life becomes an incident on `incident.intake` at once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from schemas.incident import ReportIncident
from schemas.rounds import HazardClass
from schemas.values import IncidentType, Origin, Severity
from services.rounds.domain import Hazard, PersonFound, Round, RoundState, incident_for, read_hazard
from services.rounds.handlers.common import Rules, UnknownRecord, on_duty
from services.rounds.ports import Ports

__all__ = ["HazardIn", "Reported", "RoundRefused", "RoundReport", "on_round_report", "round_by_code"]

RECENT_CODES = 20


class RoundRefused(ValueError):
    """The round cannot take a report now (it is not due yet)."""


@dataclass(frozen=True)
class HazardIn:
    description: str
    hazard_class: HazardClass | None = None


@dataclass(frozen=True)
class RoundReport:
    by: str
    results: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""
    hazards: list[HazardIn] = field(default_factory=list)
    persons: list[PersonFound] = field(default_factory=list)


@dataclass(frozen=True)
class Reported:
    round: Round
    first: bool
    hazards: list[Hazard] = field(default_factory=list)
    incidents: int = 0


async def round_by_code(ports: Ports, code: str, unit_id: str | None) -> Round:
    """The round awaiting its report under this code, else the latest that had it (a second report of it)."""
    held = await ports.rounds.find(code=code, units=[unit_id] if unit_id else None, limit=RECENT_CODES)
    waiting = [each for each in held if each.state is RoundState.DUE]
    if not (waiting or held):
        raise UnknownRecord(f"no round has code {code}")
    return (waiting or held)[0]


async def on_round_report(round_: Round, report: RoundReport, ports: Ports, rules: Rules, now: datetime) -> Reported:
    """Record the result once; a second report of the same round changes nothing and says so."""
    if round_.reported:
        return Reported(round_, first=False)
    if round_.state is RoundState.PLANNED:
        raise RoundRefused(f"round {round_.id} is not due until {round_.due_at.isoformat()}")
    results = report.results or [{"item": item, "ok": True, "note": ""} for item in _items(round_, rules)]
    round_.report(now, report.by, results, report.note)
    hazards = [await _hazard(round_, each, report.by, ports, rules, now) for each in report.hazards]
    round_.hazard_ids = [hazard.id for hazard in hazards]
    incidents = sum(hazard.incident_type is not None for hazard in hazards)
    for number, person in enumerate(report.persons):
        incidents += await _person(round_, number, person, report.by, ports, now)
    await ports.rounds.save(round_)
    return Reported(round_, first=True, hazards=hazards, incidents=incidents)


def _items(round_: Round, rules: Rules) -> tuple[str, ...]:
    plan = rules.book.plan(round_.plan_id)
    return plan.checked_items if plan is not None else ()


async def _hazard(round_: Round, found: HazardIn, by: str, ports: Ports, rules: Rules, now: datetime) -> Hazard:
    reading = read_hazard(found.description)
    hazard_class = found.hazard_class or reading.hazard_class
    owner = round_.assignee or (await on_duty(ports, round_.unit_id, now)).officer
    hazard = Hazard(
        id=f"hz-{uuid.uuid4().hex[:12]}",
        unit_id=round_.unit_id,
        round_id=round_.id,
        description=found.description,
        hazard_class=hazard_class,
        found_at=now,
        found_by=by,
        owner=owner,
        deadline=rules.hazards.deadline(hazard_class, now),
        incident_type=reading.endangers,
    )
    await ports.hazards.add(hazard)
    if reading.endangers is not None:
        summary = f"{round_.title}发现危及生命的隐患：{found.description}"
        danger = _Danger(reading.endangers, Severity.IV, found.description, summary, hazard.id)
        await _open_incident(ports, round_, danger, by, now)
    return hazard


async def _person(round_: Round, number: int, person: PersonFound, by: str, ports: Ports, now: datetime) -> int:
    opens = incident_for(person)
    round_.persons.append(
        {
            "description": person.description,
            "location": person.location,
            "action": person.action.value,
            "risks": sorted(person.risks),
            "incident_type": opens[0].value if opens else None,
            "found_at": now.isoformat(),
        }
    )
    if opens is None:
        return 0
    summary = f"{round_.title}发现：{person.description}（{'、'.join(sorted(person.risks))}），已{person.action.label}"
    danger = _Danger(opens[0], opens[1], person.location, summary, f"{round_.id}/person-{number}")
    await _open_incident(ports, round_, danger, by, now)
    return 1


@dataclass(frozen=True)
class _Danger:
    kind: IncidentType
    severity: Severity
    location: str
    summary: str
    external_id: str


async def _open_incident(ports: Ports, round_: Round, danger: _Danger, by: str, now: datetime) -> None:
    """The incident's one-hour first-report clock runs from now, when the danger was found."""
    command = ReportIncident(
        unit_id=round_.unit_id,
        type=danger.kind,
        severity=danger.severity,
        occurred_at=now,
        location=danger.location[:200],
        summary=danger.summary[:2000],
        reporter=by[:100],
        external_id=danger.external_id[:100],
        origin=Origin.UNIT,
    )
    await ports.outgoing.publish(command, round_.id)
