"""In-memory stand-ins for the roster's ports, for handler tests (no database, no broker)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from schemas.duty import DutyRole
from services.duty_roster.domain import Override
from services.duty_roster.ports import (
    CheckIn,
    CheckIns,
    DutyLog,
    HolidayReminders,
    LogEntry,
    Outgoing,
    OverrideLog,
    Ports,
    PublishedDuty,
    RosterVersion,
    RosterVersions,
    ShiftLedger,
)
from services.runtime.testing import MemoryOutgoing

__all__ = [
    "MemoryCheckIns",
    "MemoryDutyLog",
    "MemoryHolidayReminders",
    "MemoryLedger",
    "MemoryOutgoing",
    "MemoryOverrideLog",
    "MemoryVersions",
    "memory_ports",
]


@dataclass
class MemoryVersions(RosterVersions):
    versions: list[RosterVersion] = field(default_factory=list)

    async def latest(self) -> RosterVersion | None:
        return self.versions[-1] if self.versions else None

    async def latest_id(self) -> int | None:
        return self.versions[-1].id if self.versions else None

    async def add(self, text: str, digest: str, source: str, now: datetime) -> int:
        self.versions.append(RosterVersion(len(self.versions) + 1, digest, text, source, now))
        return len(self.versions)

    async def lock(self) -> None:
        return None


@dataclass
class MemoryOverrideLog(OverrideLog):
    overrides: list[Override] = field(default_factory=list)

    async def add(self, override: Override) -> int:
        self.overrides.append(override)
        return len(self.overrides)

    async def all(self) -> list[Override]:
        return list(self.overrides)

    async def latest_id(self) -> int | None:
        return len(self.overrides) or None


@dataclass
class MemoryLedger(ShiftLedger):
    duties: dict[str, PublishedDuty] = field(default_factory=dict)
    handovers: set[str] = field(default_factory=set)

    async def published(self) -> dict[str, PublishedDuty]:
        return dict(self.duties)

    async def save(self, duty: PublishedDuty, now: datetime) -> None:
        self.duties[duty.unit_id] = duty

    async def first_handover(self, shift_id: str, unit_id: str, now: datetime) -> bool:
        if shift_id in self.handovers:
            return False
        self.handovers.add(shift_id)
        return True


@dataclass
class MemoryCheckIns(CheckIns):
    rows: dict[tuple[str, DutyRole], CheckIn] = field(default_factory=dict)

    async def open(self, check_in: CheckIn, now: datetime) -> bool:
        key = (check_in.shift_id, check_in.role)
        if key in self.rows:
            return False
        self.rows[key] = check_in
        return True

    async def get(self, shift_id: str, role: DutyRole) -> CheckIn | None:
        return self.rows.get((shift_id, role))

    async def claim_due(self, now: datetime, limit: int) -> Sequence[CheckIn]:
        due = [each for each in self.rows.values() if each.due_by <= now and not (each.received_at or each.missed_at)]
        return sorted(due, key=lambda each: each.due_by)[:limit]

    async def mark_missed(self, shift_id: str, role: DutyRole, now: datetime) -> None:
        self.rows[shift_id, role] = replace(self.rows[shift_id, role], missed_at=now)

    async def mark_received(self, shift_id: str, role: DutyRole, at: datetime) -> bool:
        row = self.rows[shift_id, role]
        if row.received_at is not None or row.missed_at is not None:
            return False
        self.rows[shift_id, role] = replace(row, received_at=at)
        return True


@dataclass
class MemoryHolidayReminders(HolidayReminders):
    weeks: set[tuple[int, int, int]] = field(default_factory=set)

    async def first_this_week(self, year: int, now: datetime) -> bool:
        iso = now.isocalendar()
        key = (year, iso.year, iso.week)
        if key in self.weeks:
            return False
        self.weeks.add(key)
        return True


@dataclass
class MemoryDutyLog(DutyLog):
    entries: list[LogEntry] = field(default_factory=list)

    async def add(self, entry: LogEntry) -> None:
        self.entries.append(entry)

    async def between(self, unit_id: str, start: datetime, end: datetime) -> list[LogEntry]:
        return [each for each in self.entries if each.unit_id == unit_id and start <= each.written_at < end]


def memory_ports(
    *,
    versions: RosterVersions | None = None,
    overrides: OverrideLog | None = None,
    ledger: ShiftLedger | None = None,
    check_ins: CheckIns | None = None,
    reminders: HolidayReminders | None = None,
    events: Outgoing | None = None,
) -> Ports:
    """A handler's ports over the given fakes, and fresh ones for the rest."""
    return Ports(
        versions=versions or MemoryVersions(),
        overrides=overrides or MemoryOverrideLog(),
        ledger=ledger or MemoryLedger(),
        check_ins=check_ins or MemoryCheckIns(),
        reminders=reminders or MemoryHolidayReminders(),
        duty_log=MemoryDutyLog(),
        events=events or MemoryOutgoing(),
    )
