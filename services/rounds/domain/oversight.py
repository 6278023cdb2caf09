"""Supervision: spot checks (查岗) at random moments of a shift, and who acknowledged a weather warning."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from schemas.values import Person

__all__ = ["SpotCheck", "SpotCheckState", "WarningRecord", "spot_check_times"]


class SpotCheckState:
    PLANNED = "planned"
    ASKED = "asked"
    ANSWERED = "answered"
    UNANSWERED = "unanswered"


@dataclass
class SpotCheck:
    id: str
    unit_id: str
    shift_id: str
    person: Person
    at: datetime
    answer_by: datetime
    state: str = SpotCheckState.PLANNED
    answered_at: datetime | None = None

    @property
    def next_at(self) -> datetime | None:
        return {SpotCheckState.PLANNED: self.at, SpotCheckState.ASKED: self.answer_by}.get(self.state)


def spot_check_times(
    starts_at: datetime, ends_at: datetime, rate: float, answer_within: timedelta, rng: random.Random
) -> list[datetime]:
    """`rate` spot checks per shift on average (the whole part always, the fraction by chance), each at a random
    moment that leaves time to answer before the shift ends."""
    count = int(rate) + (1 if rng.random() < rate - int(rate) else 0)
    span = (ends_at - starts_at - answer_within).total_seconds()
    if span <= 0:
        return []
    return sorted(starts_at + timedelta(seconds=rng.uniform(0, span)) for _ in range(count))


@dataclass
class WarningRecord:
    """A warning acted on: the units it covers, and when each acknowledged."""

    id: str
    unit_id: str
    headline: str
    event: str
    severity: str
    onset: datetime
    expires: datetime
    units: list[str]
    received_at: datetime
    acknowledged: dict[str, datetime] = field(default_factory=dict)
    escalated: list[str] = field(default_factory=list)
    ack_due_at: datetime | None = None
    cold_wave: bool = True

    @property
    def state(self) -> str:
        return "escalated" if self.escalated else "active"

    @property
    def next_at(self) -> datetime | None:
        """Its timer: when units that have not acknowledged are escalated (once)."""
        return self.ack_due_at if not self.escalated and self.unacknowledged else None

    def cold_wave_at(self, at: datetime) -> bool:
        return self.onset <= at < self.expires

    @property
    def unacknowledged(self) -> list[str]:
        return [unit for unit in self.units if unit not in self.acknowledged]
