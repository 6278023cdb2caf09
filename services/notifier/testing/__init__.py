"""Test doubles of the notifier's ports: in-memory repositories, a recording provider, a clock tests can move.
Tests use these, not mocks."""

from services.directory.testing import MemoryDirectory
from services.notifier.testing.attempts import MemoryAttempts
from services.notifier.testing.ports import (
    MemoryAnswered,
    MemoryBroadcasts,
    MemoryInboundTexts,
    MemoryMetrics,
    MemoryOutgoing,
    memory_ports,
)
from services.notifier.testing.providers import FakeProvider
from services.notifier.testing.runs import MemoryReplyCodes, MemoryRows, MemoryRuns, MemoryTracks
from services.runtime.testing import ManualClock

__all__ = [
    "FakeProvider",
    "ManualClock",
    "MemoryAnswered",
    "MemoryAttempts",
    "MemoryBroadcasts",
    "MemoryDirectory",
    "MemoryInboundTexts",
    "MemoryMetrics",
    "MemoryOutgoing",
    "MemoryReplyCodes",
    "MemoryRows",
    "MemoryRuns",
    "MemoryTracks",
    "memory_ports",
]
