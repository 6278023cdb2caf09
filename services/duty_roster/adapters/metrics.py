"""The roster's own Prometheus metrics, beside the runtime's."""

from __future__ import annotations

from prometheus_client import Gauge

__all__ = ["HOLIDAYS_ESTIMATED_YEAR"]

HOLIDAYS_ESTIMATED_YEAR = Gauge(
    "dutywatch_holidays_estimated_year",
    "The first year (this one, or from 1 November the next) whose holidays are only estimated; 0 when none is.",
)
