"""Who answers for a unit, from the roster's read model (`services.directory`)."""

from __future__ import annotations

from dataclasses import dataclass

from schemas.values import Person

__all__ = ["OnDuty"]


@dataclass(frozen=True)
class OnDuty:
    """Who answers for a unit now: its officer and leader (None in a gap) and the duty room above it."""

    officer: Person | None
    leader: Person | None
    duty_room: Person | None
