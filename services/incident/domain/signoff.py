"""Leader sign-off (签发): where a unit requires it, a drafted 首报 waits for the duty leader, who signs by
SMS (`签发 NNNN`) or HTTP. The one-hour rule wins: `margin` before the deadline an unsigned draft goes out
marked 未经签发 and the leader is called."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from schemas.report_form import ReportForm
from schemas.values import Person, ReportKind
from services.incident.domain.model import Source

__all__ = ["UNSIGNED_MARK", "Draft", "SignOffPolicy", "parse_sign_off"]

UNSIGNED_MARK = "（未经签发）"
_SIGN = re.compile(r"^\s*签发\s*[：:]?\s*(\d{4})\s*[。.]?\s*$")


@dataclass(frozen=True)
class Draft:
    """A 首报 waiting for its 签发; `state` pending, then signed or unsigned (sent without it)."""

    id: str
    incident_id: str
    unit_id: str
    code: str
    text: str
    form: ReportForm | None
    filed_by: str
    source: Source
    drafted_at: datetime
    leader: Person | None
    state: str = "pending"


@dataclass(frozen=True)
class SignOffPolicy:
    """Which units' 首报 need the leader's sign-off ("*": all), and how long before the deadline it goes out
    unsigned."""

    units: frozenset[str] = field(default_factory=frozenset)
    margin: timedelta = timedelta(minutes=15)

    @classmethod
    def of(cls, units: Iterable[str], margin_minutes: int) -> SignOffPolicy:
        return cls(frozenset(units), timedelta(minutes=margin_minutes))

    def holds_back(self, unit_id: str, kind: ReportKind, form: ReportForm | None) -> bool:
        """A 首报 of such a unit, not signed on its form already, waits for the leader."""
        required = "*" in self.units or unit_id in self.units
        return required and kind is ReportKind.FIRST and (form is None or not form.signed_by)

    def send_anyway_at(self, due_at: datetime, now: datetime) -> datetime:
        return max(due_at - self.margin, now)


def parse_sign_off(text: str) -> str | None:
    """The code of `签发 NNNN`, or None when the text is no sign-off."""
    match = _SIGN.match(text)
    return match.group(1) if match else None
