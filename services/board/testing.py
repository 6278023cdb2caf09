"""In-memory fakes of the board's ports and of the owning services' APIs. Tests use these, not mocks."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from services.board.domain import (
    AccountLine,
    Acknowledgement,
    BroadcastCard,
    CheckIn,
    Delivery,
    IncidentCard,
    NextDuty,
)
from services.board.ports import Owners, Ports, Refused, Unreachable
from services.directory.testing import MemoryDirectory

__all__ = [
    "FakeIncidentService",
    "FakeNotifierService",
    "FakeRosterService",
    "MemoryBroadcasts",
    "MemoryCheckIns",
    "MemoryDirectory",
    "MemoryIncidents",
    "fake_owners",
    "memory_ports",
]


class MemoryCheckIns:
    def __init__(self) -> None:
        self.checks: dict[str, CheckIn] = {}

    async def note_check_in(self, check_in: CheckIn) -> None:
        known = self.checks.get(check_in.shift_id, CheckIn(check_in.shift_id))
        merged = {
            name: getattr(check_in, name) or getattr(known, name) for name in ("due_by", "received_at", "missed_at")
        }
        self.checks[check_in.shift_id] = CheckIn(check_in.shift_id, **merged)

    async def check_ins(self, shift_ids: Sequence[str]) -> dict[str, CheckIn]:
        return {shift_id: self.checks[shift_id] for shift_id in shift_ids if shift_id in self.checks}


class MemoryIncidents:
    def __init__(self) -> None:
        self.cards: dict[str, IncidentCard] = {}
        self.delivered: dict[tuple[str, str, str], Delivery] = {}

    async def save(self, card: IncidentCard) -> None:
        self.cards[card.id] = dataclasses.replace(card)

    async def get(self, incident_id: str) -> IncidentCard | None:
        card = self.cards.get(incident_id)
        return None if card is None else dataclasses.replace(card)

    async def open_of(self, unit_ids: Sequence[str] | None) -> list[IncidentCard]:
        found = [c for c in self.cards.values() if c.is_open and (unit_ids is None or c.unit_id in unit_ids)]
        return sorted(found, key=lambda card: card.first_report_due_at)

    async def add_delivery(self, delivery: Delivery) -> None:
        self.delivered[(delivery.incident_id, delivery.kind.value, delivery.role.value)] = delivery

    async def deliveries(self, incident_ids: Sequence[str]) -> list[Delivery]:
        return [each for each in self.delivered.values() if each.incident_id in incident_ids]


class MemoryBroadcasts:
    def __init__(self) -> None:
        self.cards: dict[str, BroadcastCard] = {}

    async def save(self, card: BroadcastCard) -> None:
        self.cards[card.id] = card

    async def acknowledge(self, broadcast_id: str, acknowledgement: Acknowledgement) -> None:
        card = self.cards.get(broadcast_id)
        if card is not None:
            card.acknowledgements.setdefault(acknowledgement.unit_id, acknowledgement)

    async def recent(self, limit: int) -> list[BroadcastCard]:
        return sorted(self.cards.values(), key=lambda card: card.sent_at, reverse=True)[:limit]


def memory_ports() -> Ports:
    return Ports(
        directory=MemoryDirectory(),
        check_ins=MemoryCheckIns(),
        incidents=MemoryIncidents(),
        broadcasts=MemoryBroadcasts(),
    )


@dataclasses.dataclass
class FakeIncidentService:
    """Answers from what tests put in `incidents` and `records`; records every report filed and every handover
    signed; refuses an empty text and a second signature, as the incident service does."""

    incidents: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    filed: list[tuple[str, str, str, str, str]] = dataclasses.field(default_factory=list)
    lines: list[AccountLine] = dataclasses.field(default_factory=list)
    records: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    signed: list[tuple[str, str, str, str]] = dataclasses.field(default_factory=list)

    async def incident(self, token: str, incident_id: str) -> dict[str, Any]:
        if incident_id not in self.incidents:
            raise Refused(f"no incident {incident_id!r}")
        return self.incidents[incident_id]

    async def file_report(self, token: str, incident_id: str, kind: str, text: str, filed_by: str) -> None:
        if not text.strip():
            raise Refused("text: String should have at least 1 character", field="text")
        self.filed.append((token, incident_id, kind, text, filed_by))

    async def accountability(self, token: str, start: date, end: date) -> list[AccountLine]:
        return list(self.lines)

    async def handovers(self, token: str) -> list[dict[str, Any]]:
        return list(self.records)

    async def sign_handover(self, token: str, handover_id: str, role: str, by: str) -> None:
        if role not in ("outgoing", "incoming"):
            raise Refused("role: Input should be 'outgoing' or 'incoming'", field="role")
        record = next((each for each in self.records if each["id"] == handover_id), None)
        if record is None:
            raise Refused(f"no handover {handover_id!r}")
        if record[f"{role}_signature"] is not None:
            raise Refused(f"the {role} officer's signature is there already")
        record[f"{role}_signature"] = {"by": by, "at": datetime.now(UTC).isoformat(), "via": "http"}
        self.signed.append((token, handover_id, role, by))


@dataclasses.dataclass
class FakeNotifierService:
    """Records each broadcast; `down` makes it a notifier that does not answer."""

    sent: list[tuple[str, str, str, str, list[str] | None]] = dataclasses.field(default_factory=list)
    down: bool = False

    async def broadcast(self, token: str, title: str, text: str, sent_by: str, unit_ids: list[str] | None) -> str:
        if self.down:
            raise Unreachable("the notifier did not answer")
        self.sent.append((token, title, text, sent_by, unit_ids))
        return f"broadcast-{len(self.sent)}"


@dataclasses.dataclass
class FakeRosterService:
    plans: dict[tuple[str, str], dict[str, Any]] = dataclasses.field(default_factory=dict)
    nexts: dict[str, NextDuty] = dataclasses.field(default_factory=dict)
    log: dict[str, list[dict[str, Any]]] = dataclasses.field(default_factory=dict)

    async def next_duty(self, token: str, unit_id: str, at: datetime) -> NextDuty | None:
        return self.nexts.get(unit_id)

    async def month_plan(self, token: str, unit_id: str, month: str) -> dict[str, Any]:
        if (unit_id, month) not in self.plans:
            raise Refused(f"no plan for {unit_id} in {month}")
        return self.plans[(unit_id, month)]

    async def duty_log(self, token: str, unit_id: str, day: date) -> list[dict[str, Any]]:
        return list(self.log.get(unit_id, []))

    async def write_log(self, token: str, unit_id: str, kind: str, text: str, author: str) -> None:
        entry = {"kind": kind, "text": text, "author": author, "written_at": datetime.now().astimezone().isoformat()}
        self.log.setdefault(unit_id, []).append(entry)


def fake_owners() -> Owners:
    return Owners(incident=FakeIncidentService(), notifier=FakeNotifierService(), roster=FakeRosterService())
