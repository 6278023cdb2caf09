"""In-memory fakes of the rounds service's ports. Tests use these, not mocks; the clock and the outgoing fake are
the incident service's."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Generic, TypeVar

from services.directory.testing import MemoryDirectory
from services.rounds.ports import Ports, Record
from services.runtime.testing import ManualClock, MemoryOutgoing

__all__ = ["ManualClock", "MemoryDirectory", "MemoryOutgoing", "MemoryRecords", "memory_ports"]

T = TypeVar("T", bound=Record)


class MemoryRecords(Generic[T]):
    """Records kept as copies, as a database would: a handler's object is not the stored one."""

    def __init__(self, at_of: Callable[[T], datetime]) -> None:
        self.items: dict[str, T] = {}
        self._at_of = at_of

    async def add(self, item: T) -> bool:
        if item.id in self.items:
            return False
        self.items[item.id] = copy.deepcopy(item)
        return True

    async def get(self, record_id: str) -> T | None:
        return copy.deepcopy(self.items.get(record_id))

    async def save(self, item: T) -> None:
        self.items[item.id] = copy.deepcopy(item)

    async def claim_due(self, now: datetime, limit: int) -> list[T]:
        due = [(when, item) for item in self.items.values() if (when := item.next_at) is not None and when <= now]
        due.sort(key=lambda pair: pair[0])
        return copy.deepcopy([item for _when, item in due[:limit]])

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
        found = [
            item
            for item in self.items.values()
            if (units is None or item.unit_id in units)
            and (states is None or str(item.state) in [str(state) for state in states])
            and (since is None or self._at_of(item) >= since)
            and (until is None or self._at_of(item) < until)
            and (code is None or getattr(item, "code", None) == code)
        ]
        return copy.deepcopy(sorted(found, key=self._at_of, reverse=True)[:limit])


def memory_ports() -> Ports:
    return Ports(
        directory=MemoryDirectory(),
        rounds=MemoryRecords(lambda each: each.due_at),
        hazards=MemoryRecords(lambda each: each.found_at),
        leaves=MemoryRecords(lambda each: each.left_at),
        warnings=MemoryRecords(lambda each: each.received_at),
        spot_checks=MemoryRecords(lambda each: each.at),
        outgoing=MemoryOutgoing(),
    )
