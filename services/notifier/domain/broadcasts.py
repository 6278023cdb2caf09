"""Broadcasts on record: what the bureau sent, to which units."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from schemas.broadcast import BroadcastSent

__all__ = ["Broadcast"]


@dataclass(frozen=True, slots=True)
class Broadcast:
    """A recorded notice; `target_unit_ids` None means every unit. The fields in the table's column order."""

    id: str
    unit_id: str
    title: str
    text: str
    sent_by: str
    target_unit_ids: list[str] | None
    sent_at: datetime

    @classmethod
    def sent(cls, event: BroadcastSent) -> Broadcast:
        return cls(
            event.broadcast_id, event.unit_id, event.title, event.text, event.sent_by, event.target_unit_ids,
            event.sent_at,
        )  # fmt: skip
