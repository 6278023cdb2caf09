"""The board's ports: its read model (bound to one transaction) and the owning services it sends actions to.

Errors: a read-model port raises RetryableError when trying again later can help; anything else is a bug.
An owning service's port raises `Refused` when the service answered no (the message says why, for the
person at the page) and `Unreachable` when it did not answer; neither is retried by the board.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from services.board.domain import (
    AccountLine,
    Acknowledgement,
    BroadcastCard,
    CheckIn,
    Delivery,
    IncidentCard,
    NextDuty,
)
from services.directory.ports import Directory

__all__ = [
    "Broadcasts",
    "CheckIns",
    "IncidentService",
    "Incidents",
    "NotifierService",
    "Owners",
    "Ports",
    "Refused",
    "RosterService",
    "Unreachable",
]


class CheckIns(Protocol):
    """The officers' check-ins of their shifts, from `duty.alerts` and `duty.checkins`."""

    async def note_check_in(self, check_in: CheckIn) -> None:
        """Merge what is known of a shift's check-in: each field given (not None) replaces the stored one."""

    async def check_ins(self, shift_ids: Sequence[str]) -> dict[str, CheckIn]: ...


class Incidents(Protocol):
    """Incident cards and the deliveries of their reports, from `incident.events`."""

    async def save(self, card: IncidentCard) -> None:
        """Insert or replace the card."""

    async def get(self, incident_id: str) -> IncidentCard | None: ...

    async def open_of(self, unit_ids: Sequence[str] | None) -> list[IncidentCard]:
        """Incidents not closed, oldest deadline first; `unit_ids` None means every unit."""

    async def add_delivery(self, delivery: Delivery) -> None:
        """Record a delivery; a second one of the same report to the same recipient replaces the first."""

    async def deliveries(self, incident_ids: Sequence[str]) -> list[Delivery]: ...


class Broadcasts(Protocol):
    """Notices from `notify.requests` and their acknowledgements from `notify.events`."""

    async def save(self, card: BroadcastCard) -> None:
        """Insert the notice (its acknowledgements are kept apart)."""

    async def acknowledge(self, broadcast_id: str, acknowledgement: Acknowledgement) -> None:
        """The unit's first acknowledgement counts; later ones are ignored."""

    async def recent(self, limit: int) -> list[BroadcastCard]:
        """Newest first, each with its acknowledgements."""


@dataclass(frozen=True)
class Ports:
    """The read model, bound to one transaction: units and shifts (the shared `services.directory`), the rest the
    board's own."""

    directory: Directory
    check_ins: CheckIns
    incidents: Incidents
    broadcasts: Broadcasts


class Refused(Exception):
    """The owning service said no: `message` is for the person at the page, `field` names a bad form field."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class Unreachable(Exception):
    """The owning service did not answer."""


class IncidentService(Protocol):
    """The incident service's API, called with the viewer's own token."""

    async def incident(self, token: str, incident_id: str) -> dict[str, Any]:
        """The incident with its timeline, reports (with per-recipient deliveries) and deadlines."""

    async def file_report(self, token: str, incident_id: str, kind: str, text: str, filed_by: str) -> None: ...

    async def accountability(self, token: str, start: date, end: date) -> list[AccountLine]: ...

    async def handovers(self, token: str) -> list[dict[str, Any]]:
        """The handover records (the incident service's HandoverOut) of the token's units, newest first."""

    async def sign_handover(self, token: str, handover_id: str, role: str, by: str) -> None:
        """`role` is outgoing (交班人) or incoming (接班人); refused when signed already or not the token's."""


class NotifierService(Protocol):
    async def broadcast(self, token: str, title: str, text: str, sent_by: str, unit_ids: list[str] | None) -> str:
        """Send a notice; the broadcast's id."""


class RosterService(Protocol):
    """The duty roster's API: what is planned (the board keeps only what is in force) and the duty log."""

    async def next_duty(self, token: str, unit_id: str, at: datetime) -> NextDuty | None:
        """Who is on duty at `at`; None when the roster cannot say."""

    async def month_plan(self, token: str, unit_id: str, month: str) -> dict[str, Any]:
        """The month's duty table (the roster's PlanView): rows with day marks, officer and leader."""

    async def duty_log(self, token: str, unit_id: str, day: date) -> list[dict[str, Any]]: ...

    async def write_log(self, token: str, unit_id: str, kind: str, text: str, author: str) -> None: ...


@dataclass(frozen=True)
class Owners:
    """The services that own what a person changes on the board."""

    incident: IncidentService
    notifier: NotifierService
    roster: RosterService
