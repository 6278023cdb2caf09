"""What the roster's handlers need from the world, as small protocols. Adapters and testing.py implement them.

Errors: a database error from any of these is retryable (the transaction rolled back, nothing happened);
none of them raises for a business reason, they answer with values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from schemas.duty import DutyRole, ShiftStarted
from schemas.envelope import Message
from schemas.values import Person
from services.duty_roster.domain import Override

__all__ = [
    "CheckIn",
    "CheckIns",
    "DutyLog",
    "HolidayReminders",
    "LogEntry",
    "Outgoing",
    "OverrideLog",
    "Ports",
    "PublishedDuty",
    "RosterVersion",
    "RosterVersions",
    "ShiftLedger",
]


@dataclass(frozen=True)
class RosterVersion:
    """One imported roster file, kept verbatim for audit."""

    id: int
    digest: str
    text: str
    source: str
    imported_at: datetime


@dataclass(frozen=True)
class PublishedDuty:
    """What the others were last told about a unit: its directory digest and its current shift."""

    unit_id: str
    unit_digest: str | None
    shift: ShiftStarted | None


@dataclass(frozen=True)
class CheckIn:
    """A check-in timer of one role of a shift: requested before the shift, closed by a reply, or missed at
    `due_by`."""

    shift_id: str
    unit_id: str
    role: DutyRole
    person: Person
    starts_at: datetime
    due_by: datetime
    received_at: datetime | None = None
    missed_at: datetime | None = None


class RosterVersions(Protocol):
    """The imported roster files; the newest one is the roster in force."""

    async def latest(self) -> RosterVersion | None: ...

    async def latest_id(self) -> int | None: ...

    async def add(self, text: str, digest: str, source: str, now: datetime) -> int: ...

    async def lock(self) -> None:
        """Hold roster changes (imports, overrides) back until this transaction ends, so that each is checked
        against the roster as it really is."""
        ...


class OverrideLog(Protocol):
    """Overrides entered one by one (leave, sickness) after the file was imported; kept for audit, never deleted."""

    async def add(self, override: Override) -> int: ...

    async def all(self) -> list[Override]: ...

    async def latest_id(self) -> int | None: ...


class ShiftLedger(Protocol):
    """What was published per unit, and each handover published (a row per shift: published once)."""

    async def published(self) -> dict[str, PublishedDuty]: ...

    async def save(self, duty: PublishedDuty, now: datetime) -> None: ...

    async def first_handover(self, shift_id: str, unit_id: str, now: datetime) -> bool:
        """Record the handover to `shift_id`; False when it was already recorded (then publish nothing)."""
        ...


class CheckIns(Protocol):
    """Check-in timers, one per shift and role, claimed so that two replicas never fire the same one."""

    async def open(self, check_in: CheckIn, now: datetime) -> bool:
        """Create the timer; False when the shift already has one for that role."""
        ...

    async def get(self, shift_id: str, role: DutyRole) -> CheckIn | None: ...

    async def claim_due(self, now: datetime, limit: int) -> Sequence[CheckIn]:
        """Open timers whose grace period ended by `now`, locked until the transaction ends."""
        ...

    async def mark_missed(self, shift_id: str, role: DutyRole, now: datetime) -> None: ...

    async def mark_received(self, shift_id: str, role: DutyRole, at: datetime) -> bool:
        """Close the check-in as answered; False when it was closed meanwhile (another replica's sweep marked it
        missed), and then it stays missed."""
        ...


class HolidayReminders(Protocol):
    """The weekly reminders that a year's holidays are only estimated."""

    async def first_this_week(self, year: int, now: datetime) -> bool:
        """Record that `year` is reminded of in the ISO week of `now`; False if it already was (by any replica)."""
        ...


class Outgoing(Protocol):
    """Publishes through the outbox in the caller's transaction: the event leaves only if the change commits."""

    async def publish(self, payload: Message, correlation_id: str | None = None) -> None: ...


@dataclass(frozen=True)
class LogEntry:
    """One line of a unit's duty log (值班日志): a call received, an instruction passed on."""

    unit_id: str
    kind: str
    text: str
    author: str
    written_at: datetime


class DutyLog(Protocol):
    """The officers' duty log; entries are added, never changed."""

    async def add(self, entry: LogEntry) -> None: ...

    async def between(self, unit_id: str, start: datetime, end: datetime) -> list[LogEntry]:
        """The unit's entries written in [start, end), oldest first."""
        ...


@dataclass(frozen=True)
class Ports:
    """Everything a handler may touch, bound to one transaction (the runtime's unit of work builds it)."""

    versions: RosterVersions
    overrides: OverrideLog
    ledger: ShiftLedger
    check_ins: CheckIns
    reminders: HolidayReminders
    duty_log: DutyLog
    events: Outgoing
