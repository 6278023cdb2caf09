"""The Prometheus metrics every service exports; services add their own beside these."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

__all__ = ["DLQ_MESSAGES", "HANDLER_SECONDS", "MESSAGES_IN", "MESSAGES_OUT"]

MESSAGES_IN = Counter(
    "dutywatch_messages_in_total", "Messages consumed, by topic and outcome.", ["service", "topic", "outcome"]
)
MESSAGES_OUT = Counter("dutywatch_messages_out_total", "Messages published, by topic.", ["service", "topic"])
DLQ_MESSAGES = Counter("dutywatch_dlq_messages_total", "Messages sent to a dead-letter topic.", ["service", "topic"])
HANDLER_SECONDS = Histogram(
    "dutywatch_handler_seconds",
    "Time to process one consumed message (its share of its batch), retries included.",
    ["service", "topic"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
