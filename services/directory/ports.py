"""The read model's port: what a service may ask of the units and shifts it keeps.

Bound to one transaction, like every port. Errors: RetryableError when trying again later can help (the database
is busy or gone); anything else is a bug and permanent.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from services.directory.domain import Shift, Unit

__all__ = ["Directory"]


class Directory(Protocol):
    """The read model of `duty.units` and `duty.shifts`, in the service's own database: never the roster's.

    Shifts are kept with their history. Two readings of "on duty": `current_shift(s)` asks the clock (the shift
    covers `now` and has not ended); `on_duty*` takes the roster's word (a unit's latest-started shift until the
    roster says it ended), for a service that acts on what the roster last said whatever the time.
    """

    async def save_unit(self, unit: Unit) -> None:
        """Insert or replace the unit."""

    async def unit(self, unit_id: str) -> Unit | None: ...

    async def lock_unit(self, unit_id: str) -> Unit | None:
        """The unit, locked until the transaction ends, so two writers for one unit go one after the other."""

    async def units(self) -> list[Unit]: ...

    async def top_unit_ids(self) -> list[str]:
        """The units with no parent: in a city's directory, its bureau."""

    async def duty_room_with_phone(self, phone: str) -> Unit | None:
        """A unit whose duty room has this number."""

    async def save_shift(self, shift: Shift) -> None:
        """Insert or replace the shift (a restated shift replaces itself, and is no longer ended)."""

    async def end_shift(self, shift_id: str, ended_at: datetime) -> None:
        """The shift is over even if its planned end is later (an early handover); an unknown shift is ignored."""

    async def current_shift(self, unit_id: str, now: datetime) -> Shift | None:
        """The latest-started shift of the unit that covers `now` and has not ended."""

    async def current_shifts(self, now: datetime) -> dict[str, Shift]:
        """Per unit, its latest-started shift that covers `now` and has not ended."""

    async def latest_shift_naming(self, phone: str) -> Shift | None:
        """The latest-started shift, ended or not, with this number as its officer's or leader's."""

    async def on_duty(self, unit_ids: Sequence[str] | None) -> dict[str, Shift]:
        """Per unit (of `unit_ids`, or every unit), its latest-started shift when the roster has not ended it."""

    async def on_duty_with_phone(self, phone: str) -> Shift | None:
        """A shift `on_duty` gives whose officer or leader has this number."""

    async def on_duty_with_person(self, person_id: str) -> Shift | None:
        """A shift `on_duty` gives whose officer or leader is this person."""
