"""Events and commands that start, stop and close escalation runs, and the roster read models."""

from __future__ import annotations

from datetime import datetime

import structlog

from schemas.broadcast import BroadcastSent
from schemas.duty import CheckInMissed, CheckInRequested, DutyRole, ShiftEnded, ShiftStarted, UnitUpdated
from schemas.envelope import Envelope
from schemas.incident import IncidentAcknowledged, IncidentClosed, IncidentReported, ReportDueSoon, ReportOverdue
from schemas.notify import DeliverReport, DeliverReportV1, PlaceCall, RunSubject, SendSms
from schemas.values import Person, Recipient
from services.directory.lookup import duty_room_for
from services.notifier.domain import Contact
from services.notifier.domain.broadcasts import Broadcast
from services.notifier.domain.check_ins import check_in_subject
from services.notifier.domain.numbers import ALTERNATE
from services.notifier.domain.runs import NewRun, NewTrack, report_subject_id
from services.notifier.domain.texts import incident_texts, local_time, notice_texts
from services.notifier.ports import Ports

__all__ = [
    "on_broadcast_sent",
    "on_check_in_missed",
    "on_check_in_requested",
    "on_deliver_report",
    "on_incident_acknowledged",
    "on_incident_closed",
    "on_incident_reported",
    "on_place_call",
    "on_report_due_soon",
    "on_report_overdue",
    "on_send_sms",
    "on_shift_ended",
    "on_shift_started",
    "on_unit_updated",
]

log = structlog.get_logger(__name__)


def contact(person: Person | Recipient | None) -> Contact | None:
    if person is None:
        return None
    return Contact(name=person.name, phone=person.phone, person_id=getattr(person, "id", None))


def only_filled(contacts: dict[str, Contact | None]) -> dict[str, Contact]:
    return {role: person for role, person in contacts.items() if person is not None}


async def unit_contacts(
    ports: Ports, unit_id: str, policy: str, carried: dict[str, Contact | None]
) -> dict[str, Contact]:
    """What the event carries, completed from the directory: duty room, report recipients, named people."""
    contacts = only_filled(carried)
    unit = await ports.directory.unit(unit_id)
    if unit is not None:
        duty_room = await duty_room_for(ports.directory, unit)
        contacts = {**unit.recipients, **only_filled({"duty_room": duty_room}), **contacts}
    for step in ports.policies.for_run(policy, unit_id).steps:
        for role in step.targets:
            if role.startswith("person:") and role not in contacts:
                person = await ports.directory.person(role.removeprefix("person:"))
                contacts.update(only_filled({role: person}))
    return contacts


async def start(ports: Ports, now: datetime, run: NewRun) -> str:
    run_id = await ports.runs.add_run(run, now)
    log.info("run started", run_id=run_id, subject=run.subject, subject_id=run.subject_id, unit_id=run.unit_id)
    return run_id


async def start_unit_run(
    ports: Ports,
    now: datetime,
    subject: RunSubject,
    subject_id: str,
    unit_id: str,
    policy: str,
    texts: tuple[str, str],
    carried: dict[str, Contact | None],
    *,
    major: bool = False,
) -> str:
    """One run with one track for a unit: who the event names, completed from the directory."""
    contacts = await unit_contacts(ports, unit_id, policy, carried)
    sms, voice = texts
    return await start(
        ports,
        now,
        NewRun(subject, subject_id, unit_id, policy, sms, voice, [NewTrack(unit_id, policy, contacts)], major=major),
    )


async def on_incident_reported(event: IncidentReported, ports: Ports, now: datetime) -> None:
    unit = await ports.directory.unit_name(event.unit_id)
    sms, voice = incident_texts(
        unit, event.type.label, event.severity.label, event.location, event.summary, event.occurred_at
    )
    # In a gap (no shift) the incident is assigned to the parent's duty room: it stands in for both roles,
    # so the first step reaches a person at once instead of finding nobody and moving on.
    carried = {
        "officer": contact(event.officer or event.duty_room),
        "leader": contact(event.leader or event.duty_room),
        "duty_room": contact(event.duty_room),
    }
    await start_unit_run(
        ports,
        now,
        RunSubject.INCIDENT,
        event.incident_id,
        event.unit_id,
        "incident",
        (sms, voice),
        carried,
        major=event.severity.is_major,
    )


async def on_incident_acknowledged(event: IncidentAcknowledged, ports: Ports, now: datetime) -> None:
    """Acknowledged elsewhere (or through us): the incident's run stops if it is still open."""
    for run in await ports.runs.open_runs_for([event.incident_id], [RunSubject.INCIDENT]):
        await stop_run(ports, now, run.id, "acknowledged")


async def on_incident_closed(event: IncidentClosed, ports: Ports, now: datetime) -> None:
    """Every run of the incident ends, and their reply codes may be given out again."""
    runs = await ports.runs.runs_for_incident(event.incident_id)
    for run in runs:
        if run.state == "open":
            await stop_run(ports, now, run.id, "closed")
    await ports.codes.free_codes([run.id for run in runs])


async def stop_run(ports: Ports, now: datetime, run_id: str, state: str) -> None:
    tracks = await ports.tracks.tracks_of(run_id)
    for track in tracks:
        await ports.tracks.end_track(track.id, "stopped")
    await ports.attempts.cancel_pending_attempts([track.id for track in tracks], now)
    await ports.runs.end_run(run_id, state, now)


async def answered(ports: Ports, subject: RunSubject, subject_id: str) -> bool:
    """A filed report already answered this reminder (it came after the filing): it starts no run."""
    if not await ports.answered.answered_among([(subject, subject_id)]):
        return False
    log.info("reminder not started: its report is filed", subject=subject, subject_id=subject_id)
    return True


async def on_report_due_soon(event: ReportDueSoon, ports: Ports, now: datetime) -> None:
    if await answered(ports, RunSubject.REPORT_DUE, report_subject_id(event.incident_id, event.kind)):
        return
    unit = await ports.directory.unit_name(event.unit_id)
    sms, voice = notice_texts(f"【{event.kind.label}将到期】{unit}", f"请于{local_time(event.due_at)}前报送", None)
    carried = {"officer": contact(event.officer), "leader": contact(event.leader)}
    await start_unit_run(
        ports,
        now,
        RunSubject.REPORT_DUE,
        report_subject_id(event.incident_id, event.kind),
        event.unit_id,
        "report_due",
        (sms, voice),
        carried,
    )


async def on_report_overdue(event: ReportOverdue, ports: Ports, now: datetime) -> None:
    if await answered(ports, RunSubject.REPORT_OVERDUE, report_subject_id(event.incident_id, event.kind)):
        return
    unit = await ports.directory.unit_name(event.unit_id)
    sms, voice = notice_texts(
        f"【{event.kind.label}迟报】{unit}", f"应于{local_time(event.due_at)}前报送，至今未报", None
    )
    carried = {
        "officer": contact(event.officer),
        "leader": contact(event.leader),
        "municipal_bureau": contact(event.municipal_bureau),
    }
    await start_unit_run(
        ports,
        now,
        RunSubject.REPORT_OVERDUE,
        report_subject_id(event.incident_id, event.kind),
        event.unit_id,
        "report_overdue",
        (sms, voice),
        carried,
    )


async def on_check_in_requested(event: CheckInRequested, ports: Ports, now: datetime) -> None:
    """The person asked (officer or leader) gets the `check_in` policy, whose `officer` target is whoever must check
    in; each role of a shift has a run of its own."""
    duty = "带班" if event.role is DutyRole.LEADER else "值班"
    name = event.person.name
    sms = f"【{duty}签到】{name}，您的{duty}{local_time(event.starts_at)}开始，请于{local_time(event.due_by)}前"
    voice = f"{name}，您的{duty}即将开始，请签到"
    await start_unit_run(
        ports,
        now,
        RunSubject.CHECK_IN,
        check_in_subject(event.shift_id, event.role),
        event.unit_id,
        "check_in",
        (sms, voice),
        {"officer": contact(event.person)},
    )


async def on_check_in_missed(event: CheckInMissed, ports: Ports, now: datetime) -> None:
    """The leader (for an officer's) and the duty room are alerted; a leader's own missed check-in reaches the duty
    room alone, since the event names no leader to alert."""
    unit = await ports.directory.unit_name(event.unit_id)
    who = "带班领导" if event.role is DutyRole.LEADER else "值班员"
    sms, voice = notice_texts(f"【签到未到】{unit}", f"{who}{event.person.name}未按时签到", event.due_by)
    carried = {
        "officer": contact(event.person),
        "leader": contact(event.leader),
        "duty_room": contact(event.municipal_duty_room),
    }
    subject_id = check_in_subject(event.shift_id, event.role)
    await start_unit_run(
        ports, now, RunSubject.CHECK_IN_MISSED, subject_id, event.unit_id, "check_in_missed", (sms, voice), carried
    )


async def on_deliver_report(command: DeliverReportV1, ports: Ports, now: datetime) -> None:
    """Each recipient (role) gets its own track, its numbers in the order given: notified until it
    acknowledges; a call reads the report's `speech`."""
    unit = await ports.directory.unit_name(command.unit_id)
    sms, voice = notice_texts(f"【{unit}{command.kind.label}】", command.text)
    voice = command.speech if isinstance(command, DeliverReport) else voice
    by_role: dict[str, dict[str, Contact]] = {}
    for recipient in command.recipients:
        numbers = by_role.setdefault(recipient.role.value, {})
        key = f"recipient{ALTERNATE}{len(numbers)}" if numbers else "recipient"
        numbers[key] = Contact(recipient.name, recipient.phone)
    tracks = [NewTrack(command.unit_id, role, numbers) for role, numbers in by_role.items()]
    subject_id = report_subject_id(command.incident_id, command.kind)
    await start(ports, now, NewRun(RunSubject.REPORT, subject_id, command.unit_id, "report", sms, voice, tracks))


async def on_broadcast_sent(event: BroadcastSent, ports: Ports, now: datetime) -> None:
    """Every targeted unit's on-duty officer gets a track of their own."""
    await ports.broadcasts.add_broadcast(Broadcast.sent(event))
    on_duty = await ports.directory.on_duty(event.target_unit_ids)
    missing = sorted(set(event.target_unit_ids or ()) - set(on_duty))
    if missing:
        log.warning("broadcast targets units with nobody on duty", broadcast_id=event.broadcast_id, units=missing)
    tracks = [
        NewTrack(unit_id, unit_id, {"recipient": officer}) for unit_id, (officer, _leader) in sorted(on_duty.items())
    ]
    if not tracks:
        log.error("broadcast reaches nobody: no shift known yet", broadcast_id=event.broadcast_id)
        return
    sms, voice = notice_texts(f"【{event.title}】", event.text)
    await start(
        ports, now, NewRun(RunSubject.BROADCAST, event.broadcast_id, event.unit_id, "broadcast", sms, voice, tracks)
    )


async def on_send_sms(envelope: Envelope[SendSms], ports: Ports, now: datetime) -> None:
    """The command's event id names the run (the message it sends)."""
    command, message_id = envelope.payload, str(envelope.event_id)
    track = NewTrack(command.unit_id, "message", {"recipient": Contact(command.to, command.to)})
    run = NewRun(RunSubject.MESSAGE, message_id, command.unit_id, "message_sms", command.text, command.text, [track])
    await start(ports, now, run)


async def on_place_call(envelope: Envelope[PlaceCall], ports: Ports, now: datetime) -> None:
    """Like `on_send_sms`, by voice."""
    command, message_id = envelope.payload, str(envelope.event_id)
    track = NewTrack(command.unit_id, "message", {"recipient": Contact(command.to, command.to)})
    run = NewRun(
        RunSubject.MESSAGE, message_id, command.unit_id, "message_voice", command.script, command.script, [track]
    )
    await start(ports, now, run)


async def on_shift_started(event: ShiftStarted, ports: Ports, now: datetime) -> None:
    await ports.directory.shift_started(event)


async def on_shift_ended(event: ShiftEnded, ports: Ports, now: datetime) -> None:
    await ports.directory.shift_ended(event)


async def on_unit_updated(event: UnitUpdated, ports: Ports, now: datetime) -> None:
    await ports.directory.unit_updated(event)
