"""What every service's in-memory test kit shares: a clock tests move by hand, and the outbox as a list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from uuid import UUID

from schemas.envelope import Message

__all__ = ["ManualClock", "MemoryOutgoing"]

M = TypeVar("M", bound=Message)


class ManualClock:
    """A clock that stands still until told to move."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2026, 12, 1, 2, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class MemoryOutgoing:
    """Records what would have gone into the outbox: (payload, correlation id) in order."""

    sent: list[tuple[Message, str | None]] = field(default_factory=list)

    async def publish(
        self, payload: Message, correlation_id: str | None = None, *, event_id: UUID | None = None
    ) -> None:
        self.sent.append((payload, correlation_id))

    async def publish_many(self, payloads: Sequence[tuple[Message, str | None]]) -> None:
        self.sent.extend(payloads)

    def of_type(self, cls: type[M]) -> list[M]:
        return [payload for payload, _ in self.sent if isinstance(payload, cls)]
