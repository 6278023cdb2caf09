"""Outgoing messages go into the outbox of the handler's transaction, wrapped in an envelope."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from schemas.envelope import Envelope, Message
from services.runtime.outbox import Outbox
from services.runtime.store import Session

__all__ = ["OutboxOutgoing"]


class OutboxOutgoing:
    """Implements `ports.Outgoing`."""

    def __init__(self, session: Session, outbox: Outbox, producer: str, clock: Callable[[], datetime]) -> None:
        self._session = session
        self._outbox = outbox
        self._producer = producer
        self._clock = clock

    async def publish(self, payload: Message, correlation_id: str | None = None) -> None:
        envelope = Envelope.wrap(
            payload, producer=self._producer, occurred_at=self._clock(), correlation_id=correlation_id
        )
        await self._outbox.put(self._session, envelope)
