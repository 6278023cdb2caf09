"""The notifier's Prometheus metrics: provider traffic, how late steps fire, open runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import Counter, Gauge, Histogram

from services.notifier.adapters.runs import SqlRuns
from services.notifier.adapters.tables import NotifierTables
from services.notifier.ports import DeliveryError
from services.runtime.session import Session

__all__ = ["PrometheusEscalationMetrics", "counted_request", "refresh_gauges"]

PROVIDER_REQUESTS = Counter(
    "dutywatch_provider_requests_total", "Requests to SMS and voice providers.", ["provider", "channel"]
)
PROVIDER_ERRORS = Counter(
    "dutywatch_provider_errors_total",
    "Provider requests that failed, by the provider's code.",
    ["provider", "channel", "code"],
)
STEP_LATENESS = Histogram(
    "dutywatch_step_lateness_seconds",
    "How long after its due time an escalation step fired.",
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300),
)
STEP_ERRORS = Counter(
    "dutywatch_escalation_step_errors_total",
    "Due steps that failed to fire and were set aside, so the runs due with them fired; by policy.",
    ["policy"],
)
OPEN_RUNS = Gauge("dutywatch_open_escalation_runs", "Escalation runs not yet acknowledged or exhausted.")


@contextmanager
def counted_request(provider: str, channel: str) -> Iterator[None]:
    """Count one provider request, and its error code when it fails."""
    PROVIDER_REQUESTS.labels(provider, channel).inc()
    try:
        yield
    except DeliveryError as error:
        PROVIDER_ERRORS.labels(provider, channel, error.code).inc()
        raise


class PrometheusEscalationMetrics:
    """Implements `ports.EscalationMetrics` on the process's Prometheus registry."""

    def step_fired(self, late_s: float) -> None:
        STEP_LATENESS.observe(late_s)

    def step_failed(self, policy: str) -> None:
        STEP_ERRORS.labels(policy).inc()


async def refresh_gauges(session: Session, tables: NotifierTables) -> None:
    OPEN_RUNS.set(await SqlRuns(session, tables).count_open_runs())
