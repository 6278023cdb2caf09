"""What the notifier tells us: acknowledgements, attempt outcomes and exhausted runs, each on the timeline."""

from __future__ import annotations

from datetime import datetime

import structlog

from schemas.incident import IncidentEscalated, ReportDelivered
from schemas.notify import (
    AttemptDelivered,
    AttemptFailed,
    AttemptSent,
    NotificationAcknowledged,
    RunExhausted,
    RunStopped,
    RunSubject,
)
from schemas.values import ReportKind
from services.incident.domain import Delivery, Incident, TimelineEntry, TimelineKind
from services.incident.handlers.common import acknowledge, write
from services.incident.ports import Ports

__all__ = [
    "on_attempt_delivered",
    "on_attempt_failed",
    "on_attempt_sent",
    "on_notification_acknowledged",
    "on_run_exhausted",
    "on_run_stopped",
]

log = structlog.get_logger(__name__)

# Runs whose subject_id is an incident id, or `<incident id>/<report kind>` for report deliveries.
INCIDENT_SUBJECTS = {RunSubject.INCIDENT, RunSubject.REPORT_DUE, RunSubject.REPORT_OVERDUE, RunSubject.REPORT}

Outcome = AttemptSent | AttemptDelivered | AttemptFailed


def _split(subject: RunSubject, subject_id: str) -> tuple[str, ReportKind | None]:
    """The incident, and for a report delivery which report; reminders' `/<kind>` names no delivery."""
    incident_id, _, kind = subject_id.partition("/")
    if subject is not RunSubject.REPORT:
        return incident_id, None
    try:
        return incident_id, ReportKind(kind)
    except ValueError:
        log.warning("report run with an unreadable subject id", subject_id=subject_id)
        return incident_id, None


async def _incident_for(
    ports: Ports, subject: RunSubject, subject_id: str
) -> tuple[Incident, ReportKind | None] | None:
    """The incident a run is about; None for runs about something else or an incident we never had."""
    if subject not in INCIDENT_SUBJECTS:
        return None
    incident_id, kind = _split(subject, subject_id)
    incident = await ports.incidents.lock(incident_id)
    if incident is None:
        log.warning("notification about an unknown incident ignored", subject=subject.value, subject_id=subject_id)
        return None
    return incident, kind


def _outcome_entry(kind: TimelineKind, outcome: Outcome, at: datetime, detail: str) -> TimelineEntry:
    return TimelineEntry(
        at,
        kind,
        f"{outcome.subject.value} step {outcome.step}: {outcome.channel.value} to {outcome.to} {detail}",
        actor=outcome.to,
        channel=outcome.channel.value,
        data={
            "run_id": outcome.run_id,
            "attempt_id": outcome.attempt_id,
            "step": outcome.step,
            "provider": outcome.provider,
        },
    )


async def on_attempt_sent(sent: AttemptSent, ports: Ports, now: datetime) -> None:
    """On the timeline; a later step of the incident's own run marks it escalated."""
    found = await _incident_for(ports, sent.subject, sent.subject_id)
    if found is None:
        return
    incident, _ = found
    entries = [_outcome_entry(TimelineKind.NOTIFICATION_SENT, sent, sent.sent_at, f"sent via {sent.provider}")]
    escalates = sent.subject is RunSubject.INCIDENT and sent.step > incident.escalation_step
    if escalates and incident.acknowledged_at is None:
        incident.escalation_step = sent.step
        reason = f"no acknowledgement yet; step {sent.step} of run {sent.run_id}"
        entries.append(
            TimelineEntry(sent.sent_at, TimelineKind.ESCALATED, reason, actor=sent.to, channel=sent.channel.value)
        )
        await ports.outgoing.publish(
            IncidentEscalated(
                unit_id=incident.unit_id, incident_id=incident.id, step=sent.step, targets=[sent.to], reason=reason
            ),
            incident.id,
        )
    await write(ports, incident, now, *entries)


async def on_attempt_delivered(delivered: AttemptDelivered, ports: Ports, now: datetime) -> None:
    """On the timeline; for a report, that recipient's delivery is recorded and announced."""
    found = await _incident_for(ports, delivered.subject, delivered.subject_id)
    if found is None:
        return
    incident, kind = found
    entry = _outcome_entry(TimelineKind.NOTIFICATION_DELIVERED, delivered, delivered.delivered_at, "delivered")
    if kind is not None:
        phone = await _recorded_under(ports, incident, delivered.to)
        delivery = await ports.reports.record_delivery(
            incident.id, kind, phone, delivered.delivered_at, delivered.channel
        )
        if delivery is not None:
            await _announce_delivery(ports, incident, kind, delivery)
            entry = _report_entry(
                TimelineKind.REPORT_DELIVERED, kind, delivery, delivered.delivered_at, delivered.channel.value
            )
    await ports.incidents.append(incident.id, entry)


async def on_attempt_failed(failed: AttemptFailed, ports: Ports, now: datetime) -> None:
    found = await _incident_for(ports, failed.subject, failed.subject_id)
    if found is None:
        return
    incident, _ = found
    permanence = "permanently" if failed.permanent else "for now"
    detail = f"failed {permanence}: {failed.error_code} {failed.error}"
    await ports.incidents.append(
        incident.id, _outcome_entry(TimelineKind.NOTIFICATION_FAILED, failed, failed.failed_at, detail)
    )


async def on_notification_acknowledged(ack: NotificationAcknowledged, ports: Ports, now: datetime) -> None:
    """An incident run's ack acknowledges the incident (once); a report run's ack is that recipient's."""
    found = await _incident_for(ports, ack.subject, ack.subject_id)
    if found is None:
        return
    incident, kind = found
    if kind is not None:
        await _acknowledge_report(ports, incident, kind, ack)
        return
    who = ack.person_name or ack.by
    entry = TimelineEntry(
        ack.acknowledged_at,
        TimelineKind.ACKNOWLEDGED,
        f"{ack.subject.value} acknowledged by {who}",
        actor=who,
        channel=ack.channel.value,
        data={"run_id": ack.run_id},
    )
    if ack.subject is RunSubject.INCIDENT and incident.acknowledged_at is None:
        await acknowledge(ports, incident, ack.by, ack.channel, ack.acknowledged_at)
    await write(ports, incident, now, entry)


async def _acknowledge_report(
    ports: Ports, incident: Incident, kind: ReportKind, ack: NotificationAcknowledged
) -> None:
    phone = await _recorded_under(ports, incident, ack.by)
    delivery = await ports.reports.record_acknowledgement(incident.id, kind, phone, ack.acknowledged_at, ack.channel)
    if delivery is None:
        entry = TimelineEntry(
            ack.acknowledged_at,
            TimelineKind.REPORT_ACKNOWLEDGED,
            f"{kind.label} acknowledged by {ack.by} (no delivery on record)",
            actor=ack.by,
            channel=ack.channel.value,
        )
    else:
        await _announce_delivery(ports, incident, kind, delivery)
        entry = _report_entry(TimelineKind.REPORT_ACKNOWLEDGED, kind, delivery, ack.acknowledged_at, ack.channel.value)
    await ports.incidents.append(incident.id, entry)


async def _recorded_under(ports: Ports, incident: Incident, phone: str) -> str:
    """A recipient reached on another of its numbers: the delivery is its role's, under the first number."""
    unit = await ports.directory.unit(incident.unit_id)
    return unit.recipient_phone(phone) if unit is not None else phone


async def _announce_delivery(ports: Ports, incident: Incident, kind: ReportKind, delivery: Delivery) -> None:
    if delivery.delivered_at is None or delivery.channel is None:
        return
    await ports.outgoing.publish(
        ReportDelivered(
            unit_id=incident.unit_id,
            incident_id=incident.id,
            kind=kind,
            recipient=delivery.recipient,
            channel=delivery.channel,
            delivered_at=delivery.delivered_at,
            acknowledged=delivery.acknowledged_at is not None,
        ),
        incident.id,
    )


def _report_entry(
    kind: TimelineKind, report: ReportKind, delivery: Delivery, at: datetime, channel: str
) -> TimelineEntry:
    recipient = delivery.recipient
    verb = "acknowledged by" if kind is TimelineKind.REPORT_ACKNOWLEDGED else "delivered to"
    return TimelineEntry(
        at,
        kind,
        f"{report.label} {verb} {recipient.role.label} {recipient.name}",
        actor=recipient.phone,
        channel=channel,
        data={"report_id": delivery.report_id, "role": recipient.role.value},
    )


async def on_run_exhausted(exhausted: RunExhausted, ports: Ports, now: datetime) -> None:
    found = await _incident_for(ports, exhausted.subject, exhausted.subject_id)
    if found is None:
        return
    incident, _ = found
    nobody = ", ".join(exhausted.unacknowledged) or "nobody"
    entry = TimelineEntry(
        exhausted.exhausted_at,
        TimelineKind.RUN_EXHAUSTED,
        f"{exhausted.subject.value} run ended after {exhausted.steps} steps; never acknowledged: {nobody}",
        data={"run_id": exhausted.run_id, "unacknowledged": list(exhausted.unacknowledged)},
    )
    await ports.incidents.append(incident.id, entry)


async def on_run_stopped(stopped: RunStopped, ports: Ports, now: datetime) -> None:
    """A report answered a run: the timeline says which run stopped, after how many steps, and why."""
    found = await _incident_for(ports, stopped.subject, stopped.subject_id)
    if found is None:
        return
    incident, _ = found
    entry = TimelineEntry(
        stopped.stopped_at,
        TimelineKind.RUN_STOPPED,
        f"{stopped.subject.value} run stopped after {stopped.steps_taken} steps: {stopped.reason}",
        data={"run_id": stopped.run_id, "subject": stopped.subject.value, "steps_taken": stopped.steps_taken},
    )
    await ports.incidents.append(incident.id, entry)
