"""SMS from a known officer: `报 火灾 福利院3楼 …` reports an incident, `首报 [inc-…] …` files a report on one.
Anything unreadable or refused gets an SMS answer that says why and shows the format."""

from __future__ import annotations

from datetime import datetime

from schemas.incident import ReportIncident
from schemas.notify import SendSms, TextReceived
from schemas.rounds import addressed_to_rounds
from services.incident.domain import (
    Incident,
    IntakeRefused,
    ReportRefused,
    SmsFiling,
    SmsUnreadable,
    Source,
    parse_sms_filing,
    parse_sms_report,
)
from services.incident.handlers.common import Rules
from services.incident.handlers.intake import Taken, on_report_incident
from services.incident.handlers.reports import on_file_report
from services.incident.ports import Ports
from services.local_time import LOCAL_TZ

__all__ = ["on_text_received"]


async def on_text_received(text: TextReceived, ports: Ports, rules: Rules, now: datetime) -> Taken | None:
    """Take the text in as a report or a filing and confirm it, or answer what is wrong with it. A round report
    (`巡 …`) is the rounds service's."""
    if addressed_to_rounds(text.text):
        return None
    try:
        filing = parse_sms_filing(text.text)
        if filing is not None:
            await _file(filing, text, ports, now)
            return None
        return await _report(text, ports, rules, now)
    except SmsUnreadable as unreadable:
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
        occurred_at=min(text.received_at, now),
        location=parsed.location,
        summary=parsed.summary,
        reporter=(await _sender(ports, text))[:100],
    )
    taken = await on_report_incident(command, Source.SMS, ports, rules, now)
    await _answer(ports, text, _taken(taken), "sms report taken")
    return taken


async def _file(filing: SmsFiling, text: TextReceived, ports: Ports, now: datetime) -> None:
    incident = await _filed_on(filing, text, ports)
    report = await on_file_report(
        incident.id, filing.kind, filing.text, await _sender(ports, text), Source.SMS, ports, now
    )
    lateness = "（已超时，记为迟报）" if report.late else ""
    answer = (
        f"已报送{filing.kind.label}（事件{incident.id} {incident.type.label}）{lateness}，"
        "将送达党委、政府和市民政局值班室。"
    )
    await _answer(ports, text, answer, "sms report filed")


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
    person = await ports.directory.person_by_phone(text.from_)
    return person.name if person else text.from_


def _why(refused: Exception) -> str:
    return refused.message if isinstance(refused, IntakeRefused) else str(refused)


def _taken(taken: Taken) -> str:
    incident = taken.incident
    due = incident.first_report_due_at.astimezone(LOCAL_TZ).strftime("%H:%M")
    if taken.joined:
        return f"已并入事件{incident.id}（{incident.type.label} {incident.location}），未重复上报。"
    return (
        f"已受理：{incident.type.label} {incident.location}，{incident.severity.value}级，"
        f"编号{incident.id}，首报须于{due}前报送（回复：首报 情况）。"
    )


async def _answer(ports: Ports, text: TextReceived, answer: str, reason: str) -> None:
    await ports.outgoing.publish(SendSms(unit_id=text.unit_id, to=text.from_, text=answer[:500], reason=reason))
