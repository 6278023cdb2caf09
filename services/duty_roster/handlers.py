"""One function per thing that happens to the roster: start-up, an import, a tick of the clock, a check-in reply.

Each takes the roster in force where it needs it, the ports of its transaction, and `now`."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import structlog

from schemas.duty import CheckInReceived, DutyRole, ShiftStarted
from services.duty_roster.domain import (
    Issue,
    Override,
    RosterIndex,
    check_override,
)
from services.duty_roster.domain.announce import (
    DutyChange,
    check_in_missed,
    check_in_requested,
    classify_change,
    estimated_years_ahead,
    holidays_reminders,
    shift_ended,
    shift_started,
    unit_digest,
    unit_updated,
)
from services.duty_roster.ports import CheckIn, Outgoing, Ports, PublishedDuty, ShiftLedger

__all__ = [
    "CheckInOutcome",
    "CheckInTiming",
    "ImportOutcome",
    "on_check_in_received",
    "on_check_in_window",
    "on_check_ins_due",
    "on_holidays_reminder_due",
    "on_override_entered",
    "on_roster_file",
    "on_startup",
    "on_tick",
]

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class CheckInTiming:
    lead: timedelta = timedelta(minutes=30)
    grace: timedelta = timedelta(minutes=15)


async def on_startup(index: RosterIndex, ports: Ports, now: datetime) -> int:
    """Tell the others the whole directory and every current shift, so their read models converge after a restart.

    A handover that passed while the service was down goes out once, as a handover.
    """
    return await _sync(now, index, ports.ledger, ports.events, tell_all=True)


async def on_tick(index: RosterIndex, ports: Ports, now: datetime) -> int:
    """Publish each handover that is due, and restate a shift whose people changed (an override began or ended)."""
    return await _sync(now, index, ports.ledger, ports.events, tell_all=False)


class ImportOutcome(StrEnum):
    UNCHANGED = "unchanged"
    IMPORTED = "imported"


async def on_roster_file(
    text: str, source: str, index: RosterIndex, ports: Ports, now: datetime
) -> tuple[ImportOutcome, int]:
    """Store a checked roster file as the roster in force and restate what it changed; the same file is a no-op."""
    digest = hashlib.sha256(text.encode()).hexdigest()
    latest = await ports.versions.latest()
    if latest is not None and latest.digest == digest:
        return ImportOutcome.UNCHANGED, 0
    await ports.versions.add(text, digest, source, now)
    return ImportOutcome.IMPORTED, await _sync(now, index, ports.ledger, ports.events, tell_all=False)


async def on_override_entered(
    override: Override, file_index: tuple[int | None, RosterIndex], ports: Ports, now: datetime
) -> list[Issue]:
    """Record an override (leave, sickness) if the roster with it still checks clean, and restate a current shift it
    touches; otherwise record nothing and return the problems.

    `file_index` is the imported file (its version id and index) without any override entered since."""
    await ports.versions.lock()
    version, index = file_index
    latest = await ports.versions.latest_id()
    if latest is None:
        return [Issue(0, "no roster imported yet; run `dutywatch roster import FILE` first")]
    if latest != version:
        return [Issue(0, "the roster was imported again meanwhile; enter the override again")]
    proposed = index.with_overrides([*await ports.overrides.all(), override])
    issues = check_override(proposed, override)
    if issues:
        return issues
    await ports.overrides.add(override)
    await _sync(now, proposed, ports.ledger, ports.events, tell_all=False)
    return []


async def _sync(now: datetime, index: RosterIndex, ledger: ShiftLedger, events: Outgoing, *, tell_all: bool) -> int:
    published = await ledger.published()
    sent = 0
    for unit_id, roster in index.units.items():
        before = published.get(unit_id, PublishedDuty(unit_id, None, None))
        directory = unit_updated(roster.unit)
        digest = unit_digest(directory)
        if tell_all or digest != before.unit_digest:
            await events.publish(directory)
            sent += 1
        shift, count = await _sync_shift(now, index, unit_id, before.shift, ledger, events, tell_all=tell_all)
        if digest != before.unit_digest or shift != before.shift:
            await ledger.save(PublishedDuty(unit_id, digest, shift), now)
        sent += count
    return sent


async def _sync_shift(
    now: datetime,
    index: RosterIndex,
    unit_id: str,
    previous: ShiftStarted | None,
    ledger: ShiftLedger,
    events: Outgoing,
    *,
    tell_all: bool,
) -> tuple[ShiftStarted | None, int]:
    current = shift_started(index, index.on_duty(unit_id, now), restated=True)
    if current is None:
        log.error("no officer or leader on duty: a gap in the roster", unit_id=unit_id, at=now.isoformat())
        return previous, 0
    change = classify_change(previous, current)
    if change is DutyChange.HANDOVER and previous is not None:
        if not await ledger.first_handover(current.shift_id, unit_id, now):
            return current, 0
        handed_over = current.model_copy(update={"restated": False})
        await events.publish(shift_ended(previous), correlation_id=previous.shift_id)
        await events.publish(handed_over, correlation_id=current.shift_id)
        return handed_over, 2
    if change is DutyChange.RESTATE or tell_all:
        await events.publish(current, correlation_id=current.shift_id)
        return current, 1
    return previous, 0


async def on_check_in_window(index: RosterIndex, timing: CheckInTiming, ports: Ports, now: datetime) -> int:
    """Ask each incoming officer and leader to check in, from `lead` before the shift until its grace period ends."""
    opened = 0
    for check_in in _check_ins_open_at(now, index, timing):
        if await ports.check_ins.open(check_in, now):
            shift = index.shift_at(check_in.unit_id, check_in.starts_at)
            await ports.events.publish(
                check_in_requested(shift, check_in.role, check_in.person, timing.grace),
                correlation_id=check_in.shift_id,
            )
            opened += 1
    return opened


def _check_ins_open_at(now: datetime, index: RosterIndex, timing: CheckInTiming) -> Iterable[CheckIn]:
    for unit_id in index.units:
        current = index.shift_at(unit_id, now)
        for shift in (current, index.shift(unit_id, current.index + 1)):
            if not shift.starts_at - timing.lead <= now < shift.starts_at + timing.grace:
                continue
            on_duty = index.on_duty(unit_id, shift.starts_at)
            seats = ((DutyRole.OFFICER, on_duty.officer.person_id), (DutyRole.LEADER, on_duty.leader.person_id))
            for role, person_id in seats:
                if person_id is not None:
                    person = index.person(person_id)
                    yield CheckIn(
                        shift.shift_id, unit_id, role, person, shift.starts_at, shift.starts_at + timing.grace
                    )


async def on_check_ins_due(index: RosterIndex, ports: Ports, now: datetime) -> int:
    """Each check-in whose grace period ended unanswered alerts the city's duty room (and, for an officer's, the
    leader), once."""
    check_ins, events = ports.check_ins, ports.events
    due = await check_ins.claim_due(now, limit=200)
    for check_in in due:
        missed = check_in_missed(
            index, check_in.unit_id, check_in.shift_id, check_in.role, check_in.person, check_in.due_by
        )
        await events.publish(missed, correlation_id=check_in.shift_id)
        await check_ins.mark_missed(check_in.shift_id, check_in.role, now)
        log.warning("check-in missed", unit_id=check_in.unit_id, shift_id=check_in.shift_id, role=check_in.role.value)
    return len(due)


class CheckInOutcome(StrEnum):
    CLOSED = "closed"
    UNKNOWN_SHIFT = "unknown_shift"
    ALREADY_CLOSED = "already_closed"
    TOO_LATE = "too_late"
    OTHER_NUMBER = "other_number"


async def on_check_in_received(event: CheckInReceived, ports: Ports, _now: datetime) -> CheckInOutcome:
    """A reply from the number of the person asked (officer or leader) within the grace period closes that role's
    check-in; anything else leaves it open."""
    check_in = await ports.check_ins.get(event.shift_id, event.role)
    outcome = _judge(check_in, event)
    if outcome is CheckInOutcome.CLOSED and not await ports.check_ins.mark_received(
        event.shift_id, event.role, event.received_at
    ):
        outcome = CheckInOutcome.ALREADY_CLOSED
    log.info("check-in reply", shift_id=event.shift_id, role=event.role.value, outcome=outcome.value)
    return outcome


def _judge(check_in: CheckIn | None, event: CheckInReceived) -> CheckInOutcome:
    if check_in is None:
        return CheckInOutcome.UNKNOWN_SHIFT
    if check_in.received_at is not None or check_in.missed_at is not None:
        return CheckInOutcome.ALREADY_CLOSED
    if event.received_at > check_in.due_by:
        return CheckInOutcome.TOO_LATE
    if event.phone != check_in.person.phone:
        return CheckInOutcome.OTHER_NUMBER
    return CheckInOutcome.CLOSED


async def on_holidays_reminder_due(index: RosterIndex, ports: Ports, now: datetime) -> int:
    """Once a week while this year's (or, from 1 November, next year's) holidays are estimated: ask the city's duty
    room and the roster's administrators by SMS to enter the State Council's schedule."""
    sent = 0
    for year in estimated_years_ahead(index, now):
        if not await ports.reminders.first_this_week(year, now):
            continue
        for sms in holidays_reminders(index, year):
            await ports.events.publish(sms)
            sent += 1
        log.warning("holidays estimated: reminder sent", year=year, recipients=sent)
    return sent
