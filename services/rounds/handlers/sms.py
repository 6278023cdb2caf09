"""Round reports by SMS (`巡 1234 正常`, `巡 1234 隐患 …`) from a known officer, answered with what was recorded or
with what is wrong and how to write it. Texts without the 巡 prefix are the incident service's."""

from __future__ import annotations

from datetime import datetime

from schemas.notify import TextReceived
from schemas.rounds import ROUND_SMS_PREFIX, addressed_to_rounds
from services.rounds.domain import ROUND_USAGE, RoundSmsUnreadable, parse_round_sms
from services.rounds.handlers.common import Rules, UnknownRecord, local_time, text
from services.rounds.handlers.reports import (
    HazardIn,
    Reported,
    RoundRefused,
    RoundReport,
    on_round_report,
    round_by_code,
)
from services.rounds.ports import Ports

__all__ = ["on_text_received"]


async def on_text_received(received: TextReceived, ports: Ports, rules: Rules, now: datetime) -> Reported | None:
    """Record the round the text reports and confirm it, or answer what is wrong with it."""
    if not addressed_to_rounds(received.text):
        return None
    try:
        parsed = parse_round_sms(received.text)
        round_ = await round_by_code(ports, parsed.code, received.unit_id)
        report = RoundReport(
            by=received.from_,
            note=parsed.note,
            hazards=[HazardIn(description) for description in parsed.hazards],
        )
        reported = await on_round_report(round_, report, ports, rules, now)
    except RoundSmsUnreadable as unreadable:
        await _answer(ports, received, unreadable.answer, "round sms unreadable")
        return None
    except UnknownRecord:
        answer = f"本单位没有巡查码为{parsed.code}的巡查（巡查码见巡查通知短信）。{ROUND_USAGE}"
        await _answer(ports, received, answer, "round code unknown")
        return None
    except RoundRefused as refused:
        await _answer(ports, received, f"未能记录：{refused}", "round refused")
        return None
    await _answer(ports, received, _confirmation(reported), "round reported")
    return reported


def _confirmation(reported: Reported) -> str:
    round_ = reported.round
    if not reported.first:
        when = local_time(round_.reported_at) if round_.reported_at else ""
        return f"{round_.title}（{ROUND_SMS_PREFIX}{round_.code}）已于{when}回报，无需重复回报。"
    late = "（已超过时限，记为迟报）" if round_.late else ""
    if not reported.hazards:
        return f"已记录{round_.title}结果：正常{late}。"
    items = "；".join(
        f"{hazard.description[:20]}，{hazard.hazard_class.label}，期限{local_time(hazard.deadline)}"
        for hazard in reported.hazards
    )
    opened = "，危及生命的已按突发事件上报，请于1小时内首报" if reported.incidents else ""
    return f"已记录{round_.title}隐患{len(reported.hazards)}项{late}：{items}{opened}。整改后请在系统中销号。"


async def _answer(ports: Ports, received: TextReceived, body: str, reason: str) -> None:
    await text(ports, received.unit_id, received.from_, body, reason)
