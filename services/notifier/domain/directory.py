"""What the notifier knows of the roster: units (their duty room and report recipients) and who sent a text."""

from __future__ import annotations

from dataclasses import dataclass

from services.notifier.domain.policy import Contact

__all__ = ["KnownSender", "UnitEntry"]


@dataclass(frozen=True)
class KnownSender:
    person_id: str
    name: str
    unit_id: str


@dataclass(frozen=True)
class UnitEntry:
    unit_id: str
    name: str
    parent_id: str | None
    duty_room: Contact | None
    recipients: dict[str, Contact]
