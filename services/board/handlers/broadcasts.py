"""Notices (`notify.requests`) and their acknowledgements (`notify.events`) into the read model."""

from __future__ import annotations

from datetime import datetime

from schemas.broadcast import BroadcastAcknowledged, BroadcastSent
from services.board.domain import Acknowledgement, BroadcastCard
from services.board.ports import Ports

__all__ = ["on_broadcast_acknowledged", "on_broadcast_sent"]


async def on_broadcast_sent(message: BroadcastSent, ports: Ports, _now: datetime) -> None:
    targets = None if message.target_unit_ids is None else tuple(message.target_unit_ids)
    card = BroadcastCard(
        message.broadcast_id, message.unit_id, message.title, message.text, message.sent_by, message.sent_at, targets
    )
    await ports.broadcasts.save(card)


async def on_broadcast_acknowledged(message: BroadcastAcknowledged, ports: Ports, _now: datetime) -> None:
    acknowledgement = Acknowledgement(message.unit_id, message.by, message.person_name, message.acknowledged_at)
    await ports.broadcasts.acknowledge(message.broadcast_id, acknowledgement)
