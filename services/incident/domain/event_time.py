"""When it happened, as an officer writes it in an SMS: `14:05`, `14点05分`, `40分钟前`, `1小时前`, `半小时前`.

A clock time is read in Asia/Shanghai on the day the SMS arrived. Later than the arrival by less than 12 hours it
is a time in the future and refused (within SKEW, a phone's clock running a little fast, it counts as the
arrival); later by more, it is the day before's (`23:50` sent at 00:10 is last night's).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from services.local_time import LOCAL_TZ

__all__ = ["SKEW", "EventTime", "TimeRefused", "take_event_time"]

SKEW = timedelta(minutes=5)
HALF_DAY = timedelta(hours=12)

_CLOCK = re.compile(r"(?<![\d.])([01]?\d|2[0-3])\s*(?:[:：]\s*([0-5]\d)|点\s*(?:([0-5]?\d)\s*分?|半)?)(?![\d])")
_AGO = re.compile(r"(\d{1,3}|半)\s*(分钟|小时|个小时)前")
TIME_USAGE = "请写明已发生的事发时间，例如：报 火灾 福利院3号楼 14:05 …，或：报 火灾 福利院3号楼 40分钟前 …"


class TimeRefused(ValueError):
    """The event time lies in the future: `answer` is the SMS that says so."""

    def __init__(self, written: str, arrived: datetime) -> None:
        at = arrived.astimezone(LOCAL_TZ).strftime("%H:%M")
        super().__init__(f"事发时间“{written}”晚于短信收到的时间{at}")
        self.answer = f"{self}，未受理。{TIME_USAGE}"


@dataclass(frozen=True)
class EventTime:
    """What the SMS said: a wall-clock time (hour, minute) or a lapse before the arrival."""

    written: str
    clock: tuple[int, int] | None = None
    ago: timedelta | None = None

    def resolve(self, arrived: datetime) -> datetime:
        """The moment it names, never after `arrived`; TimeRefused when it names the future."""
        if self.ago is not None:
            return arrived - self.ago
        assert self.clock is not None
        local = arrived.astimezone(LOCAL_TZ)
        moment = local.replace(hour=self.clock[0], minute=self.clock[1], second=0, microsecond=0)
        if moment <= local:
            return moment.astimezone(UTC)
        if moment - local <= SKEW:
            return arrived
        if moment - local < HALF_DAY:
            raise TimeRefused(self.written, arrived)
        return (moment - timedelta(days=1)).astimezone(UTC)


def take_event_time(text: str) -> tuple[EventTime | None, str]:
    """The first event time written in `text`, and the text without it."""
    ago = _AGO.search(text)
    if ago is not None:
        amount = 0.5 if ago.group(1) == "半" else float(ago.group(1))
        lapse = timedelta(minutes=amount) if ago.group(2) == "分钟" else timedelta(hours=amount)
        return EventTime(ago.group(0), ago=lapse), _without(text, ago)
    clock = _CLOCK.search(text)
    if clock is not None:
        minute = 30 if clock.group(0).endswith("半") else int(clock.group(2) or clock.group(3) or 0)
        return EventTime(clock.group(0).strip(), clock=(int(clock.group(1)), minute)), _without(text, clock)
    return None, text


def _without(text: str, match: re.Match[str]) -> str:
    return f"{text[: match.start()]} {text[match.end() :]}"
