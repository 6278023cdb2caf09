"""What every handler shares: the rules it applies, who answers for a unit, and the one way to text someone."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from schemas.notify import SendSms
from services.directory.lookup import duty_room_for
from services.duty_roster.domain.calendar import HolidayCalendar
from services.rounds.domain import LOCAL_TZ, CapSeverity, HazardPolicy, PlanBook
from services.rounds.domain.directory import OnDuty
from services.rounds.ports import Ports

__all__ = ["Rules", "UnknownRecord", "local_time", "on_duty", "text"]


@dataclass(frozen=True)
class Rules:
    book: PlanBook = field(default_factory=PlanBook)
    calendar: HolidayCalendar = field(default_factory=HolidayCalendar)
    horizon: timedelta = timedelta(hours=24)
    hazards: HazardPolicy = field(default_factory=HazardPolicy)
    leave_grace: timedelta = timedelta(minutes=30)
    warning_level: CapSeverity = CapSeverity.MODERATE
    warning_ack_within: timedelta = timedelta(minutes=30)
    spot_checks_per_shift: dict[str, float] = field(default_factory=dict)
    spot_check_answer_within: timedelta = timedelta(minutes=10)
    rng: random.Random = field(default_factory=random.Random)

    def spot_check_rate(self, unit_id: str) -> float:
        return self.spot_checks_per_shift.get(unit_id, self.spot_checks_per_shift.get("*", 0.0))


class UnknownRecord(LookupError):
    """No round, hazard, leave or warning has this id or code."""


async def on_duty(ports: Ports, unit_id: str, now: datetime) -> OnDuty:
    """The unit's officer and leader now, and the duty room above it (the unit's own at the top)."""
    shift = await ports.directory.current_shift(unit_id, now)
    unit = await ports.directory.unit(unit_id)
    duty_room = await duty_room_for(ports.directory, unit)
    if shift is None:
        return OnDuty(None, None, duty_room)
    return OnDuty(shift.officer, shift.leader, duty_room)


async def text(ports: Ports, unit_id: str, to: str, body: str, reason: str) -> None:
    await ports.outgoing.publish(SendSms(unit_id=unit_id, to=to, text=body[:500], reason=reason))


def local_time(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%m-%d %H:%M")
