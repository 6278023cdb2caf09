"""Alerts the rounds service raises on `duty.alerts`: a missed round, an overdue hazard, a spot check and its
silence, a weather warning a unit did not acknowledge. Each starts a run of its own policy."""

from __future__ import annotations

from datetime import datetime

from schemas.notify import RunSubject
from schemas.rounds import (
    HazardOverdue,
    RoundMissed,
    SpotCheckRequested,
    SpotCheckUnanswered,
    WarningUnacknowledged,
)
from services.notifier.domain.texts import local_time, notice_texts
from services.notifier.handlers.starts import contact, start_unit_run
from services.notifier.ports import Ports

__all__ = [
    "on_hazard_overdue",
    "on_round_missed",
    "on_spot_check_requested",
    "on_spot_check_unanswered",
    "on_warning_unacknowledged",
]


async def on_round_missed(event: RoundMissed, ports: Ports, now: datetime) -> None:
    """Officer, then leader, then the duty room (policy `round_missed`)."""
    unit = await ports.directory.unit_name(event.unit_id)
    who = f"，应由{event.assignee.name}完成" if event.assignee else ""
    sms, voice = notice_texts(f"【巡查未报】{unit}{event.title}", f"应于{local_time(event.deadline)}前回报{who}")
    carried = {
        "officer": contact(event.assignee or event.officer),
        "leader": contact(event.leader),
        "duty_room": contact(event.duty_room),
    }
    await start_unit_run(
        ports, now, RunSubject.ROUND_MISSED, event.round_id, event.unit_id, "round_missed", (sms, voice), carried
    )


async def on_hazard_overdue(event: HazardOverdue, ports: Ports, now: datetime) -> None:
    """The owner, then leader, then the duty room (policy `hazard_overdue`)."""
    unit = await ports.directory.unit_name(event.unit_id)
    head = f"【隐患逾期未整改】{unit}"
    sms, voice = notice_texts(
        head, f"{event.description}（{event.hazard_class.label}，期限{local_time(event.deadline)}）"
    )
    carried = {"officer": contact(event.owner), "leader": contact(event.leader), "duty_room": contact(event.duty_room)}
    await start_unit_run(
        ports, now, RunSubject.HAZARD_OVERDUE, event.hazard_id, event.unit_id, "hazard_overdue", (sms, voice), carried
    )


async def on_spot_check_requested(event: SpotCheckRequested, ports: Ports, now: datetime) -> None:
    """A call that must be answered with key 1 (or an SMS reply) (policy `spot_check`)."""
    sms, voice = notice_texts("【查岗】", f"{event.person.name}，请于{local_time(event.answer_by)}前确认在岗")
    carried = {"recipient": contact(event.person)}
    await start_unit_run(
        ports, now, RunSubject.SPOT_CHECK, event.check_id, event.unit_id, "spot_check", (sms, voice), carried
    )


async def on_spot_check_unanswered(event: SpotCheckUnanswered, ports: Ports, now: datetime) -> None:
    """The duty room is told (policy `spot_check_unanswered`)."""
    unit = await ports.directory.unit_name(event.unit_id)
    sms, voice = notice_texts(f"【查岗未应答】{unit}", f"{event.person.name}未应答", event.asked_at)
    carried = {"duty_room": contact(event.duty_room)}
    await start_unit_run(
        ports,
        now,
        RunSubject.SPOT_CHECK_UNANSWERED,
        event.check_id,
        event.unit_id,
        "spot_check_unanswered",
        (sms, voice),
        carried,
    )


async def on_warning_unacknowledged(event: WarningUnacknowledged, ports: Ports, now: datetime) -> None:
    """The unit's leader is called (policy `warning_unacknowledged`)."""
    unit = await ports.directory.unit_name(event.unit_id)
    sms, voice = notice_texts(f"【预警未确认】{unit}", f"值班员未确认：{event.headline}")
    carried = {"leader": contact(event.leader), "officer": contact(event.officer)}
    subject_id = f"{event.warning_id}/{event.unit_id}"
    await start_unit_run(
        ports,
        now,
        RunSubject.WARNING_UNACKNOWLEDGED,
        subject_id,
        event.unit_id,
        "warning_unacknowledged",
        (sms, voice),
        carried,
    )
