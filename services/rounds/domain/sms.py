"""Reading a round report by SMS: `巡 1234 正常`, `巡 1234 隐患 3楼电暖器私拉电线`.

After 巡 comes the round's 4-digit code from its SMS, then 正常 (all in order) or 隐患 and what was found; several
hazards are separated by ；. A remark may follow 正常.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from schemas.rounds import ROUND_SMS_PREFIX

__all__ = ["ROUND_USAGE", "RoundSms", "RoundSmsUnreadable", "parse_round_sms"]

ROUND_USAGE = (
    f"回报巡查请发送：{ROUND_SMS_PREFIX} 4位巡查码 正常，或 {ROUND_SMS_PREFIX} 4位巡查码 隐患 情况（多处隐患用；分开）"
)
OK_WORDS = ("正常", "无异常", "完成")
HAZARD_WORDS = ("隐患", "异常", "问题")
_SHAPE = re.compile(r"^(\d{4})\s*(\S+?)(?:[\s,，:：]+(.*))?$", re.DOTALL)
_HAZARD_SEPARATORS = re.compile(r"[;；\n]+")


class RoundSmsUnreadable(ValueError):
    """The text is no round report we can read; `answer` tells the sender how to write one."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.answer = f"{problem}。{ROUND_USAGE}"


@dataclass(frozen=True)
class RoundSms:
    code: str
    hazards: tuple[str, ...]
    note: str = ""

    @property
    def ok(self) -> bool:
        return not self.hazards


def parse_round_sms(text: str) -> RoundSms:
    body = unicodedata.normalize("NFKC", text).strip().removeprefix(ROUND_SMS_PREFIX).strip()
    match = _SHAPE.match(body)
    if match is None:
        raise RoundSmsUnreadable("未识别到4位巡查码")
    code, verdict, rest = match.group(1), match.group(2), (match.group(3) or "").strip()
    word_ok = next((word for word in OK_WORDS if verdict.startswith(word)), None)
    if word_ok is not None:
        return RoundSms(code, (), _joined(verdict.removeprefix(word_ok), rest))
    word_hazard = next((word for word in HAZARD_WORDS if verdict.startswith(word)), None)
    if word_hazard is None:
        raise RoundSmsUnreadable(f"巡查码后应为“正常”或“隐患”，收到“{verdict[:10]}”")
    found = _joined(verdict.removeprefix(word_hazard), rest)
    hazards = tuple(part.strip()[:500] for part in _HAZARD_SEPARATORS.split(found) if part.strip())
    if not hazards:
        raise RoundSmsUnreadable("隐患缺少情况说明")
    return RoundSms(code, hazards)


def _joined(*parts: str) -> str:
    return " ".join(part.strip() for part in parts if part.strip())[:1000]
