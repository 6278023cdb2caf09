"""Rate limits as data: per-recipient SMS throttling, and when to stop answering unknown replies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["RateLimit", "RateRule", "UnknownReplyLimit"]


@dataclass(frozen=True)
class RateRule:
    """At most `count` messages in any window of length `per`."""

    count: int
    per: timedelta


# After GoAlert's per-contact SMS throttle: one a minute, and bursts capped over longer windows.
DEFAULT_SMS_RULES = (
    RateRule(1, timedelta(minutes=1)),
    RateRule(3, timedelta(minutes=15)),
    RateRule(10, timedelta(hours=1)),
)


@dataclass(frozen=True)
class RateLimit:
    rules: tuple[RateRule, ...] = DEFAULT_SMS_RULES

    def next_allowed(self, sent: Sequence[datetime], now: datetime, *, first_of_run: bool) -> datetime:
        """The earliest time another message may go to a person who was sent messages at `sent`.

        The first message of a run is never held back: an alert must not wait behind older ones.
        """
        if first_of_run:
            return now
        allowed = now
        for rule in self.rules:
            recent = sorted(moment for moment in sent if moment > now - rule.per)
            if len(recent) >= rule.count:
                allowed = max(allowed, recent[-rule.count] + rule.per)
        return allowed


@dataclass(frozen=True)
class UnknownReplyLimit:
    """Unknown replies get a help answer, until `count` of them came from one number within `per`; and numbers
    the directory does not know get at most `strangers_per_day` answers a day between them, whatever numbers
    they come from (each answer is an SMS the account pays for, and a sender's number is easy to change)."""

    count: int = 5
    per: timedelta = timedelta(minutes=10)
    strangers_per_day: int = 100
    stranger_window: timedelta = timedelta(days=1)

    def should_answer(self, earlier_unknown: Sequence[datetime], now: datetime) -> bool:
        recent = [moment for moment in earlier_unknown if moment > now - self.per]
        return len(recent) < self.count

    def may_answer_stranger(self, answered_in_window: int) -> bool:
        return answered_in_window < self.strangers_per_day
