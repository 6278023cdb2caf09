"""Handover (交接班): a shift that starts takes the unit's open incidents; the incoming officer gets one SMS
listing them and acknowledges it by replying 接班."""

from __future__ import annotations

from datetime import datetime
from uuid import uuid4

from schemas.incident import IncidentAssigned
from schemas.notify import SendSms
from services.incident.domain import (
    DeadlineKind,
    Handover,
    HandoverItem,
    Incident,
    Shift,
    TimelineEntry,
    TimelineKind,
    handover_sms,
)
from services.incident.handlers.common import write
from services.incident.ports import Ports

__all__ = ["acknowledge_handover", "hand_over"]

GAP = "reassignment: a shift started after a gap"
HANDOVER = "handover"


async def hand_over(shift: Shift, ports: Ports, now: datetime) -> Handover | None:
    """Every open incident of the unit not yet with this shift's officer and leader goes to them (IncidentAssigned:
    the notifier moves the alerts); the handover is recorded and the incoming officer told, once per shift."""
    current = await ports.directory.current_shift(shift.unit_id, now)
    if current is None or current.id != shift.id:
        return None  # an older shift announced again (a restart) takes nothing from the one on duty now
    found = await ports.search.find(status=None, units=[shift.unit_id], since=None, limit=1000)
    taken = [each for each in found if each.is_open and (each.officer, each.leader) != (shift.officer, shift.leader)]
    if not taken:
        return None
    outgoing = next((each.officer for each in taken if each.officer is not None), None)
    items = [await _take(incident, shift, ports, now) for incident in taken]
    handover = Handover(f"ho-{uuid4().hex[:12]}", shift.unit_id, shift.id, outgoing, shift.officer, now, tuple(items))
    if await ports.handovers.add(handover):
        sms = SendSms(unit_id=shift.unit_id, to=shift.officer.phone, text=handover_sms(handover), reason="handover")
        await ports.outgoing.publish(sms, handover.id)
    return handover


async def _take(incident: Incident, shift: Shift, ports: Ports, now: datetime) -> HandoverItem:
    previous = incident.officer
    incident.officer, incident.leader = shift.officer, shift.leader
    reason = GAP if previous is None else HANDOVER
    assigned = IncidentAssigned(
        unit_id=incident.unit_id,
        incident_id=incident.id,
        officer=shift.officer,
        leader=shift.leader,
        duty_room=incident.duty_room,
        reason=reason,
    )
    await ports.outgoing.publish(assigned, incident.id)
    who = f"officer {shift.officer.name}, leader {shift.leader.name}"
    if previous is None:
        entry = TimelineEntry(now, TimelineKind.ASSIGNED, f"shift {shift.id} started: {who}")
    else:
        detail = f"handed over at shift change from {previous.name} to {who}"
        entry = TimelineEntry(now, TimelineKind.HANDED_OVER, detail, data={"from": previous.id, "shift": shift.id})
    await write(ports, incident, now, entry)
    return await _item(incident, ports)


async def _item(incident: Incident, ports: Ports) -> HandoverItem:
    """The incident and the next report it waits for: the earliest overdue timer not yet settled."""
    waiting = [
        (row.due_at, row.report_kind)
        for row, settled_at, _ in await ports.deadlines.of_incident(incident.id)
        if row.kind is DeadlineKind.OVERDUE and settled_at is None
    ]
    due_at, kind = min(waiting, default=(None, None), key=lambda each: each[0] or datetime.max)
    return HandoverItem(incident.id, f"{incident.type.label} {incident.location}", kind, due_at)


async def acknowledge_handover(phone: str, ports: Ports, now: datetime) -> Handover | None:
    """The incoming officer's 接班 reply: their newest open handover is acknowledged (None if there is none)."""
    handover = await ports.handovers.latest_open_to(phone)
    if handover is None:
        return None
    await ports.handovers.acknowledge(handover.id, now)
    for item in handover.items:
        detail = f"handover acknowledged by {handover.to_officer.name}"
        await ports.incidents.append(
            item.incident_id, TimelineEntry(now, TimelineKind.HANDED_OVER, detail, handover.to_officer.name, "sms")
        )
    return handover
