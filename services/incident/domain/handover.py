"""Handover (交接班): at a shift change the incoming officer takes the unit's open incidents, with one SMS
listing them and their next deadlines, and acknowledges it by replying 接班."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from schemas.values import Person, ReportKind
from services.local_time import LOCAL_TZ

__all__ = ["HANDOVER_REPLY", "Handover", "HandoverItem", "handover_sms", "is_handover_reply"]

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


@dataclass(frozen=True)
class Handover:
    """From whom, to whom, when, which open items, and when the incoming officer acknowledged."""

    id: str
    unit_id: str
    shift_id: str
    from_officer: Person | None
    to_officer: Person
    at: datetime
    items: tuple[HandoverItem, ...] = field(default_factory=tuple)
    acknowledged_at: datetime | None = None


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
