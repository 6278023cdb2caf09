"""Answers several services need from the read model, asked through whatever directory a service keeps."""

from __future__ import annotations

from typing import Protocol, TypeVar

from services.directory.domain import Placed, duty_room_above

__all__ = ["UnitsById", "duty_room_for"]

Room = TypeVar("Room")
Unit_co = TypeVar("Unit_co", covariant=True)


class UnitsById(Protocol[Unit_co]):
    """The part of a directory `duty_room_for` reads: `ports.Directory`, or a service's own view of it."""

    async def unit(self, unit_id: str) -> Unit_co | None: ...


async def duty_room_for(directory: UnitsById[Placed[Room]], unit: Placed[Room] | None) -> Room | None:
    """Who answers for `unit` when nobody is on duty there: the duty room above it (`duty_room_above`)."""
    parent = await directory.unit(unit.parent_id) if unit is not None and unit.parent_id else None
    return duty_room_above(unit, parent)
