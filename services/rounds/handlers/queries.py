"""Reading: coverage for a period (不漏一户: households not visited, checkpoints not patrolled)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.rounds.domain import Plan, RoundKind, RoundState
from services.rounds.handlers.common import Rules
from services.rounds.ports import Ports

__all__ = ["PlanCoverage", "coverage"]

COVERED_KINDS = (RoundKind.HOME_VISIT, RoundKind.DAILY_ROUND, RoundKind.STREET_PATROL)
ROUNDS_LIMIT = 100_000


@dataclass(frozen=True)
class PlanCoverage:
    plan_id: str
    unit_id: str
    kind: RoundKind
    title: str
    rounds_due: int
    rounds_reported: int
    rounds_missed: int
    items: tuple[str, ...]
    not_covered: tuple[str, ...]


async def coverage(
    ports: Ports, rules: Rules, units: list[str] | None, start: datetime, end: datetime
) -> list[PlanCoverage]:
    """Per plan of the units (None: all): which of its households, checkpoints or hotspots no reported round of the
    period found in order or visited."""
    plans = [
        plan for plan in rules.book.plans if plan.kind in COVERED_KINDS and (units is None or plan.unit_id in units)
    ]
    return [await _of_plan(ports, plan, start, end) for plan in plans]


async def _of_plan(ports: Ports, plan: Plan, start: datetime, end: datetime) -> PlanCoverage:
    rounds = [
        each
        for each in await ports.rounds.find(units=[plan.unit_id], since=start, until=end, limit=ROUNDS_LIMIT)
        if each.plan_id == plan.id and each.state is not RoundState.PLANNED
    ]
    visited = {result["item"] for each in rounds if each.reported for result in each.results}
    return PlanCoverage(
        plan_id=plan.id,
        unit_id=plan.unit_id,
        kind=plan.kind,
        title=plan.title,
        rounds_due=len(rounds),
        rounds_reported=sum(each.reported for each in rounds),
        rounds_missed=sum(each.state is RoundState.MISSED for each in rounds),
        items=plan.checked_items,
        not_covered=tuple(item for item in plan.checked_items if item not in visited),
    )
