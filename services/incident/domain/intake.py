"""Intake rules: what is refused, and when a report joins an incident that is already open."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.incident.domain.model import Incident
from services.incident.domain.places import same_place

__all__ = ["DedupPolicy", "IntakeRefused", "check_occurred_at", "check_text"]

MAX_AGE = timedelta(days=7)
# A sender's clock a little ahead of ours is no reason to refuse an alert.
CLOCK_SKEW = timedelta(minutes=1)


class IntakeRefused(ValueError):
    """The report cannot be taken in; `field` names the offending field, `message` says why in plain words."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def check_occurred_at(occurred_at: datetime, now: datetime) -> None:
    """Refuse a time in the future or more than 7 days ago."""
    if occurred_at > now + CLOCK_SKEW:
        raise IntakeRefused("occurred_at", f"{occurred_at.isoformat()} is in the future (now is {now.isoformat()})")
    if occurred_at < now - MAX_AGE:
        raise IntakeRefused("occurred_at", f"{occurred_at.isoformat()} is more than 7 days ago; report it by phone")


@dataclass(frozen=True)
class DedupPolicy:
    """Same unit and type: the same external id, or (without conflicting ids) at the same place (`same_place`)
    and occurred within `window`."""

    window: timedelta = timedelta(minutes=60)

    def near(self, occurred_at: datetime) -> tuple[datetime, datetime]:
        """The occurred-at range an incident must fall in to be joined without a matching external id."""
        return occurred_at - self.window, occurred_at + self.window

    def match(
        self, open_incidents: Iterable[Incident], occurred_at: datetime, location: str, external_id: str | None
    ) -> Incident | None:
        candidates = list(open_incidents)
        if external_id is not None:
            same_id = next((each for each in candidates if each.external_id == external_id), None)
            if same_id is not None:
                return same_id
        near = [
            each
            for each in candidates
            if abs(each.occurred_at - occurred_at) <= self.window
            and (external_id is None or each.external_id is None)
            and same_place(each.location, location)
        ]
        return min(near, key=lambda each: abs(each.occurred_at - occurred_at), default=None)


def check_text(fields: dict[str, str]) -> None:
    """Refuse NUL and other control characters (no database keeps a NUL; no person types one)."""
    for name, value in fields.items():
        if any(ord(char) < 32 and char not in "\n\r\t" for char in value):
            raise IntakeRefused(name, "contains control characters")
