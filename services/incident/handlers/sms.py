"""SMS from a known officer: `报 火灾 福利院3楼 …` reports an incident, `首报 [inc-…] …` files a report on one.
Anything unreadable or refused gets an SMS answer that says why and shows the format."""

from __future__ import annotations

from datetime import datetime

from schemas.incident import ReportIncident
from schemas.notify import SendSms, TextReceived
from schemas.rounds import addressed_to_rounds
from schemas.values import Channel, Origin
from services.incident.domain import (
    Draft,
    Incident,
    IntakeRefused,
    ReportRefused,
    SmsFiling,
    SmsReport,
    SmsUnreadable,
    Source,
    TimelineEntry,
    TimelineKind,
    TimeRefused,
    is_handover_reply,
    parse_sign_off,
    parse_sms_filing,
    parse_sms_report,
)
from services.incident.domain.report_form import form_from_sms
from services.incident.handlers.common import Rules, acknowledge, load_for_change, person_with_phone, write
from services.incident.handlers.handover import acknowledge_handover
from services.incident.handlers.intake import Taken, on_report_incident
from services.incident.handlers.signoff import on_sign_off, submit_report
from services.incident.ports import Ports
from services.local_time import LOCAL_TZ

__all__ = ["on_text_received"]


async def on_text_received(text: TextReceived, ports: Ports, rules: Rules, now: datetime) -> Taken | None:
    """Take the text in as a report or a filing and confirm it, or answer what is wrong with it. A round report
    (`巡 …`) is the rounds service's."""
    if addressed_to_rounds(text.text):
        return None
    try:
        if is_handover_reply(text.text):
            await _acknowledge_handover(text, ports, now)
            return None
        code = parse_sign_off(text.text)
        if code is not None:
            await _sign_off(code, text, ports, rules, now)
            return None
        filing = parse_sms_filing(text.text)
        if filing is not None:
            await _file(filing, text, ports, rules, now)
            return None
        return await _report(text, ports, rules, now)
    except (SmsUnreadable, TimeRefused) as unreadable:
        await _answer(ports, text, unreadable.answer, "sms unreadable")
    except (IntakeRefused, ReportRefused, LookupError) as refused:
        await _answer(ports, text, f"未能受理：{_why(refused)}。如有疑问请致电值班室。", "sms refused")
    return None


async def _report(text: TextReceived, ports: Ports, rules: Rules, now: datetime) -> Taken:
    parsed = parse_sms_report(text.text)
    command = ReportIncident(
        unit_id=text.unit_id,
        type=parsed.type,
        severity=parsed.severity,
        occurred_at=_occurred_at(parsed, min(text.received_at, now)),
        location=parsed.location,
        summary=parsed.summary,
        reporter=(await _sender(ports, text))[:100],
    )
    taken = await on_report_incident(command, Source.SMS, Origin.UNIT, ports, rules, now)
    await _answer(ports, text, _taken(taken), "sms report taken")
    return taken


def _occurred_at(parsed: SmsReport, arrived: datetime) -> datetime:
    """The time the SMS gives, or its arrival: the clock never starts later than the officer heard of it."""
    return parsed.event_time.resolve(arrived) if parsed.event_time is not None else arrived


async def _file(filing: SmsFiling, text: TextReceived, ports: Ports, rules: Rules, now: datetime) -> None:
    incident = await _filed_on(filing, text, ports)
    sender = await _sender(ports, text)
    unit = await ports.directory.unit(incident.unit_id)
    unit_name = unit.name if unit is not None else incident.unit_id
    form = form_from_sms(incident, unit_name, filing.kind, filing.text, sender[:100], text.from_)
    filed = await submit_report(incident.id, filing.kind, filing.text, sender, Source.SMS, ports, rules, now, form)
    await _acknowledge_by_filing(incident.id, filing, text, ports, now)
    what = f"{filing.kind.label}（事件{incident.id} {incident.type.label}）"
    if isinstance(filed, Draft):
        await _answer(
            ports, text, f"{what}已提交带班领导签发，签发后报送党委、政府和市民政局值班室。", "sms report drafted"
        )
        return
    lateness = "（已超时，记为迟报）" if filed.late else ""
    await _answer(ports, text, f"已报送{what}{lateness}，将送达党委、政府和市民政局值班室。", "sms report filed")


async def _sign_off(code: str, text: TextReceived, ports: Ports, rules: Rules, now: datetime) -> None:
    """`签发 NNNN` from the draft's leader sends the 首报 out."""
    draft = await ports.drafts.pending_by_code(text.unit_id, code)
    if draft is None:
        raise LookupError(f"没有待签发的首报{code}")
    if draft.leader is not None and draft.leader.phone != text.from_:
        raise LookupError(f"首报{code}须由带班领导{draft.leader.name}签发")
    await on_sign_off(draft, await _sender(ports, text), ports, rules, now)
    await _answer(
        ports, text, f"已签发首报（事件{draft.incident_id}），正报送党委、政府和市民政局值班室。", "signed off"
    )


async def _acknowledge_handover(text: TextReceived, ports: Ports, now: datetime) -> None:
    handover = await acknowledge_handover(text.from_, ports, now)
    if handover is None:
        await _answer(ports, text, "没有待您确认的交接班。", "handover unknown")
        return
    await _answer(ports, text, f"已确认接班，本单位未结事件{len(handover.items)}起由您负责。", "handover acknowledged")


async def _acknowledge_by_filing(
    incident_id: str, filing: SmsFiling, text: TextReceived, ports: Ports, now: datetime
) -> None:
    """A report filed from a phone shows its owner took the incident on: an acknowledgement, if none came yet."""
    incident = await load_for_change(ports, incident_id)
    if incident.acknowledged_at is not None:
        return
    person = await acknowledge(ports, incident, text.from_, Channel.SMS, now)
    who = person.name if person else text.from_
    detail = f"acknowledged by {who}: {filing.kind.label} filed by SMS"
    await write(ports, incident, now, TimelineEntry(now, TimelineKind.ACKNOWLEDGED, detail, actor=who, channel="sms"))


async def _filed_on(filing: SmsFiling, text: TextReceived, ports: Ports) -> Incident:
    """The incident named, if it is the sender's unit's; else that unit's most recently reported open incident."""
    if filing.incident_id is not None:
        named = await ports.incidents.get(filing.incident_id)
        if named is None or named.unit_id != text.unit_id:
            raise LookupError(f"本单位没有事件{filing.incident_id}")
        return named
    recent = await ports.search.find(status=None, units=[text.unit_id], since=None, limit=50)
    open_incident = next((each for each in recent if each.is_open), None)
    if open_incident is None:
        raise LookupError("本单位没有未结束的事件")
    return open_incident


async def _sender(ports: Ports, text: TextReceived) -> str:
    person = await person_with_phone(ports, text.from_)
    return person.name if person else text.from_


def _why(refused: Exception) -> str:
    return refused.message if isinstance(refused, IntakeRefused) else str(refused)


def _taken(taken: Taken) -> str:
    incident = taken.incident
    what, due = f"{incident.type.label} {incident.location}", _local(incident.first_report_due_at)
    if taken.joined:
        return f"已并入事件{incident.id}（{what}），未重复上报；首报须于{due}前报送。"
    return (
        f"已受理：{what}，{incident.severity.value}级，事发{_local(incident.occurred_at)}，"
        f"编号{incident.id}，首报须于{due}前报送（回复：首报 情况）。"
    )


def _local(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%H:%M")


async def _answer(ports: Ports, text: TextReceived, answer: str, reason: str) -> None:
    await ports.outgoing.publish(SendSms(unit_id=text.unit_id, to=text.from_, text=answer[:500], reason=reason))
