"""What each page reads: the read model, narrowed to the units the viewer's token may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.board.domain import (
    BroadcastCard,
    CheckInState,
    DutyLine,
    IncidentCard,
    RecipientClock,
    Unit,
    UnitAnswer,
    answers,
    recipient_clocks,
    visible_units,
)
from services.board.ports import Ports

__all__ = ["BroadcastView", "IncidentView", "broadcast_views", "duty_lines", "open_incidents", "units_of"]


async def units_of(ports: Ports, allowed: frozenset[str] | None) -> list[Unit]:
    return visible_units(allowed, await ports.directory.units())


async def duty_lines(ports: Ports, allowed: frozenset[str] | None, now: datetime) -> list[DutyLine]:
    """Each visible unit with its shift now and its officer's check-in (the next shift is the roster's)."""
    units = await units_of(ports, allowed)
    shifts = await ports.directory.current_shifts(now)
    check_ins = await ports.check_ins.check_ins([shift.id for shift in shifts.values()])
    lines = []
    for unit in units:
        shift = shifts.get(unit.id)
        check_in = check_ins.get(shift.id) if shift is not None else None
        state = check_in.state(now) if check_in is not None else None
        lines.append(DutyLine(unit, shift, state or CheckInState.NOT_ASKED))
    return lines


@dataclass(frozen=True)
class IncidentView:
    card: IncidentCard
    unit_name: str
    clocks: list[RecipientClock]
    late: bool


async def open_incidents(ports: Ports, allowed: frozenset[str] | None, now: datetime) -> list[IncidentView]:
    units = {unit.id: unit for unit in await units_of(ports, allowed)}
    cards = await ports.incidents.open_of(None if allowed is None else sorted(allowed))
    deliveries = await ports.incidents.deliveries([card.id for card in cards])
    views = []
    for card in cards:
        unit = units.get(card.unit_id)
        mine = [each for each in deliveries if each.incident_id == card.id]
        clocks = recipient_clocks(card, unit.recipients if unit else (), mine, now)
        views.append(IncidentView(card, unit.name if unit else card.unit_id, clocks, card.late(now)))
    return views


@dataclass(frozen=True)
class BroadcastView:
    card: BroadcastCard
    answers: list[UnitAnswer]

    @property
    def acknowledged(self) -> int:
        return sum(1 for answer in self.answers if answer.acknowledgement is not None)


async def broadcast_views(ports: Ports, allowed: frozenset[str] | None, limit: int = 20) -> list[BroadcastView]:
    """Recent notices that reached a unit the viewer sees, with those units' acknowledgements."""
    units = [(unit.id, unit.name) for unit in await units_of(ports, allowed)]
    views = [BroadcastView(card, answers(card, units)) for card in await ports.broadcasts.recent(limit)]
    return [view for view in views if view.answers or allowed is None]
