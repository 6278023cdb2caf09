"""The rounds service's Prometheus metrics, refreshed from its store by a periodic sweep."""

from __future__ import annotations

from typing import Any

from prometheus_client import Gauge
from sqlalchemy import func, select

from services.rounds.adapters.tables import RoundsTables
from services.runtime.store import Session

__all__ = ["refresh_gauges"]

ROUNDS = Gauge(
    "dutywatch_rounds", "Rounds by state: planned, due (awaiting their report), reported, missed.", ["state"]
)
HAZARDS = Gauge("dutywatch_hazards", "Rectification items by state: open, overdue (escalated), closed.", ["state"])
ROUND_STATES = ("planned", "due", "reported", "missed")
HAZARD_STATES = ("open", "overdue", "closed")


async def refresh_gauges(session: Session, tables: RoundsTables) -> None:
    kinds = ((ROUNDS, tables.rounds.table, ROUND_STATES), (HAZARDS, tables.hazards.table, HAZARD_STATES))
    for gauge, table, states in kinds:
        rows: Any = await session.execute(select(table.c.state, func.count()).group_by(table.c.state))
        counts = {state: count for state, count in rows}
        for state in states:
            gauge.labels(state=state).set(counts.get(state, 0))
