"""`incident.events` into the board's incident cards."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import structlog

from schemas.incident import (
    IncidentAcknowledged,
    IncidentAssigned,
    IncidentClosed,
    IncidentEscalated,
    IncidentReported,
    ReportDelivered,
    ReportFiled,
    ReportOverdue,
)
from schemas.values import ReportKind
from services.board.domain import Delivery, IncidentCard
from services.board.ports import Ports

__all__ = [
    "on_incident_acknowledged",
    "on_incident_assigned",
    "on_incident_closed",
    "on_incident_escalated",
    "on_incident_reported",
    "on_report_delivered",
    "on_report_filed",
    "on_report_overdue",
]

log = structlog.get_logger(__name__)


async def on_incident_reported(message: IncidentReported, ports: Ports, _now: datetime) -> None:
    card = IncidentCard(
        id=message.incident_id,
        unit_id=message.unit_id,
        type=message.type.value,
        severity=message.severity.value,
        occurred_at=message.occurred_at,
        reported_at=message.reported_at,
        first_report_due_at=message.first_report_due_at,
        location=message.location,
        summary=message.summary,
        reporter=message.reporter,
        officer=message.officer,
        leader=message.leader,
    )
    await ports.incidents.save(card)


async def _change(ports: Ports, incident_id: str, change: Callable[[IncidentCard], None]) -> None:
    """Apply `change` to the card; an event for an incident the board never saw is logged and dropped."""
    card = await ports.incidents.get(incident_id)
    if card is None:
        log.warning("event for an incident the board does not know; dropped", incident_id=incident_id)
        return
    change(card)
    await ports.incidents.save(card)


async def on_incident_assigned(message: IncidentAssigned, ports: Ports, _now: datetime) -> None:
    def assign(card: IncidentCard) -> None:
        card.officer, card.leader = message.officer, message.leader

    await _change(ports, message.incident_id, assign)


async def on_incident_acknowledged(message: IncidentAcknowledged, ports: Ports, _now: datetime) -> None:
    def acknowledge(card: IncidentCard) -> None:
        if card.acknowledged_at is None:
            card.acknowledged_by = message.by.name if message.by is not None else message.phone
            card.acknowledged_at = message.acknowledged_at
            card.status = "acknowledged"

    await _change(ports, message.incident_id, acknowledge)


async def on_report_filed(message: ReportFiled, ports: Ports, _now: datetime) -> None:
    def file(card: IncidentCard) -> None:
        if message.kind is ReportKind.FIRST and card.first_reported_at is None:
            card.first_reported_at = message.filed_at
        card.overdue = card.overdue or (message.kind is ReportKind.FIRST and message.late)

    await _change(ports, message.incident_id, file)


async def on_report_delivered(message: ReportDelivered, ports: Ports, _now: datetime) -> None:
    recipient = message.recipient
    delivery = Delivery(
        message.incident_id, message.kind, recipient.role, recipient.name, message.delivered_at, message.acknowledged
    )
    await ports.incidents.add_delivery(delivery)


async def on_report_overdue(message: ReportOverdue, ports: Ports, _now: datetime) -> None:
    def overdue(card: IncidentCard) -> None:
        card.overdue = card.overdue or message.kind is ReportKind.FIRST

    await _change(ports, message.incident_id, overdue)


async def on_incident_escalated(message: IncidentEscalated, ports: Ports, _now: datetime) -> None:
    def escalate(card: IncidentCard) -> None:
        card.escalation_step = max(card.escalation_step, message.step)

    await _change(ports, message.incident_id, escalate)


async def on_incident_closed(message: IncidentClosed, ports: Ports, _now: datetime) -> None:
    def close(card: IncidentCard) -> None:
        card.closed_at, card.status = message.closed_at, "closed"

    await _change(ports, message.incident_id, close)
