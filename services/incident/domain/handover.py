"""Handover (交接班): at a shift change the incoming officer takes the unit's open incidents, with one SMS
listing them and their next deadlines, and acknowledges it by replying 接班."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from schemas.values import Person, ReportKind
from services.local_time import LOCAL_TZ

__all__ = [
    "HANDOVER_REPLY",
    "Handover",
    "HandoverItem",
    "SignRole",
    "Signature",
    "SignatureRefused",
    "handover_sms",
    "is_handover_reply",
]

HANDOVER_REPLY = "接班"
_REPLY = re.compile(rf"^\s*(?:{HANDOVER_REPLY}|交接|已接班)\s*[。.!！]?\s*$")
SMS_LIMIT = 500


@dataclass(frozen=True)
class HandoverItem:
    """One open incident handed over, and the next report it waits for."""

    incident_id: str
    summary: str
    next_kind: ReportKind | None
    next_due_at: datetime | None


class SignRole(StrEnum):
    OUTGOING = "outgoing"
    """交班人: the officer whose shift ends."""
    INCOMING = "incoming"
    """接班人: the officer who takes the open items (the SMS reply 接班 is their signature)."""

    @property
    def label(self) -> str:
        return "交班人" if self is SignRole.OUTGOING else "接班人"


@dataclass(frozen=True)
class Signature:
    """Who signed, when, and how: `sms` (the reply 接班) or `http` (the API or the board)."""

    by: str
    at: datetime
    via: str


class SignatureRefused(ValueError):
    """The record has this signature already."""


@dataclass(frozen=True)
class Handover:
    """From whom, to whom, when, which open items, and who of the two officers signed it when."""

    id: str
    unit_id: str
    shift_id: str
    from_officer: Person | None
    to_officer: Person
    at: datetime
    items: tuple[HandoverItem, ...] = field(default_factory=tuple)
    outgoing_signature: Signature | None = None
    incoming_signature: Signature | None = None

    @property
    def acknowledged_at(self) -> datetime | None:
        """When the incoming officer took it over (by SMS or by signing)."""
        return None if self.incoming_signature is None else self.incoming_signature.at

    def signature(self, role: SignRole) -> Signature | None:
        return self.outgoing_signature if role is SignRole.OUTGOING else self.incoming_signature

    def signed(self, role: SignRole, signature: Signature) -> Handover:
        if role is SignRole.OUTGOING:
            return dataclasses.replace(self, outgoing_signature=signature)
        return dataclasses.replace(self, incoming_signature=signature)

    def check_unsigned(self, role: SignRole) -> None:
        """SignatureRefused when this role has signed already: a signature is given once and kept."""
        signed = self.signature(role)
        if signed is not None:
            raise SignatureRefused(
                f"the {role.value} officer's signature is there already ({signed.by}, {signed.at.isoformat()})"
            )


def handover_sms(handover: Handover) -> str:
    """One SMS: how many, each with its next deadline, and how to acknowledge; within one provider message."""
    lines = [f"【交接班】{handover.to_officer.name}，您已接班，本单位未结事件{len(handover.items)}起："]
    for number, item in enumerate(handover.items, start=1):
        lines.append(f"{number}.{item.incident_id} {item.summary}，{_next(item)}；")
    lines.append(f"请回复“{HANDOVER_REPLY}”确认。")
    text = "".join(lines)
    return text if len(text) <= SMS_LIMIT else text[: SMS_LIMIT - 12] + f"…请回复“{HANDOVER_REPLY}”确认。"


def is_handover_reply(text: str) -> bool:
    return _REPLY.match(text) is not None


def _next(item: HandoverItem) -> str:
    if item.next_kind is None or item.next_due_at is None:
        return "暂无待报"
    return f"{item.next_kind.label}须于{item.next_due_at.astimezone(LOCAL_TZ):%m-%d %H:%M}前报送"
