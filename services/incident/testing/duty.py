"""In-memory records of the people on duty: missed check-ins and handovers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from services.incident.domain import Handover, MissedCheckIn, Signature, SignRole

__all__ = ["MemoryCheckIns", "MemoryHandovers"]


class MemoryCheckIns:
    def __init__(self) -> None:
        self.missed: dict[tuple[str, str], MissedCheckIn] = {}

    async def add_missed(self, missed: MissedCheckIn) -> None:
        self.missed.setdefault((missed.shift_id, missed.role), missed)

    async def missed_between(self, start: datetime, end: datetime, units: Sequence[str] | None) -> list[MissedCheckIn]:
        return sorted(
            (
                each
                for each in self.missed.values()
                if start <= each.due_by < end and (units is None or each.unit_id in units)
            ),
            key=lambda each: each.due_by,
        )


class MemoryHandovers:
    def __init__(self) -> None:
        self.handovers: list[Handover] = []

    async def add(self, handover: Handover) -> bool:
        if any(each.shift_id == handover.shift_id for each in self.handovers):
            return False
        self.handovers.append(handover)
        return True

    async def latest_open_to(self, phone: str) -> Handover | None:
        open_ = [each for each in self.handovers if each.to_officer.phone == phone and each.acknowledged_at is None]
        return max(open_, key=lambda each: each.at, default=None)

    async def get(self, handover_id: str) -> Handover | None:
        return next((each for each in self.handovers if each.id == handover_id), None)

    async def sign(self, handover_id: str, role: SignRole, signature: Signature) -> bool:
        found = await self.get(handover_id)
        if found is None or found.signature(role) is not None:
            return False
        signed = found.signed(role, signature)
        self.handovers = [signed if each.id == handover_id else each for each in self.handovers]
        return True

    async def listed(self, units: Sequence[str] | None, since: datetime | None, limit: int) -> list[Handover]:
        found = [
            each
            for each in self.handovers
            if (units is None or each.unit_id in units) and (since is None or each.at >= since)
        ]
        return sorted(found, key=lambda each: each.at, reverse=True)[:limit]
