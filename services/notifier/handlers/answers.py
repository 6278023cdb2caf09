"""Acknowledgements: SMS replies (`1`, `确认`, `收到`, a reply code), key presses, and texts that are not replies."""

from __future__ import annotations

import uuid
from datetime import datetime

import structlog

from schemas.broadcast import BroadcastAcknowledged
from schemas.duty import CheckInReceived
from schemas.notify import NotificationAcknowledged, ReplyMeaning, ReplyReceived, RunSubject, TextReceived
from schemas.values import Channel
from services.notifier.domain import Acknowledge, Contact, Reply, UnknownReplyLimit, read_reply
from services.notifier.domain.check_ins import check_in_of
from services.notifier.domain.codes import InboundText
from services.notifier.domain.runs import Acknowledgement, NewRun, NewTrack, Run, Track
from services.notifier.domain.texts import ALREADY_TEXT, help_sms
from services.notifier.ports import Ports

__all__ = ["UNKNOWN_UNIT", "acknowledge", "on_inbound_sms", "on_key_press"]

log = structlog.get_logger(__name__)

UNKNOWN_UNIT = "unknown"
ACK_KEY = "1"


async def on_inbound_sms(
    phone: str, text: str, ref: str | None, limit: UnknownReplyLimit, ports: Ports, now: datetime
) -> None:
    """Read an inbound SMS once: a reply acknowledges; a known person's other text is a report; else help."""
    if ref is not None and await ports.inbound.inbound_seen(ref):
        log.info("inbound SMS seen before; ignored", ref=ref)
        return
    reply = read_reply(text)
    if reply is not None:
        await on_reply(phone, text, reply, ref, limit, ports, now)
        return
    sender = await ports.directory.sender(phone)
    if sender is None:
        await on_unknown(phone, text, ref, limit, ports, now)
        return
    await ports.inbound.record_inbound(InboundText(phone, text, "text", ref, now))
    received = TextReceived(unit_id=sender.unit_id, from_=phone, person_id=sender.person_id, text=text, received_at=now)
    await ports.outgoing.publish(received)


async def on_reply(
    phone: str, text: str, reply: Reply, ref: str | None, limit: UnknownReplyLimit, ports: Ports, now: datetime
) -> None:
    holder = await (ports.codes.code_holder(phone, reply.code) if reply.code else ports.codes.latest_open_alert(phone))
    if holder is None:
        await on_unknown(phone, text, ref, limit, ports, now)
        return
    run = await ports.runs.run(holder.run_id)
    meaning = ReplyMeaning.CHECK_IN if run.subject == RunSubject.CHECK_IN else ReplyMeaning.ACK
    await ports.inbound.record_inbound(InboundText(phone, text, meaning.value, ref, now))
    received = ReplyReceived(
        unit_id=run.unit_id, from_=phone, text=text, meaning=meaning, run_id=run.id, received_at=now
    )
    await ports.outgoing.publish(received, run.subject_id)
    if not await acknowledge(ports, now, holder.track_id, phone, Channel.SMS):
        await answer(ports, now, phone, run.unit_id, ALREADY_TEXT)


async def on_unknown(
    phone: str, text: str, ref: str | None, limit: UnknownReplyLimit, ports: Ports, now: datetime
) -> None:
    """A reply we cannot match: a short help answer, unless this number keeps sending them."""
    earlier = await ports.inbound.unknown_replies_since(phone, now - limit.per)
    await ports.inbound.record_inbound(InboundText(phone, text, ReplyMeaning.UNKNOWN.value, ref, now))
    sender = await ports.directory.sender(phone)
    unit_id = sender.unit_id if sender else UNKNOWN_UNIT
    received = ReplyReceived(unit_id=unit_id, from_=phone, text=text, meaning=ReplyMeaning.UNKNOWN, received_at=now)
    await ports.outgoing.publish(received)
    if not limit.should_answer(earlier, now):
        log.warning("unknown replies from this number are no longer answered", phone=phone, recent=len(earlier))
    elif sender is None and not limit.may_answer_stranger(
        await ports.runs.answers_to_unit_since(UNKNOWN_UNIT, now - limit.stranger_window)
    ):
        log.warning("help SMS to unknown numbers reached the account's daily cap", cap=limit.strangers_per_day)
    else:
        await answer(ports, now, phone, unit_id, help_sms())


async def answer(ports: Ports, now: datetime, phone: str, unit_id: str, text: str) -> None:
    track = NewTrack(unit_id, "answer", {"recipient": Contact(phone, phone)})
    run = NewRun(RunSubject.MESSAGE, f"answer/{uuid.uuid4()}", unit_id, "message_sms", text, text, [track])
    await ports.runs.add_run(run, now)


async def on_key_press(attempt_id: str, digits: str, ports: Ports, now: datetime) -> bool:
    """Pressing 1 in a call acknowledges; True when it did."""
    attempt = await ports.attempts.attempt(attempt_id)
    if attempt is None or digits.strip() != ACK_KEY:
        return False
    return await acknowledge(ports, now, attempt.track_id, attempt.to, Channel.VOICE)


async def acknowledge(ports: Ports, now: datetime, track_id: int, phone: str, channel: Channel) -> bool:
    """Stop the track (and, in an `any` run, the whole run); publish who acknowledged and how."""
    track = await ports.tracks.track(track_id)
    run = await ports.runs.run(track.run_id)
    name = next((contact.name for contact in track.contacts.values() if contact.phone == phone), None)
    ack = Acknowledgement(phone, name, channel.value, now)
    if not await ports.tracks.end_track(track_id, "acknowledged", ack):
        return False
    policy = ports.policies.for_run(run.policy, run.unit_id)
    stopped = [track_id]
    if policy.acknowledge is Acknowledge.ANY:
        for other in await ports.tracks.tracks_of(run.id):
            if await ports.tracks.end_track(other.id, "stopped"):
                stopped.append(other.id)
    await ports.attempts.cancel_pending_attempts(stopped, now)
    run_stopped = await ports.tracks.open_track_count(run.id) == 0
    if run_stopped:
        await ports.runs.end_run(run.id, "acknowledged", now)
        if run.subject != RunSubject.INCIDENT:
            await ports.codes.free_codes([run.id])
    log.info("acknowledged", run_id=run.id, subject=run.subject, channel=channel.value, run_stopped=run_stopped)
    await publish_acknowledgement(ports, now, run, track, phone, name, channel, run_stopped)
    return True


async def publish_acknowledgement(
    ports: Ports,
    now: datetime,
    run: Run,
    track: Track,
    phone: str,
    name: str | None,
    channel: Channel,
    run_stopped: bool,
) -> None:
    acknowledged = NotificationAcknowledged(
        unit_id=run.unit_id,
        run_id=run.id,
        subject=run.subject,
        subject_id=run.subject_id,
        by=phone,
        person_name=name,
        channel=channel,
        acknowledged_at=now,
        run_stopped=run_stopped,
    )
    await ports.outgoing.publish(acknowledged, run.subject_id)
    if run.subject == RunSubject.BROADCAST:
        unit_ack = BroadcastAcknowledged(
            unit_id=track.unit_id, broadcast_id=run.subject_id, by=phone, person_name=name, acknowledged_at=now
        )
        await ports.outgoing.publish(unit_ack, run.subject_id)
    if run.subject == RunSubject.CHECK_IN:
        shift_id, role = check_in_of(run.subject_id)
        await ports.outgoing.publish(
            CheckInReceived(unit_id=run.unit_id, shift_id=shift_id, role=role, phone=phone, received_at=now)
        )
