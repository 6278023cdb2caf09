"""The notifier's ports: the providers it sends through (`providers`), the repositories its handlers work
through (`repositories`, the directory, the outbox, the metrics), bundled in `Ports`.

The repositories are bound to one transaction: what a handler does through them commits together or not at
all. They raise RetryableError when trying again later can help (the database is busy or gone); anything
else (LookupError for a row another refers to) is a bug or a broken invariant and is permanent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar
from uuid import UUID

from schemas.duty import ShiftEnded, ShiftStarted, UnitUpdated
from schemas.envelope import Message
from services.notifier.domain import Contact, PolicyBook
from services.notifier.domain.directory import KnownSender, UnitEntry
from services.notifier.ports.providers import (
    DeliveryError,
    EarlierDispatch,
    OutboundCall,
    OutboundSms,
    PermanentDeliveryError,
    Provider,
    RetryableDeliveryError,
    SendResult,
    SentLookup,
    SmsSender,
    SmsStatus,
    UnsupportedDeliveryError,
    VoiceCaller,
)
from services.notifier.ports.repositories import (
    Answered,
    Attempts,
    Broadcasts,
    InboundTexts,
    ReplyCodes,
    Runs,
    Tracks,
)

__all__ = [
    "Answered",
    "Attempts",
    "Broadcasts",
    "DeliveryError",
    "Directory",
    "EarlierDispatch",
    "EscalationMetrics",
    "InWork",
    "InboundTexts",
    "OpenPorts",
    "OutboundCall",
    "OutboundSms",
    "Outgoing",
    "PermanentDeliveryError",
    "Ports",
    "Provider",
    "ReplyCodes",
    "RetryableDeliveryError",
    "Runs",
    "SendResult",
    "SentLookup",
    "SmsSender",
    "SmsStatus",
    "Tracks",
    "UnsupportedDeliveryError",
    "VoiceCaller",
]

T = TypeVar("T")


class Directory(Protocol):
    """The read models of `duty.shifts` and `duty.units`: never the roster's own database."""

    async def shift_started(self, shift: ShiftStarted) -> None: ...

    async def shift_ended(self, shift: ShiftEnded) -> None: ...

    async def unit_updated(self, unit: UnitUpdated) -> None: ...

    async def unit(self, unit_id: str) -> UnitEntry | None: ...

    async def unit_name(self, unit_id: str) -> str:
        """The unit's name, or its id when the directory does not know it."""

    async def top_unit_ids(self) -> list[str]:
        """The units with no parent: in a city's directory, its bureau."""

    async def on_duty(self, unit_ids: list[str] | None) -> dict[str, tuple[Contact, Contact]]:
        """(officer, leader) of each unit with a current shift, of `unit_ids` or of every unit."""

    async def sender(self, phone: str) -> KnownSender | None:
        """Who on the roster (an officer or leader on a current shift, or a duty room) has this number."""

    async def person(self, person_id: str) -> Contact | None: ...


class Outgoing(Protocol):
    """Messages leaving the service, through the outbox of the same transaction."""

    async def publish(
        self, payload: Message, correlation_id: str | None = None, *, event_id: UUID | None = None
    ) -> None:
        """`event_id`: the envelope's, when the caller must know it (an HTTP answer names it); else a new one."""

    async def publish_many(self, payloads: Sequence[tuple[Message, str | None]]) -> None:
        """Like `publish` for many (payload, correlation id) pairs, at once."""


class EscalationMetrics(Protocol):
    """What the escalation sweep counts (Prometheus in production)."""

    def step_fired(self, late_s: float) -> None:
        """A due step fired `late_s` seconds after its due time."""

    def step_failed(self, policy: str) -> None:
        """A due step failed to fire and was set aside."""


@dataclass(frozen=True)
class Ports:
    """Everything a handler may touch, bound to one transaction, and the policies it escalates by."""

    runs: Runs
    tracks: Tracks
    attempts: Attempts
    codes: ReplyCodes
    inbound: InboundTexts
    answered: Answered
    broadcasts: Broadcasts
    directory: Directory
    outgoing: Outgoing
    policies: PolicyBook
    metrics: EscalationMetrics


class InWork(Protocol):
    """Runs an effect on the ports of a transaction, given the time, and gives back its result once that
    transaction has committed (the webhooks' group commit: effects that arrive together share one)."""

    async def __call__(self, effect: Callable[[Ports, datetime], Awaitable[T]]) -> T: ...


OpenPorts = Callable[[], AbstractAsyncContextManager[Ports]]
"""Opens a transaction and hands over its ports."""
