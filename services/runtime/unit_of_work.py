"""The unit of work: the one way a service opens a transaction, and what a handler gets in it (its ports).

- `async with work() as ports`: one transaction; its outbox rows are relayed as soon as it commits.
- `await work.together(effect)`: the same, shared with the requests that arrive meanwhile (group commit).
- `work.consume(on_message)`: a consumed message's handler, run once per `event_id` (the inbox) in the
  transaction its fetched batch shares (`batch()`, which the consumer rule opens); a `Closing` runs once, last
  in that transaction.

The SQLite fast path is the store's (`store.py`): adapters see one `Session` whatever the backend.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

import structlog

from schemas.envelope import Envelope, Message
from services.runtime.group_commit import GroupCommit
from services.runtime.inbox import Inbox
from services.runtime.outbox import Outbox
from services.runtime.outgoing import Outgoing
from services.runtime.session import Session
from services.runtime.store import Store

__all__ = ["Closing", "Consumed", "PortsOf", "UnitOfWork"]

log = structlog.get_logger(__name__)
P = TypeVar("P")
T = TypeVar("T")
M = TypeVar("M", bound=Message)
PortsOf = Callable[[Session, Outgoing], P]
"""A service's ports bundle over one transaction, publishing through `Outgoing` (its `adapters/store.py`)."""
Consumed = Callable[[Envelope[Any]], Awaitable[None]]
"""What the consumer rule calls with each routed envelope."""


@dataclass(frozen=True)
class Closing(Generic[P]):
    """What a batch of consumed messages does once, last in its transaction, after their handlers: `step` runs in
    a savepoint and returns what to call once the transaction has committed. If it raises, it alone is undone
    (the messages' effects are kept) and `instead` is called after the commit."""

    step: Callable[[P], Awaitable[Callable[[], None]]]
    instead: Callable[[], None]


@dataclass
class _Batch:
    """The transaction a fetched batch of consumed messages shares, and what waits for its commit."""

    session: Session
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    closing: list[Closing[Any]] = field(default_factory=list)


def _nothing() -> None:
    """No relay to wake yet (the command line, or a runtime not built yet)."""


class UnitOfWork(Generic[P]):
    """`name` is the service's: its inbox consumer and the producer of what it publishes."""

    def __init__(
        self,
        *,
        name: str,
        store: Store,
        outbox: Outbox,
        inbox: Inbox,
        ports: PortsOf[P],
        clock: Callable[[], datetime],
        gather_s: float = 0.0,
    ) -> None:
        self.name = name
        self.store = store
        self.outbox = outbox
        self.inbox = inbox
        self.clock = clock
        self._make_ports = ports
        self._committed: Callable[[], None] = _nothing
        self._batch: ContextVar[_Batch | None] = ContextVar(f"{name}-batch", default=None)
        self._group = GroupCommit(self.__call__, gather_s)

    def relay_with(self, wake: Callable[[], None]) -> None:
        """Call `wake` after each commit: the outbox relay publishes at once instead of at its next poll."""
        self._committed = wake

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[P]:
        """One transaction's ports: committed on leaving, rolled back on an error; what it published is relayed
        at once (a transaction that only read wakes nobody)."""
        async with self.store.transaction() as session:
            outgoing = Outgoing(session, self.outbox, self.name, self.clock)
            yield self._make_ports(session, outgoing)
        if outgoing.published:
            self._committed()

    @asynccontextmanager
    async def session(self) -> AsyncIterator[Session]:
        """One transaction's bare session, for what is no handler's (metrics, a test's look at the tables) and for
        consumed messages; the relay is woken after it commits."""
        async with self.store.transaction() as session:
            yield session
        self._committed()

    def _ports_over(self, session: Session) -> P:
        return self._make_ports(session, Outgoing(session, self.outbox, self.name, self.clock))

    async def together(self, effect: Callable[[P], Awaitable[T]]) -> T:
        """`effect` in a transaction it may share with other requests; its result once committed."""
        return await self._group(effect)

    @asynccontextmanager
    async def batch(self) -> AsyncIterator[None]:
        """One transaction for a batch of consumed messages: every `once` inside it joins it."""
        async with self.session() as session:
            batch = _Batch(session)
            token = self._batch.set(batch)
            try:
                yield
                await self._close(batch)
            finally:
                self._batch.reset(token)
        for callback in batch.after_commit:
            callback()

    async def _close(self, batch: _Batch) -> None:
        for closing in batch.closing:
            try:
                async with batch.session.savepoint():
                    then = await closing.step(self._ports_over(batch.session))
            except Exception as error:
                log.error(
                    "a batch's closing step failed; its messages are kept", step=repr(closing.step), error=repr(error)
                )
                then = closing.instead
            batch.after_commit.append(then)

    async def once(self, envelope: Envelope[Any], effect: Callable[[P], Awaitable[T]]) -> T | None:
        """Run `effect` in a transaction unless this service already processed `envelope.event_id`."""
        batch = self._batch.get()
        if batch is not None:
            return await self._first_time(batch.session, envelope, effect)
        async with self.session() as session:
            return await self._first_time(session, envelope, effect)

    async def _first_time(
        self, session: Session, envelope: Envelope[Any], effect: Callable[[P], Awaitable[T]]
    ) -> T | None:
        if not await self.inbox.first_time(session, self.name, envelope.event_id, self.clock()):
            log.info("duplicate delivery dropped", event_id=str(envelope.event_id), type=envelope.type)
            return None
        return await effect(self._ports_over(session))

    def consume(
        self, handler: Callable[[M, P, datetime], Awaitable[Any]], *, closing: Closing[P] | None = None
    ) -> Consumed:
        """The route of a message to `handler(message, ports, now)`: once per event id, in its batch's
        transaction with what it publishes; `closing` once per batch, last in that transaction."""

        async def consumed(envelope: Envelope[Any]) -> None:
            async def effect(ports: P) -> None:
                await handler(envelope.payload, ports, self.clock())

            await self._consumed(envelope, effect, closing)

        return consumed

    def consume_envelope(
        self, handler: Callable[[Envelope[M], P, datetime], Awaitable[Any]], *, closing: Closing[P] | None = None
    ) -> Consumed:
        """Like `consume`, for a handler that needs the envelope too (its event id names what it starts)."""

        async def consumed(envelope: Envelope[Any]) -> None:
            async def effect(ports: P) -> None:
                await handler(envelope, ports, self.clock())

            await self._consumed(envelope, effect, closing)

        return consumed

    async def _consumed(
        self, envelope: Envelope[Any], effect: Callable[[P], Awaitable[None]], closing: Closing[P] | None
    ) -> None:
        batch = self._batch.get()
        if closing is None:
            await self.once(envelope, effect)
        elif batch is None:  # a message handled on its own is a batch of one
            async with self.batch():
                await self._consumed(envelope, effect, closing)
        else:
            await self._first_time(batch.session, envelope, effect)
            if closing not in batch.closing:
                batch.closing.append(closing)
