"""The accountability figures (追责问责) per unit: how fast incidents were acknowledged and first-reported,
and which first reports were late (迟报) or missing (漏报).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from services.incident.domain.model import Incident

__all__ = ["UnitAccount", "account"]


@dataclass(frozen=True)
class UnitAccount:
    unit_id: str
    incidents: int
    acknowledged: int
    median_to_acknowledge: timedelta | None
    worst_to_acknowledge: timedelta | None
    median_to_first_report: timedelta | None
    late_first_reports: int
    missing_first_reports: int


def account(incidents: Iterable[Incident], now: datetime) -> list[UnitAccount]:
    """One line per unit, sorted by unit id. Time to acknowledge counts from intake, to first report from the event."""
    by_unit: dict[str, list[Incident]] = {}
    for incident in incidents:
        by_unit.setdefault(incident.unit_id, []).append(incident)
    return [_unit_account(unit_id, by_unit[unit_id], now) for unit_id in sorted(by_unit)]


def _unit_account(unit_id: str, incidents: list[Incident], now: datetime) -> UnitAccount:
    to_ack = [each.acknowledged_at - each.reported_at for each in incidents if each.acknowledged_at is not None]
    to_first = [each.first_reported_at - each.occurred_at for each in incidents if each.first_reported_at is not None]
    return UnitAccount(
        unit_id=unit_id,
        incidents=len(incidents),
        acknowledged=len(to_ack),
        median_to_acknowledge=_median(to_ack),
        worst_to_acknowledge=max(to_ack, default=None),
        median_to_first_report=_median(to_first),
        late_first_reports=sum(1 for each in incidents if each.first_reported_at is not None and each.late),
        missing_first_reports=sum(
            1 for each in incidents if each.first_reported_at is None and each.first_report_due_at <= now
        ),
    )


def _median(durations: list[timedelta]) -> timedelta | None:
    if not durations:
        return None
    return timedelta(seconds=median(each.total_seconds() for each in durations))
