"""Spot checks (查岗): at random moments of a shift the officer or leader is called and must press 1 (or reply)
within the answer time; an unanswered one is recorded and the duty room told."""

from __future__ import annotations

from datetime import datetime

from schemas.notify import NotificationAcknowledged, RunSubject
from schemas.rounds import SpotCheckRequested, SpotCheckUnanswered
from services.directory.domain import Shift
from services.rounds.domain import SpotCheck, SpotCheckState, spot_check_times
from services.rounds.handlers.common import Rules, on_duty
from services.rounds.ports import Ports

__all__ = ["fire_spot_checks", "on_spot_check_answered", "plan_spot_checks"]


async def plan_spot_checks(shift: Shift, ports: Ports, rules: Rules, now: datetime) -> int:
    """Draw the shift's spot checks once (a restated shift keeps those it has)."""
    rate = rules.spot_check_rate(shift.unit_id)
    if rate <= 0 or await ports.spot_checks.find(units=[shift.unit_id], since=shift.starts_at, until=shift.ends_at):
        return 0
    within = rules.spot_check_answer_within
    moments = spot_check_times(max(shift.starts_at, now), shift.ends_at, rate, within, rules.rng)
    for number, moment in enumerate(moments):
        person = rules.rng.choice((shift.officer, shift.leader))
        check = SpotCheck(f"sc-{shift.id}-{number}"[:200], shift.unit_id, shift.id, person, moment, moment + within)
        await ports.spot_checks.add(check)
    return len(moments)


async def fire_spot_checks(ports: Ports, now: datetime, limit: int = 200) -> int:
    due = await ports.spot_checks.claim_due(now, limit)
    for check in due:
        if check.state == SpotCheckState.PLANNED:
            check.state = SpotCheckState.ASKED
            asked = SpotCheckRequested(
                unit_id=check.unit_id, check_id=check.id, person=check.person, answer_by=check.answer_by
            )
            await ports.outgoing.publish(asked, check.id)
        else:
            check.state = SpotCheckState.UNANSWERED
            duty_room = (await on_duty(ports, check.unit_id, now)).duty_room
            unanswered = SpotCheckUnanswered(
                unit_id=check.unit_id, check_id=check.id, person=check.person, asked_at=check.at, duty_room=duty_room
            )
            await ports.outgoing.publish(unanswered, check.id)
        await ports.spot_checks.save(check)
    return len(due)


async def on_spot_check_answered(ack: NotificationAcknowledged, ports: Ports) -> None:
    """The person pressed 1 or replied: answered, if still within the time."""
    if ack.subject is not RunSubject.SPOT_CHECK:
        return
    check = await ports.spot_checks.get(ack.subject_id)
    if check is None or check.state != SpotCheckState.ASKED or ack.acknowledged_at > check.answer_by:
        return
    check.state, check.answered_at = SpotCheckState.ANSWERED, ack.acknowledged_at
    await ports.spot_checks.save(check)
