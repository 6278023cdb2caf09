"""Outgoing messages go into the outbox of the handler's transaction, wrapped in an envelope."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from uuid import UUID

from schemas.envelope import Envelope, Message
from services.runtime.outbox import Outbox
from services.runtime.store import Session

__all__ = ["PRODUCER", "OutboxOutgoing"]

PRODUCER = "notifier"


class OutboxOutgoing:
    """Implements `ports.Outgoing`; a batch of messages (a dispatch's answers) is one outbox statement."""

    def __init__(self, session: Session, outbox: Outbox, clock: Callable[[], datetime]) -> None:
        self._session = session
        self._outbox = outbox
        self._clock = clock

    async def publish(self, payload: Message, correlation_id: str | None = None) -> UUID:
        (event_id,) = await self._put([(payload, correlation_id)])
        return event_id

    async def publish_many(self, payloads: Sequence[tuple[Message, str | None]]) -> None:
        await self._put(payloads)

    async def _put(self, payloads: Sequence[tuple[Message, str | None]]) -> list[UUID]:
        now = self._clock()
        envelopes = [
            Envelope.wrap(payload, producer=PRODUCER, occurred_at=now, correlation_id=correlation_id)
            for payload, correlation_id in payloads
        ]
        await self._outbox.put(self._session, *envelopes)
        return [envelope.event_id for envelope in envelopes]
