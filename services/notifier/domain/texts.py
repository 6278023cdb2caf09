"""What a phone shows and what a call says, in Chinese.

An SMS stays one segment (70 characters for Chinese) where it can: the fixed parts are kept and the free
text (location, summary) is shortened to fit.
"""

from __future__ import annotations

from datetime import datetime

from services.local_time import LOCAL_TZ

__all__ = [
    "SMS_SEGMENT",
    "alert_sms",
    "alert_summary",
    "help_sms",
    "incident_texts",
    "notice_texts",
    "voice_twiml_script",
]

SMS_SEGMENT = 70
HELP_TEXT = "未找到待确认的通知。确认最新通知请回复1，确认某条通知请回复其中的4位码。"


def local_time(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%m-%d %H:%M")


def alert_summary(head: str, detail: str, moment: datetime | None, budget: int) -> str:
    """`head` kept whole; `detail` cut to fit `budget` characters with the time."""
    when = f"（{local_time(moment)}）" if moment is not None else ""
    room = budget - len(head) - len(when) - 1
    if room < len(detail):
        detail = detail[: max(room - 1, 0)] + "…" if room > 1 else ""
    return f"{head}{('：' + detail) if detail else ''}{when}"


def alert_sms(summary: str, code: str | None) -> str:
    """The SMS of an alert: its summary and how to acknowledge it."""
    if code is None:
        return summary
    return f"{summary}回复1或{code}确认"


def help_sms() -> str:
    return HELP_TEXT


def voice_twiml_script(script: str) -> str:
    """What the call says: the alert, then how to acknowledge (said twice inside the Gather)."""
    return f"{script}。确认请按1。"


CODE_SUFFIX_BUDGET = SMS_SEGMENT - len(alert_sms("", "0000"))


def incident_texts(
    unit: str, type_label: str, severity_label: str, location: str, summary: str, occurred_at: datetime
) -> tuple[str, str]:
    """(SMS summary, voice script) of a new incident: what, where, when."""
    sms = alert_summary(f"【{severity_label}】{unit}{type_label}", location, occurred_at, CODE_SUFFIX_BUDGET)
    voice = (
        f"{unit}发生{type_label}，等级{severity_label}，地点{location}，时间{local_time(occurred_at)}。{summary[:80]}"
    )
    return sms, voice


def notice_texts(head: str, detail: str, moment: datetime | None = None) -> tuple[str, str]:
    """(SMS summary, voice script) of any other alert."""
    when = f"，时间{local_time(moment)}" if moment is not None else ""
    return alert_summary(head, detail, moment, CODE_SUFFIX_BUDGET), f"{head}。{detail[:120]}{when}"


ALREADY_TEXT = "该通知已确认或已结束，无需再次回复。"
LANGUAGE = "zh-CN"
THANKS_TEXT = "已确认，谢谢。"
NO_KEY_TEXT = "未收到确认，稍后将再次通知。"
