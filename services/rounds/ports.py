"""The rounds service's ports. Each is bound to one transaction: what a handler does through them commits
together or not at all.

Errors: a port raises RetryableError when trying again later can help (the database is busy or gone); anything
else is a bug or a broken invariant and is permanent. No port raises UnsupportedError.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

from schemas.envelope import Message
from services.directory.ports import Directory
from services.rounds.domain import Hazard, Leave, Round, SpotCheck, WarningRecord

__all__ = ["Directory", "Outgoing", "Ports", "Record", "Records"]


class Record(Protocol):
    """What every stored noun has: an id, its unit, a state, and its timer (None when nothing is left to fire)."""

    @property
    def id(self) -> str: ...

    @property
    def unit_id(self) -> str: ...

    @property
    def state(self) -> str: ...

    @property
    def next_at(self) -> datetime | None: ...


T = TypeVar("T", bound=Record)


class Records(Protocol[T]):
    """Records of one noun (rounds, hazards, leaves, warnings, spot checks), each with an id, a unit, a state and a
    timer (`next_at`, None when nothing is left to fire)."""

    async def add(self, item: T) -> bool:
        """Insert; False when a record with its id exists already (that one stays)."""

    async def get(self, record_id: str) -> T | None: ...

    async def save(self, item: T) -> None:
        """Store the record's new state (its id never changes)."""

    async def claim_due(self, now: datetime, limit: int) -> list[T]:
        """Records whose timer is at or before `now`, oldest first, locked for this transaction (SKIP LOCKED on
        PostgreSQL, so replicas never fire one twice)."""

    async def find(
        self,
        *,
        units: Sequence[str] | None = None,
        states: Sequence[str] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        code: str | None = None,
        limit: int = 1000,
    ) -> list[T]:
        """Newest first by the record's time (a round's due time, a hazard's finding …); None: no filter."""


class Outgoing(Protocol):
    """Messages leaving the service, through the outbox of the same transaction."""

    async def publish(self, payload: Message, correlation_id: str | None = None) -> None: ...


@dataclass(frozen=True)
class Ports:
    """Everything a handler may touch, bound to one transaction."""

    directory: Directory
    rounds: Records[Round]
    hazards: Records[Hazard]
    leaves: Records[Leave]
    warnings: Records[WarningRecord]
    spot_checks: Records[SpotCheck]
    outgoing: Outgoing
