"""What would have gone into the outbox."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

from schemas.envelope import Message

M = TypeVar("M", bound=Message)

__all__ = ["MemoryOutgoing"]


@dataclass
class MemoryOutgoing:
    """Records what would have gone into the outbox."""

    sent: list[tuple[Message, str | None]] = field(default_factory=list)

    async def publish(self, payload: Message, correlation_id: str | None = None) -> None:
        self.sent.append((payload, correlation_id))

    def of_type(self, cls: type[M]) -> list[M]:
        return [payload for payload, _ in self.sent if isinstance(payload, cls)]
