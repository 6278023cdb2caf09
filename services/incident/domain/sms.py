"""Reading an officer's SMS report: `报 火灾 福利院3楼 14:05 2人受伤 II级`.

The first word is 报 (or 上报/报告), then the type in Chinese, the place, and what happened.
A grade such as `II级`, `2级`, `二级` or `重大` anywhere sets the severity; without one it is IV (一般).
An event time (`14:05`, `40分钟前`, see event_time.py) anywhere sets when it happened; without one, the arrival.
A report on an incident starts with 首报, 续报 or 终报, optionally followed by the incident's id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from schemas.values import IncidentType, ReportKind, Severity
from services.incident.domain.event_time import EventTime, take_event_time

__all__ = ["HELP_EXAMPLE", "SmsFiling", "SmsReport", "SmsUnreadable", "parse_sms_filing", "parse_sms_report"]

HELP_EXAMPLE = "报 火灾 福利院3楼 14:05 2人受伤 II级"
REPORT_USAGE = (
    f"报告事件请发送：报 类型 地点 事发时间 情况，例如：{HELP_EXAMPLE}（级别可省略，默认一般IV级；"
    "时间可写“40分钟前”，省略则按收到短信的时间）；"
    "报送首报/续报/终报请发送：首报 [事件编号] 情况"
)
PREFIXES = ("上报", "报告", "报")

TYPE_WORDS: dict[str, IncidentType] = {
    "火灾": IncidentType.FIRE,
    "着火": IncidentType.FIRE,
    "失火": IncidentType.FIRE,
    "一氧化碳中毒": IncidentType.CO_POISONING,
    "一氧化碳": IncidentType.CO_POISONING,
    "煤气中毒": IncidentType.CO_POISONING,
    "食物中毒": IncidentType.FOOD_POISONING,
    "人员走失": IncidentType.MISSING_PERSON,
    "走失": IncidentType.MISSING_PERSON,
    "意外伤害": IncidentType.ACCIDENTAL_INJURY,
    "受伤": IncidentType.ACCIDENTAL_INJURY,
    "摔伤": IncidentType.ACCIDENTAL_INJURY,
    "冻伤冻亡": IncidentType.COLD_EXPOSURE,
    "冻伤": IncidentType.COLD_EXPOSURE,
    "冻亡": IncidentType.COLD_EXPOSURE,
    "受冻": IncidentType.COLD_EXPOSURE,
    "流浪人员遇险": IncidentType.ROUGH_SLEEPER,
    "流浪人员": IncidentType.ROUGH_SLEEPER,
    "流浪": IncidentType.ROUGH_SLEEPER,
    "灾害损失": IncidentType.DISASTER_DAMAGE,
    "灾害": IncidentType.DISASTER_DAMAGE,
    "雪灾": IncidentType.DISASTER_DAMAGE,
    "其他": IncidentType.OTHER,
}

GRADE_WORDS: dict[str, Severity] = {
    "I": Severity.I,
    "Ⅰ": Severity.I,
    "1": Severity.I,
    "一": Severity.I,
    "II": Severity.II,
    "Ⅱ": Severity.II,
    "2": Severity.II,
    "二": Severity.II,
    "III": Severity.III,
    "Ⅲ": Severity.III,
    "3": Severity.III,
    "三": Severity.III,
    "IV": Severity.IV,
    "Ⅳ": Severity.IV,
    "4": Severity.IV,
    "四": Severity.IV,
}
LABEL_WORDS = {severity.label: severity for severity in Severity}

_GRADE = re.compile(r"^(IV|III|II|I|Ⅰ|Ⅱ|Ⅲ|Ⅳ|[1-4]|[一二三四])级$", re.IGNORECASE)
_SEPARATORS = re.compile(r"[\s,，、;；:：]+")
_LEADING_SEPARATORS = re.compile(r"^[\s,，、;；:：]+")
_INCIDENT_ID = re.compile(r"^(inc-[a-z0-9-]+)[\s,，、;；:：]*(.*)$", re.DOTALL)


@dataclass(frozen=True)
class SmsReport:
    type: IncidentType
    severity: Severity
    location: str
    summary: str
    event_time: EventTime | None = None


class SmsUnreadable(ValueError):
    """The text is no report we can read; `answer` is the SMS that tells the sender how to write one."""

    def __init__(self, problem: str, usage: str = "") -> None:
        super().__init__(problem)
        self.answer = f"{problem}。{usage or REPORT_USAGE}"


def parse_sms_report(text: str) -> SmsReport:
    event_time, text = take_event_time(text)
    words = [word for word in _SEPARATORS.split(text.strip()) if word]
    words = _without_prefix(words)
    severity, words = _take_severity(words)
    if not words:
        raise SmsUnreadable("未识别到事件类型")
    incident_type = TYPE_WORDS.get(words[0])
    if incident_type is None:
        raise SmsUnreadable(f"未识别的事件类型“{words[0][:10]}”，可用：{'、'.join(_type_names())}")
    if len(words) < 2:
        raise SmsUnreadable("缺少事件地点")
    summary = " ".join(words[2:]) or incident_type.label
    return SmsReport(incident_type, severity, words[1][:200], summary[:2000], event_time)


def _without_prefix(words: list[str]) -> list[str]:
    if not words:
        raise SmsUnreadable("短信为空")
    first = words[0]
    prefix = next((each for each in PREFIXES if first.startswith(each)), None)
    if prefix is None:
        raise SmsUnreadable("无法识别的短信（报告事件请以“报”开头）")
    rest = first.removeprefix(prefix)
    return ([rest] if rest else []) + words[1:]


def _take_severity(words: list[str]) -> tuple[Severity, list[str]]:
    """The first grade word found, and the words without it."""
    for index, word in enumerate(words):
        severity = _grade_of(word)
        if severity is not None:
            return severity, words[:index] + words[index + 1 :]
    return Severity.IV, words


def _grade_of(word: str) -> Severity | None:
    match = _GRADE.match(word)
    if match:
        return GRADE_WORDS[match.group(1).upper()]
    return LABEL_WORDS.get(word)


def _type_names() -> list[str]:
    return [incident_type.label for incident_type in IncidentType]


@dataclass(frozen=True)
class SmsFiling:
    """`首报 [inc-…] text`: a report on an incident (the sender's unit's latest open one when no id is given)."""

    kind: ReportKind
    incident_id: str | None
    text: str


FILING_WORDS = {kind.label: kind for kind in ReportKind}


def parse_sms_filing(text: str) -> SmsFiling | None:
    """The filing the text is, or None when it does not start with 首报, 续报 or 终报."""
    stripped = text.strip()
    kind = next((FILING_WORDS[word] for word in FILING_WORDS if stripped.startswith(word)), None)
    if kind is None:
        return None
    remainder = _LEADING_SEPARATORS.sub("", stripped.removeprefix(kind.label))
    named = _INCIDENT_ID.match(remainder)
    incident_id, body = (named.group(1), named.group(2)) if named else (None, remainder)
    if not body.strip():
        raise SmsUnreadable(
            f"{kind.label}缺少内容", f"请发送：{kind.label} [事件编号] 情况，例如：{kind.label} 火已扑灭，无人员伤亡"
        )
    return SmsFiling(kind, incident_id, body.strip()[:4000])
