"""The incident service's Prometheus metrics, refreshed from its store by a periodic sweep."""

from __future__ import annotations

from prometheus_client import Gauge
from sqlalchemy import func, select

from services.incident.adapters.tables import Tables
from services.incident.domain import IncidentStatus
from services.runtime.store import Session

__all__ = ["refresh_gauges"]

OPEN_INCIDENTS = Gauge("dutywatch_open_incidents", "Incidents not yet closed.")
LATE_FIRST_REPORTS = Gauge("dutywatch_late_first_reports", "Incidents whose first report was late (迟报), ever.")


async def refresh_gauges(session: Session, tables: Tables) -> None:
    incidents = tables.incidents.c
    count = select(func.count()).select_from(tables.incidents)
    OPEN_INCIDENTS.set(await session.scalar(count.where(incidents.status != IncidentStatus.CLOSED.value)) or 0)
    LATE_FIRST_REPORTS.set(await session.scalar(count.where(incidents.late.is_(True))) or 0)
