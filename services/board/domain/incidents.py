"""Open incidents as the board shows them: each report recipient's clock to the first-report deadline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from schemas.values import Person, Recipient, RecipientRole, ReportKind

__all__ = ["ClockState", "Delivery", "IncidentCard", "RecipientClock", "recipient_clocks"]


@dataclass
class IncidentCard:
    """The read model of one incident, kept up to date from `incident.events`."""

    id: str
    unit_id: str
    type: str
    severity: str
    occurred_at: datetime
    reported_at: datetime
    first_report_due_at: datetime
    location: str
    summary: str
    reporter: str
    officer: Person | None
    leader: Person | None
    status: str = "open"
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    escalation_step: int = 0
    first_reported_at: datetime | None = None
    overdue: bool = False
    closed_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def late(self, now: datetime) -> bool:
        """The first report is (or was) late: 迟报 stays on the record."""
        if self.overdue:
            return True
        if self.first_reported_at is not None:
            return self.first_reported_at > self.first_report_due_at
        return now >= self.first_report_due_at


@dataclass(frozen=True)
class Delivery:
    """A report reached one recipient (`incident.report_delivered`)."""

    incident_id: str
    kind: ReportKind
    role: RecipientRole
    name: str
    delivered_at: datetime
    acknowledged: bool


class ClockState(StrEnum):
    WAITING = "waiting"
    LATE = "late"
    DELIVERED = "delivered"
    ACKNOWLEDGED = "acknowledged"

    @property
    def label(self) -> str:
        return {"waiting": "待报", "late": "已超时", "delivered": "已送达", "acknowledged": "已确认"}[self.value]


@dataclass(frozen=True)
class RecipientClock:
    """One recipient (党委, 政府, 市民政局) of one incident's first report."""

    role: RecipientRole
    name: str
    due_at: datetime
    state: ClockState
    delivered_at: datetime | None

    @property
    def red(self) -> bool:
        return self.state is ClockState.LATE or (self.delivered_at is not None and self.delivered_at > self.due_at)


def recipient_clocks(
    card: IncidentCard, recipients: Sequence[Recipient], deliveries: Sequence[Delivery], now: datetime
) -> list[RecipientClock]:
    """Per recipient of the unit, in the notice's order: delivered (and acknowledged), or the time left."""
    first = {each.role: each for each in deliveries if each.kind is ReportKind.FIRST}
    order = list(RecipientRole)
    clocks = []
    for recipient in sorted(recipients, key=lambda each: order.index(each.role)):
        delivery = first.get(recipient.role)
        clocks.append(_clock(card, recipient, delivery, now))
    return clocks


def _clock(card: IncidentCard, recipient: Recipient, delivery: Delivery | None, now: datetime) -> RecipientClock:
    due = card.first_report_due_at
    if delivery is not None:
        state = ClockState.ACKNOWLEDGED if delivery.acknowledged else ClockState.DELIVERED
        return RecipientClock(recipient.role, recipient.name, due, state, delivery.delivered_at)
    state = ClockState.LATE if now >= due else ClockState.WAITING
    return RecipientClock(recipient.role, recipient.name, due, state, None)
