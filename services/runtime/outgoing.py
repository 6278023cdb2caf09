"""The one outbox publisher: what a handler publishes goes into the outbox of its transaction, in an envelope."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from uuid import UUID

from schemas.envelope import Envelope, Message
from services.runtime.outbox import Outbox
from services.runtime.session import Session

__all__ = ["Outgoing"]


class Outgoing:
    """Publishes through the outbox of one transaction: a message leaves only if that transaction commits.

    Every service's ports hand this to their handlers (each `ports.py` names the shape it needs)."""

    def __init__(self, session: Session, outbox: Outbox, producer: str, clock: Callable[[], datetime]) -> None:
        self._session = session
        self._outbox = outbox
        self._producer = producer
        self._clock = clock
        self.published = False

    async def publish(
        self, payload: Message, correlation_id: str | None = None, *, event_id: UUID | None = None
    ) -> None:
        """`event_id`: when the caller names the envelope's (an HTTP answer tells it); a new one otherwise."""
        await self._outbox.put(self._session, self._wrap(payload, correlation_id, event_id))
        self.published = True

    async def publish_many(self, payloads: Sequence[tuple[Message, str | None]]) -> None:
        """Like `publish` for many (payload, correlation id) pairs, in one statement."""
        await self._outbox.put(self._session, *(self._wrap(payload, correlation) for payload, correlation in payloads))
        self.published = True

    def _wrap(self, payload: Message, correlation_id: str | None, event_id: UUID | None = None) -> Envelope[Message]:
        return Envelope.wrap(
            payload,
            producer=self._producer,
            occurred_at=self._clock(),
            correlation_id=correlation_id,
            event_id=event_id,
        )
