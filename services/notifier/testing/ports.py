"""In-memory fakes of the notifier's other ports, and `memory_ports` to hand a handler all of them."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from services.directory.testing import MemoryDirectory
from services.notifier.adapters.directory import Directory
from services.notifier.domain import PolicyBook
from services.notifier.domain.broadcasts import Broadcast
from services.notifier.domain.codes import InboundText
from services.notifier.domain.filing import Subject
from services.notifier.ports import Ports
from services.notifier.testing.attempts import MemoryAttempts
from services.notifier.testing.runs import MemoryReplyCodes, MemoryRows, MemoryRuns, MemoryTracks
from services.runtime.testing import MemoryOutgoing

__all__ = [
    "MemoryAnswered",
    "MemoryBroadcasts",
    "MemoryInboundTexts",
    "MemoryMetrics",
    "MemoryOutgoing",
    "memory_ports",
]


class MemoryInboundTexts:
    def __init__(self) -> None:
        self.texts: list[InboundText] = []

    async def inbound_seen(self, ref: str) -> bool:
        return any(text.provider_ref == ref for text in self.texts)

    async def record_inbound(self, text: InboundText) -> None:
        self.texts.append(text)

    async def unknown_replies_since(self, phone: str, since: datetime) -> list[datetime]:
        return [
            t.received_at for t in self.texts if t.phone == phone and t.meaning == "unknown" and t.received_at > since
        ]


class MemoryAnswered:
    def __init__(self) -> None:
        self.answered: dict[Subject, str] = {}

    async def record_answered(self, subjects: Collection[Subject], reason: str, now: datetime) -> None:
        for subject in subjects:
            self.answered.setdefault(subject, reason)

    async def answered_among(self, subjects: Collection[Subject]) -> set[Subject]:
        return set(subjects) & set(self.answered)


class MemoryBroadcasts:
    def __init__(self) -> None:
        self.broadcasts: dict[str, Broadcast] = {}

    async def add_broadcast(self, broadcast: Broadcast) -> bool:
        return self.broadcasts.setdefault(broadcast.id, broadcast) is broadcast

    async def broadcast(self, broadcast_id: str) -> Broadcast | None:
        return self.broadcasts.get(broadcast_id)


@dataclass
class MemoryMetrics:
    lateness_s: list[float] = field(default_factory=list)
    failed_policies: list[str] = field(default_factory=list)

    def step_fired(self, late_s: float) -> None:
        self.lateness_s.append(late_s)

    def step_failed(self, policy: str) -> None:
        self.failed_policies.append(policy)


def memory_ports(policies: PolicyBook) -> Ports:
    rows = MemoryRows()
    return Ports(
        runs=MemoryRuns(rows),
        tracks=MemoryTracks(rows),
        attempts=MemoryAttempts(rows),
        codes=MemoryReplyCodes(rows),
        inbound=MemoryInboundTexts(),
        answered=MemoryAnswered(),
        broadcasts=MemoryBroadcasts(),
        directory=Directory(MemoryDirectory()),
        outgoing=MemoryOutgoing(),
        policies=policies,
        metrics=MemoryMetrics(),
    )
