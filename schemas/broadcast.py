"""Notices from the municipal bureau to every unit's on-duty officer."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from schemas.envelope import Message
from schemas.values import PhoneNumber

__all__ = ["BroadcastAcknowledged", "BroadcastSent"]


class BroadcastSent(Message):
    """The bureau (`unit_id`) sent a notice, such as a cold-wave warning, to the on-duty officers."""

    TYPE = "broadcast.sent"

    broadcast_id: str
    title: str = Field(min_length=1, max_length=40)
    text: str = Field(min_length=1, max_length=500)
    sent_by: str = Field(description="Who sent it.")
    target_unit_ids: list[str] | None = Field(default=None, description="None: every unit.")
    sent_at: AwareDatetime


class BroadcastAcknowledged(Message):
    """One unit's on-duty officer acknowledged a notice (`unit_id` is theirs)."""

    TYPE = "broadcast.acknowledged"

    broadcast_id: str
    by: PhoneNumber
    person_name: str | None = None
    acknowledged_at: AwareDatetime
