"""The consumer rule every subscriber follows.

- A message that fails validation goes to `<topic>.dlq` at once, with the reason.
- A handler that raises is retried a bounded number of times with backoff; a PermanentError is not retried.
- After that the message goes to `<topic>.dlq` with the error and its origin (topic, partition, offset).
- Only then is the offset committed (by the caller), so the effect is stored first and the partition moves on.
- If even the DLQ cannot be written (the broker is down), we keep trying rather than commit past the message.
- A fetched batch runs its handlers together (one transaction); if any of them fails, the batch is undone
  and each message is handled on its own under the rule above.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import structlog
from tenacity import (
    AsyncRetrying,
    retry_if_not_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from schemas.catalog import InvalidMessage, read, validated
from schemas.envelope import Envelope, Message
from schemas.topics import DLQ_SUFFIX, topic_named
from services.runtime.errors import PermanentError
from services.runtime.outbox import OutgoingRecord, PublishRecords

__all__ = ["ConsumerRule", "IncomingRecord", "Outcome", "RetryPolicy", "Route"]

log = structlog.get_logger(__name__)

Handler = Callable[[Envelope[Any]], Awaitable[None]]
Route = Mapping[type[Message], Handler]


class Outcome(StrEnum):
    PROCESSED = "processed"
    IGNORED = "ignored"
    DEAD_LETTERED = "dead_lettered"


@dataclass(frozen=True)
class IncomingRecord:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3
    first_backoff_s: float = 0.2
    max_backoff_s: float = 5.0


@dataclass(frozen=True)
class _Routed:
    index: int
    record: IncomingRecord
    envelope: Envelope[Any]
    handler: Handler


@dataclass
class ConsumerRule:
    """Routes each topic's messages to their handler by payload type, under the rule above.

    `together` opens the unit in which a batch's handlers run as one (the service's `UnitOfWork.batch`).
    """

    routes: Mapping[str, Route]
    dead_letter: PublishRecords
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    together: Callable[[], AbstractAsyncContextManager[object]] | None = None
    _handled: dict[str, frozenset[str]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # The message types (every version of each) each topic's route has a handler for.
        self._handled = {topic: frozenset(cls.TYPE for cls in route) for topic, route in self.routes.items()}

    @property
    def topics(self) -> list[str]:
        return list(self.routes)

    async def deliver(self, record: IncomingRecord) -> Outcome:
        """Process one record to its end: handled, ignored or dead-lettered. Never raises for a bad message."""
        (outcome,) = await self.deliver_all([record])
        return outcome

    async def deliver_all(self, records: Sequence[IncomingRecord]) -> list[Outcome]:
        """Process a fetched batch in order, each record to its end. Never raises for a bad message."""
        outcomes: list[Outcome] = []
        routed: list[_Routed] = []
        for record in records:
            found = await self._route(record, len(outcomes))
            if isinstance(found, _Routed):
                routed.append(found)
                found = Outcome.PROCESSED
            outcomes.append(found)
        if len(routed) > 1 and self.together is not None and await self._handled_together(routed):
            return outcomes
        for each in routed:
            outcomes[each.index] = await self._handle(each.record, each.envelope, each.handler)
        return outcomes

    async def _route(self, record: IncomingRecord, index: int) -> _Routed | Outcome:
        route = self.routes[record.topic]
        try:
            message = read(record.value, _carried_on(record.topic, route))
            if message.cls.TYPE not in self._handled[record.topic]:
                return Outcome.IGNORED  # validated by the services that handle it, and dead-lettered there
            envelope = validated(message)
        except InvalidMessage as invalid:
            await self._to_dlq(record, "invalid", invalid.reason, attempts=0)
            return Outcome.DEAD_LETTERED
        handler = route.get(type(envelope.payload))
        if handler is None:
            return Outcome.IGNORED
        return _Routed(index, record, envelope, handler)

    async def _handled_together(self, routed: Sequence[_Routed]) -> bool:
        """Run every handler in one unit; False (and nothing kept) if any of them failed."""
        assert self.together is not None
        try:
            async with self.together():
                for each in routed:
                    await each.handler(each.envelope)
        except Exception as error:
            log.warning("batch undone; handling its messages one by one", size=len(routed), error=repr(error))
            return False
        return True

    async def _handle(self, record: IncomingRecord, envelope: Envelope[Any], handler: Handler) -> Outcome:
        attempts = 0
        try:
            async for attempt in self._retrying():
                with attempt:
                    attempts += 1
                    await handler(envelope)
        except Exception as error:
            log.error(
                "handler failed; dead-lettering",
                topic=record.topic,
                offset=record.offset,
                type=envelope.type,
                event_id=str(envelope.event_id),
                attempts=attempts,
                error=repr(error),
            )
            await self._to_dlq(record, type(error).__name__, str(error) or repr(error), attempts)
            return Outcome.DEAD_LETTERED
        return Outcome.PROCESSED

    def _retrying(self) -> AsyncRetrying:
        return AsyncRetrying(
            stop=stop_after_attempt(self.retry.attempts),
            wait=wait_exponential(multiplier=self.retry.first_backoff_s, max=self.retry.max_backoff_s),
            retry=retry_if_not_exception_type(PermanentError),
            reraise=True,
        )

    async def _to_dlq(self, record: IncomingRecord, kind: str, reason: str, attempts: int) -> None:
        letter = OutgoingRecord(
            topic=record.topic + DLQ_SUFFIX,
            key=record.key or b"",
            value=record.value or b"",
            headers=(
                ("dlq-reason", reason.encode()[:4000]),
                ("dlq-error-kind", kind.encode()),
                ("dlq-attempts", str(attempts).encode()),
                ("dlq-original-topic", record.topic.encode()),
                ("dlq-original-partition", str(record.partition).encode()),
                ("dlq-original-offset", str(record.offset).encode()),
                ("dlq-failed-at", self.clock().isoformat().encode()),
            ),
        )
        log.warning("message dead-lettered", topic=record.topic, offset=record.offset, reason=reason)
        async for attempt in AsyncRetrying(wait=wait_exponential(multiplier=0.2, max=5.0), reraise=True):
            with attempt:
                await self.dead_letter([letter])


def _carried_on(topic: str, route: Route) -> tuple[type[Message], ...]:
    """What may travel on `topic`: the registry's messages for it (a topic outside it: what is routed).

    A valid message this consumer has no handler for is ignored, not dead-lettered: other services read it.
    """
    try:
        return topic_named(topic).messages or tuple(route)
    except KeyError:
        return tuple(route)
