"""CAP weather warnings: at or above the configured level, every covered unit's on-duty officer gets the notice
(tracked until acknowledged, per unit) and its duty leader a copy; units that do not acknowledge in time are
escalated to their leader; a cold wave adds the plans' extra patrols while it lasts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from schemas.broadcast import BroadcastAcknowledged, BroadcastSent
from schemas.rounds import WarningUnacknowledged
from services.rounds.domain import WarningRecord, covered_units, parse_cap
from services.rounds.handlers.common import Rules, on_duty, text
from services.rounds.handlers.due import plan_rounds
from services.rounds.ports import Ports

__all__ = ["WarningTaken", "fire_unacknowledged_warnings", "on_broadcast_acknowledged", "on_receive_warning"]

COLD_WORDS = ("寒潮", "低温", "暴雪", "冰冻", "道路结冰", "寒冷", "霜冻", "cold", "snow", "frost")
TITLE_LIMIT = 40


@dataclass(frozen=True)
class WarningTaken:
    """What became of a warning: acted on (`record`), or why not."""

    record: WarningRecord | None
    ignored: str | None = None
    duplicate: bool = False


async def on_receive_warning(
    document: str, forwarded_by: str, ports: Ports, rules: Rules, now: datetime
) -> WarningTaken:
    """Parse the CAP document (CapInvalid names what is wrong) and act on it once per identifier."""
    warning = parse_cap(document)
    if not warning.actionable:
        return WarningTaken(None, f"status {warning.status} / {warning.msg_type}: nothing to act on")
    if warning.severity < rules.warning_level:
        return WarningTaken(None, f"severity {warning.severity.name} is below {rules.warning_level.name}")
    units = covered_units(warning, rules.book.areas)
    if not units:
        return WarningTaken(None, f"area {warning.area_desc!r} covers none of our units")
    record = WarningRecord(
        id=f"cap-{warning.identifier}"[:200],
        unit_id=forwarded_by,
        headline=warning.headline,
        event=warning.event,
        severity=warning.severity.name,
        onset=warning.onset,
        expires=warning.expires,
        units=units,
        received_at=now,
        ack_due_at=now + rules.warning_ack_within,
        cold_wave=any(word in f"{warning.event}{warning.headline}".lower() for word in COLD_WORDS),
    )
    if not await ports.warnings.add(record):
        return WarningTaken(await ports.warnings.get(record.id), duplicate=True)
    await _broadcast(record, warning.description, ports, now)
    await plan_rounds(ports, rules, now)
    return WarningTaken(record)


async def _broadcast(record: WarningRecord, description: str, ports: Ports, now: datetime) -> None:
    body = f"{description[:400]}请确认收到，并按预案加强巡查和值守。"
    notice = BroadcastSent(
        unit_id=record.unit_id,
        broadcast_id=record.id,
        title=record.headline[:TITLE_LIMIT],
        text=body[:500],
        sent_by="气象预警（CAP）",
        target_unit_ids=record.units,
        sent_at=now,
    )
    await ports.outgoing.publish(notice, record.id)
    for unit_id in record.units:
        leader = (await on_duty(ports, unit_id, now)).leader
        if leader is not None:
            copy = f"【{record.headline[:TITLE_LIMIT]}】已通知本单位值班员，请督促确认并加强值守。"
            await text(ports, unit_id, leader.phone, copy, f"warning to the duty leader: {record.id}")


async def on_broadcast_acknowledged(ack: BroadcastAcknowledged, ports: Ports) -> None:
    """A unit acknowledged the warning (the first acknowledgement counts)."""
    record = await ports.warnings.get(ack.broadcast_id)
    if record is None or ack.unit_id in record.acknowledged:
        return
    record.acknowledged[ack.unit_id] = ack.acknowledged_at
    await ports.warnings.save(record)


async def fire_unacknowledged_warnings(ports: Ports, now: datetime, limit: int = 50) -> int:
    due = await ports.warnings.claim_due(now, limit)
    for record in due:
        for unit_id in record.unacknowledged:
            duty = await on_duty(ports, unit_id, now)
            alert = WarningUnacknowledged(
                unit_id=unit_id,
                warning_id=record.id,
                headline=record.headline,
                leader=duty.leader,
                officer=duty.officer,
            )
            await ports.outgoing.publish(alert, record.id)
        record.escalated = record.unacknowledged
        await ports.warnings.save(record)
    return len(due)
