"""The 突发事件信息报告 form rendered for people: one SMS line of essentials, a call's spoken text, the full
text; and the form an SMS filing fills from what the incident already knows."""

from __future__ import annotations

import re
from datetime import datetime

from schemas.report_form import Casualties, ReportForm
from schemas.values import ReportKind
from services.incident.domain.model import Incident
from services.local_time import LOCAL_TZ

__all__ = ["SPEECH_LIMIT", "TO_BE_ADDED", "casualty_line", "essentials", "form_from_sms", "full_text", "speech"]

# Aliyun's TTS template takes 250 characters of parameters in all; the call says this much of the form.
SPEECH_LIMIT = 240
TO_BE_ADDED = "（短信报送，待补充）"
_COUNTED = {"dead": ("死亡", "亡"), "injured": ("受伤", "伤"), "missing": ("失踪",), "trapped": ("被困", "困")}
_CASUALTY = re.compile(r"(?:(\d+)\s*人?\s*(死亡|受伤|失踪|被困))|(?:(死亡|受伤|失踪|被困)\s*(\d+)\s*人?)")


def _when(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%m-%d %H:%M")


def casualty_line(casualties: Casualties) -> str:
    if casualties.none:
        return "无人员伤亡"
    counts = (("死亡", casualties.dead), ("受伤", casualties.injured), ("失踪", casualties.missing))
    return "，".join(f"{label}{count}人" for label, count in (*counts, ("被困", casualties.trapped)) if count)


def essentials(form: ReportForm) -> str:
    """What follows what, where and when in a report's SMS: casualties, then the situation (cut first)."""
    return f"{casualty_line(form.casualties)}。{form.situation}"


def speech(form: ReportForm) -> str:
    """What a call reads: the essentials, the measures, who reports; cut to SPEECH_LIMIT."""
    text = (
        f"{form.reporting_unit}{form.kind.label}：{_when(form.occurred_at)}，{form.location}发生{form.type.label}，"
        f"等级{form.severity.label}，{casualty_line(form.casualties)}。{form.situation}。"
        f"已采取措施：{form.measures}。报告人{form.reporter}。"
    )
    return text if len(text) <= SPEECH_LIMIT else text[: SPEECH_LIMIT - 1] + "…"


def full_text(form: ReportForm) -> str:
    """Every field with the form's heading, in the form's order."""
    lines = [
        ("报告单位", form.reporting_unit),
        ("事发时间", _when(form.occurred_at)),
        ("事发地点", form.location),
        ("事件类型和等级", f"{form.type.label}，{form.severity.label}（{form.severity.value}级）"),
        ("伤亡情况", casualty_line(form.casualties)),
        ("基本情况", form.situation),
        ("已采取的处置措施", form.measures),
        ("下一步工作", form.next_steps),
        ("进展", form.progress),
        ("处置结果", form.outcome),
        ("善后", form.aftermath),
        ("报告人", f"{form.reporter}（{form.phone}）"),
        ("签发领导", form.signed_by),
    ]
    return "\n".join(f"{heading}：{value}" for heading, value in lines if value)


def form_from_sms(
    incident: Incident, unit_name: str, kind: ReportKind, text: str, reporter: str, phone: str
) -> ReportForm:
    """The essentials an SMS filing gives: the incident's facts, casualties read from the text, the text as
    the situation (or, for a 续报 and 终报, the progress and result); the rest marked to be added."""
    return ReportForm(
        kind=kind,
        reporting_unit=unit_name,
        occurred_at=incident.occurred_at,
        location=incident.location,
        type=incident.type,
        severity=incident.severity,
        casualties=read_casualties(text),
        situation=text if kind is ReportKind.FIRST else incident.summary,
        measures=TO_BE_ADDED,
        next_steps=TO_BE_ADDED,
        reporter=reporter,
        phone=phone,
        progress=text if kind is not ReportKind.FIRST else None,
        outcome=text if kind is ReportKind.FINAL else None,
        aftermath=TO_BE_ADDED if kind is ReportKind.FINAL else None,
    )


def read_casualties(text: str) -> Casualties:
    """`2人受伤`, `死亡1人`, `被困3人`: the counts written; what is not written is 0."""
    found: dict[str, int] = {}
    for match in _CASUALTY.finditer(text):
        count, word = (match.group(1), match.group(2)) if match.group(1) else (match.group(4), match.group(3))
        name = next(field for field, words in _COUNTED.items() if word in words)
        found[name] = int(count)
    return Casualties(**found)
