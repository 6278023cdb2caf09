"""Handover (交接班): a shift that starts takes the unit's open incidents; the incoming officer gets one SMS
listing them and acknowledges it by replying 接班 (their signature); the outgoing officer signs it too."""

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
    Signature,
    SignatureRefused,
    SignRole,
    TimelineEntry,
    TimelineKind,
    handover_sms,
)
from services.incident.handlers.common import load_all_for_change, write
from services.incident.ports import Ports

__all__ = ["UnknownHandover", "acknowledge_handover", "find_handover", "hand_over", "sign_handover"]

SMS, HTTP = "sms", "http"


class UnknownHandover(LookupError):
    """No handover record has this id."""


GAP = "reassignment: a shift started after a gap"
HANDOVER = "handover"


async def hand_over(shift: Shift, ports: Ports, now: datetime) -> Handover | None:
    """Every open incident of the unit not yet with this shift's officer and leader goes to them (IncidentAssigned:
    the notifier moves the alerts); the handover is recorded and the incoming officer told, once per shift."""
    current = await ports.directory.current_shift(shift.unit_id, now)
    if current is None or current.id != shift.id:
        return None  # an older shift announced again (a restart) takes nothing from the one on duty now
    found = await ports.search.find(status=None, units=[shift.unit_id], since=None, limit=1000)
    candidates = [each.id for each in found if _to_take(each, shift)]
    # Read again under the lock: what another replica changed since the search stays, and only what is still to
    # take is taken.
    locked = await load_all_for_change(ports, candidates)
    taken = [locked[each] for each in candidates if _to_take(locked[each], shift)]
    if not taken:
        return None
    outgoing = next((each.officer for each in taken if each.officer is not None), None)
    items = [await _take(incident, shift, ports, now) for incident in taken]
    handover = Handover(f"ho-{uuid4().hex[:12]}", shift.unit_id, shift.id, outgoing, shift.officer, now, tuple(items))
    if await ports.handovers.add(handover):
        sms = SendSms(unit_id=shift.unit_id, to=shift.officer.phone, text=handover_sms(handover), reason="handover")
        await ports.outgoing.publish(sms, handover.id)
    return handover


def _to_take(incident: Incident, shift: Shift) -> bool:
    return incident.is_open and (incident.officer, incident.leader) != (shift.officer, shift.leader)


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
    """The incoming officer's 接班 reply signs their newest handover not yet signed (None if there is none)."""
    handover = await ports.handovers.latest_open_to(phone)
    if handover is None:
        return None
    signed = await _sign(handover, SignRole.INCOMING, Signature(handover.to_officer.name, now, SMS), ports)
    return handover if signed else None


async def sign_handover(handover_id: str, role: SignRole, by: str, ports: Ports, now: datetime) -> Handover:
    """The outgoing or incoming officer signs over HTTP; a role signs once (SignatureRefused after that)."""
    handover = await find_handover(handover_id, ports)
    handover.check_unsigned(role)
    signature = Signature(by, now, HTTP)
    if not await _sign(handover, role, signature, ports):
        raise SignatureRefused(f"the {role.value} officer's signature is there already")
    return handover.signed(role, signature)


async def find_handover(handover_id: str, ports: Ports) -> Handover:
    handover = await ports.handovers.get(handover_id)
    if handover is None:
        raise UnknownHandover(f"no handover {handover_id!r}")
    return handover


async def _sign(handover: Handover, role: SignRole, signature: Signature, ports: Ports) -> bool:
    """Keep the signature and say so on each handed-over incident's timeline; False when another signature of
    the role came first."""
    if not await ports.handovers.sign(handover.id, role, signature):
        return False
    for item in handover.items:
        detail = f"handover signed by the {role.value} officer {signature.by}"
        entry = TimelineEntry(signature.at, TimelineKind.HANDED_OVER, detail, signature.by, signature.via)
        await ports.incidents.append(item.incident_id, entry)
    return True
