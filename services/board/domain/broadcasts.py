"""Notices and warnings sent to the units on duty, and which unit acknowledged them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

__all__ = ["Acknowledgement", "BroadcastCard", "UnitAnswer", "answers"]


@dataclass(frozen=True)
class Acknowledgement:
    unit_id: str
    by: str
    person_name: str | None
    acknowledged_at: datetime


@dataclass
class BroadcastCard:
    id: str
    from_unit_id: str
    title: str
    text: str
    sent_by: str
    sent_at: datetime
    target_unit_ids: tuple[str, ...] | None
    acknowledgements: dict[str, Acknowledgement] = field(default_factory=dict)


@dataclass(frozen=True)
class UnitAnswer:
    unit_id: str
    unit_name: str
    acknowledgement: Acknowledgement | None


def answers(card: BroadcastCard, units: Sequence[tuple[str, str]]) -> list[UnitAnswer]:
    """Each reached unit the viewer may see (id, name), with its acknowledgement if one came; `units` is the
    viewer's units, so a county bureau sees only its own answers."""
    reached = [
        (unit_id, name) for unit_id, name in units if card.target_unit_ids is None or unit_id in card.target_unit_ids
    ]
    return [UnitAnswer(unit_id, name, card.acknowledgements.get(unit_id)) for unit_id, name in reached]
