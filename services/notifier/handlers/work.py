"""What a handler works with: one transaction, the notifier's repositories, its policies and the outbox."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from schemas.envelope import Envelope, Message
from services.notifier.adapters.directory import Directory
from services.notifier.adapters.runs import RunRepository
from services.notifier.adapters.tables import NotifierTables
from services.notifier.domain import PolicyBook
from services.runtime.outbox import Outbox
from services.runtime.store import Session

__all__ = ["PRODUCER", "InWork", "Work"]

PRODUCER = "notifier"


@dataclass
class Work:
    session: Session
    runs: RunRepository
    directory: Directory
    outbox: Outbox
    policies: PolicyBook
    now: datetime

    @classmethod
    def open(
        cls, session: Session, tables: NotifierTables, outbox: Outbox, policies: PolicyBook, now: datetime
    ) -> Work:
        return cls(session, RunRepository(session, tables), Directory(session, tables), outbox, policies, now)

    async def publish(self, payload: Message, correlation_id: str | None = None) -> None:
        """Publish through the outbox: it leaves only if this transaction commits."""
        envelope = Envelope.wrap(payload, producer=PRODUCER, occurred_at=self.now, correlation_id=correlation_id)
        await self.outbox.put(self.session, envelope)

    async def publish_many(self, payloads: Sequence[tuple[Message, str | None]]) -> None:
        """Like `publish` for many (payload, correlation id) pairs, in one statement."""
        envelopes = [
            Envelope.wrap(payload, producer=PRODUCER, occurred_at=self.now, correlation_id=correlation_id)
            for payload, correlation_id in payloads
        ]
        await self.outbox.put(self.session, *envelopes)


InWork = Callable[[Callable[[Work], Awaitable[Any]]], Awaitable[Any]]
"""Runs an effect in a committed transaction and gives back its result (the webhooks' group commit)."""
